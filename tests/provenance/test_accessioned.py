"""Files an accessioning run posted: recorded with their parents and step run, found by
accession, and continuing the lineage of files made from them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from encode_accession.core.errors import InputError
from encode_accession.provenance import (
    lineage,
    log_derived,
    record_accessioned_file,
    record_accessioned_files,
)

from .conftest import write

RUN = {"step_run": "/analysis-step-runs/0b1c2d3e-aaaa-bbbb-cccc-000000000001/",
       "workflow_id": "b4f1c1a0-1111-2222-3333-444455556666",
       "docker_image": "encodedcc/atac-seq-pipeline:v2.2.2", "server": "dev",
       "lab": "encode-processing-pipeline"}
BAM = {"uri": "gs://pipeline-bucket/atac/b4f1c1a0/call-align/rep1.bam", "md5": "a" * 32,
       "size": 123456, "accession": "TSTFF100BAM", "portal_id": "/files/TSTFF100BAM/",
       "derived_from": ["/files/ENCFF001FQA/", "/files/ENCFF002FQB/", "ENCFF643CGH"], **RUN}
PEAKS = {**BAM, "uri": "gs://pipeline-bucket/atac/b4f1c1a0/call-peaks/rep1.narrowPeak.gz",
         "md5": "b" * 32, "size": 999, "accession": "TSTFF200PKS",
         "portal_id": "/files/TSTFF200PKS/", "derived_from": ["/files/TSTFF100BAM/"],
         "step_run": "/analysis-step-runs/0b1c2d3e-aaaa-bbbb-cccc-000000000002/"}


def test_provenance_of_an_accession_shows_its_file_parents_and_step_run(conn, run_cli
                                                                        ) -> None:
    record_accessioned_files(conn, [BAM, PEAKS])
    result = run_cli("provenance", "TSTFF200PKS")
    assert result.code == 0, result.err
    head = result.out.split("made from")[0]
    assert f"{PEAKS['uri']} (v1) TSTFF200PKS [not checked (remote)]" in head
    assert f"step run: {PEAKS['step_run']} on dev" in head
    assert f"workflow: {RUN['workflow_id']}" in head
    assert f"docker image: {RUN['docker_image']}" in head and "lab: encode-processing-" in head
    up = result.out.split("made from")[1].split("derived from it")[0]
    assert f"{BAM['uri']} (v1) TSTFF100BAM" in up  # the parent is a recorded file
    for parent in ("ENCFF001FQA", "ENCFF002FQB", "ENCFF643CGH"):
        assert f"{parent} [not in the tracker]" in up  # ... and its parents too

    data = run_cli("provenance", "/files/TSTFF100BAM/", "--format", "json").json()
    (root,) = data["roots"]
    node = data["nodes"][root]
    assert (node["location"], node["md5"], node["size"], node["portal_id"]) == (
        BAM["uri"], BAM["md5"], BAM["size"], BAM["portal_id"])
    assert [data["nodes"][k]["accession"] for k in data["downstream"]] == ["TSTFF200PKS"]
    activity = data["activities"][str(node["activity"])]
    assert {k: activity[k] for k in RUN} == RUN and activity["kind"] == "accessioning"


def test_recording_again_changes_nothing_and_step_runs_are_shared(conn) -> None:
    first = record_accessioned_files(conn, [BAM, {**BAM, "uri": BAM["uri"] + ".bai",
                                                  "accession": "TSTFF101BAI",
                                                  "portal_id": "/files/TSTFF101BAI/"}])
    assert [r.status for r in first] == ["new", "new"]
    assert record_accessioned_file(conn, **BAM).status == "unchanged"
    assert conn.execute("SELECT COUNT(*) FROM provenance_activities").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM file_versions").fetchone()[0] == 2


def test_lineage_of_a_users_file_continues_through_accessioned_files(conn, tmp_path: Path
                                                                     ) -> None:
    record_accessioned_files(conn, [BAM, PEAKS])
    table = write(tmp_path / "peaks_table.tsv", "x\n")
    log_derived(conn, table, ["TSTFF200PKS"], tool="summarise")
    found = lineage(conn, str(table))
    reached = [getattr(found.graph.node(k), "location", None) or found.graph.node(k).accession
               for k in found.upstream]
    assert reached == [PEAKS["uri"], BAM["uri"], "ENCFF001FQA", "ENCFF002FQB", "ENCFF643CGH"]
    down = lineage(conn, "TSTFF100BAM")
    assert sorted(down.graph.node(k).location for k in down.downstream) == [
        str(table), PEAKS["uri"]]


def test_local_pipeline_files_are_checked_by_md5(conn, run_cli, tmp_path: Path) -> None:
    bam = write(tmp_path / "rep1.bam", "reads\n")
    record_accessioned_file(conn, **{**BAM, "uri": str(bam), "size": bam.stat().st_size,
                                     "md5": hashlib.md5(bam.read_bytes()).hexdigest()})
    assert run_cli("provenance", "TSTFF100BAM", "--format", "json").json()["nodes"][
        "v:1"]["state"] == "ok"
    bam.write_text("other reads\n")
    problems = run_cli("provenance", "TSTFF100BAM", "--format", "json").json()["problems"]
    assert [p["code"] for p in problems if p["node"] == "v:1"] == ["modified"]
    assert "md5" in problems[0]["message"]


def test_parents_must_be_portal_ids_or_accessions(conn) -> None:
    with pytest.raises(InputError, match="derived_from: 'rep1.fastq.gz' is not a portal @id"):
        record_accessioned_file(conn, **{**BAM, "derived_from": ["rep1.fastq.gz"]})
    assert conn.execute("SELECT COUNT(*) FROM file_versions").fetchone()[0] == 0


def test_parents_named_by_uuid_at_ids_are_recorded_as_the_portal_named_them(conn) -> None:
    """A portal that answers with uuid @ids (a replaced file, a workbook without accessions)
    still gets its file recorded: the parent is the @id as given."""
    uuid_parent = "/files/56e94f2b-8bc3-4a2f-9f4c-3b1b7a1c0d2e/"
    logged = record_accessioned_file(conn, **{**BAM, "derived_from": [
        uuid_parent, f"https://www.encodeproject.org{uuid_parent}", "/files/ENCFF001FQA/"]})
    assert logged.status == "new"
    stored = [r[0] for r in conn.execute("SELECT accession FROM version_sources "
                                         "ORDER BY position")]
    assert stored == [uuid_parent, "ENCFF001FQA"]
