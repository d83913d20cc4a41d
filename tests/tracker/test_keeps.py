"""What a user stored survives: a re-track that skips publications or pipelines keeps the
stored ones, notes change only when asked, and untrack removes an experiment's rows but never
the provenance of files made from it."""

from __future__ import annotations

import json
from pathlib import Path

from cli_run import run_main

from encode_accession.portal.client import PortalClient
from encode_accession.provenance import log_derived
from encode_accession.tracker import pipelines_of, track

from .conftest import Portal


def publications(conn, accession: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM publications WHERE experiment_accession = ?",
                        (accession,)).fetchone()[0]


def test_a_partial_re_track_keeps_publications_and_pipelines(conn, portal: Portal) -> None:
    client = PortalClient(portal.url)
    accession = portal.experiments[2]["accession"]
    full = track(conn, client, accession)
    assert full.publications > 0 and full.pipelines > 0
    stored = pipelines_of(conn, accession)
    partial = track(conn, client, accession, publications=False, pipelines=False)
    assert partial.kept == ("publications", "pipelines")
    assert (partial.publications, partial.pipelines) == (full.publications, full.pipelines)
    assert publications(conn, accession) == full.publications
    assert pipelines_of(conn, accession) == stored
    only_pubs = track(conn, client, accession, pipelines=False)
    assert only_pubs.kept == ("pipelines",) and pipelines_of(conn, accession) == stored


def test_a_first_track_without_publications_stores_none(conn, portal: Portal) -> None:
    accession = portal.experiments[3]["accession"]
    result = track(conn, PortalClient(portal.url), accession, publications=False)
    assert result.created and result.kept == () and publications(conn, accession) == 0


def test_notes_are_cleared_only_when_asked(run_cli, portal: Portal) -> None:
    accession = portal.experiments[4]["accession"]
    assert run_cli("track", accession, "--notes", "keep me").code == 0
    assert run_cli("track", accession).code == 0
    assert run_cli("list", "--format", "json").json()[0]["notes"] == "keep me"
    assert run_cli("track", accession, "--clear-notes").code == 0
    assert run_cli("list", "--format", "json").json()[0]["notes"] is None


def test_untrack_removes_the_rows_and_keeps_provenance(run_cli, conn, db_path: Path,
                                                       portal: Portal, tmp_path: Path) -> None:
    obj = portal.experiments[5]
    accession = obj["accession"]
    assert run_cli("track", accession, "--notes", "mine").code == 0
    assert run_cli("link", accession, "nct_id", "NCT01234567").code == 0
    made = tmp_path / "made.bed"
    made.write_text("x\n")
    log_derived(conn, made, [obj["files"][0]["accession"]], tool="bedtools")
    result = run_cli("untrack", accession, "ENCSR000ZZZ", "--format", "json")
    assert result.code == 1 and "ENCSR000ZZZ: is not tracked" in result.err
    (done,) = json.loads(result.out)
    assert done["untracked"] and done["notes_removed"]
    assert done["removed"]["user_references"] == 1 and done["removed"]["files"] > 0
    assert done["kept_provenance"] == [str(made.resolve())]
    for table, key in (("tracked_experiments", "accession"), ("publications",
                       "experiment_accession"), ("experiment_files", "experiment_accession"),
                       ("external_references", "experiment_accession")):
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {key} = ?",
                            (accession,)).fetchone()[0] == 0, table
    assert conn.execute("SELECT COUNT(*) FROM version_sources").fetchone()[0] == 1
    lineage = run_main("provenance", str(made), "--db", str(db_path))
    assert lineage.code == 0 and obj["files"][0]["accession"] in lineage.out
    text = run_cli("untrack", accession)
    assert text.code == 1 and text.err.count("\n") == 1
