"""What a user stored is never dropped: a re-log that omits fields keeps them, an empty
source list is refused, one file accessioned to two portals keeps both accessions, files of a
tracked experiment are tracked sources, and accessions are checked (pattern, database, portal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import synthetic_collection as synthetic
from tracker.conftest import serve

from encode_accession.core.errors import InputError
from encode_accession.provenance import lineage, log_derived, record_accessioned_file
from encode_accession.tracker import extract, store

from .conftest import write


def activity(conn, path: Path) -> dict:
    row = conn.execute(
        "SELECT a.tool, a.tool_version, a.parameters, a.description FROM file_versions v "
        "JOIN derived_files d ON d.id = v.file_id JOIN provenance_activities a ON "
        "a.id = v.activity_id WHERE d.file_path = ? ORDER BY v.version DESC LIMIT 1",
        (str(path.resolve()),)).fetchone()
    return dict(row)


def test_a_relog_without_fields_keeps_them_and_says_so(conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "a\n")
    log_derived(conn, peaks, ["ENCFF001AAA"], tool="macs2", tool_version="2.2.9",
                parameters={"q": 0.01}, description="replicate 1")
    again = log_derived(conn, peaks, ["ENCFF001AAA"])
    assert again.status == "unchanged"
    assert set(again.kept) == {"tool", "tool_version", "parameters", "description"}
    peaks.write_text("b\n")  # new content: a new version that still names its tool
    newer = log_derived(conn, peaks, ["ENCFF001AAA"], tool_version="2.3.0")
    assert (newer.status, newer.version) == ("new version", 2)
    assert activity(conn, peaks) == {"tool": "macs2", "tool_version": "2.3.0",
                                     "parameters": '{"q": 0.01}',
                                     "description": "replicate 1"}
    assert "tool_version" not in newer.kept and "tool" in newer.kept


def test_clearing_a_field_takes_an_explicit_option(run_cli, conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "a\n")
    assert run_cli("log-derived", str(peaks), "--sources", "ENCFF001AAA", "--tool", "macs2",
                   "--description", "old words").code == 0
    result = run_cli("log-derived", str(peaks), "--sources", "ENCFF001AAA", "--clear",
                     "description", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["kept"] == ["tool"]
    assert activity(conn, peaks)["description"] is None and activity(conn, peaks)["tool"]
    both = run_cli("log-derived", str(peaks), "--sources", "ENCFF001AAA", "--clear", "tool",
                   "--tool", "bedtools")
    assert both.code == 1 and "tool: is both given a value and cleared" in both.err


def test_an_empty_source_list_is_refused_not_a_wipe(conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "a\n")
    log_derived(conn, peaks, ["ENCFF001AAA"], tool="macs2")
    with pytest.raises(InputError, match="sources: is empty"):
        log_derived(conn, peaks, [])
    (row,) = conn.execute("SELECT accession FROM version_sources").fetchall()
    assert row[0] == "ENCFF001AAA"


def accessioned(conn, server: str, accession: str, parent: str):
    return record_accessioned_file(
        conn, uri="gs://bucket/run/peaks.bed.gz", md5="0" * 32, size=10, accession=accession,
        portal_id=f"/files/{accession}/", derived_from=[f"/files/{parent}/"],
        step_run=f"{server}-step", workflow_id="wf-1", docker_image="encode/chip:2.2",
        server=server, step_name="peak-calling")


def test_two_servers_keep_two_accessions_and_the_first_still_finds_the_file(
        run_cli, conn) -> None:
    first = accessioned(conn, "https://test.encodedcc.org", "ENCFF001AAA", "ENCFF900AAA")
    second = accessioned(conn, "http://127.0.0.1:8000", "TSTFF000001", "TSTFF000900")
    assert (first.status, second.status) == ("new", "amended")
    assert accessioned(conn, "http://127.0.0.1:8000", "TSTFF000001",
                       "TSTFF000900").status == "unchanged"
    records = conn.execute("SELECT server, accession FROM version_accessions "
                           "ORDER BY accession").fetchall()
    assert [tuple(r) for r in records] == [("https://test.encodedcc.org", "ENCFF001AAA"),
                                           ("http://127.0.0.1:8000", "TSTFF000001")]
    for accession in ("ENCFF001AAA", "TSTFF000001"):
        result = run_cli("provenance", accession, "--format", "json")
        assert result.code == 0, result.err
        (node,) = [n for n in json.loads(result.out)["nodes"].values() if n["kind"] == "file"]
        assert node["location"] == "gs://bucket/run/peaks.bed.gz"
        assert {r["accession"] for r in node["portal_records"]} == {"ENCFF001AAA",
                                                                    "TSTFF000001"}
    text = run_cli("provenance", "ENCFF001AAA").out
    assert "not in the tracker" not in text.split("made from")[0]
    assert "on http://127.0.0.1:8000: TSTFF000001" in text
    # Both portals' parents stay its sources.
    sources = {r[0] for r in conn.execute("SELECT accession FROM version_sources")}
    assert sources == {"ENCFF900AAA", "TSTFF000900"}


def test_files_of_a_tracked_experiment_are_tracked_sources(conn, tmp_path: Path) -> None:
    obj = synthetic.sample_experiments(1, seed=3)[0]
    store.save_tracked(conn, extract.tracked_experiment(obj, portal_url="https://x"))
    with_qc = {r[0] for r in conn.execute("SELECT file_accession FROM quality_metrics")}
    plain = next(f["accession"] for f in obj["files"] if f["accession"] not in with_qc)
    made = write(tmp_path / "made.bed", "x\n")
    log_derived(conn, made, [plain])
    node = lineage(conn, str(made)).graph.accessions[plain]
    assert node.tracked and node.experiment == obj["accession"]
    assert node.status == f"file of tracked experiment {obj['accession']}"


@pytest.mark.parametrize("typo", ["ENCXX001AAA", "ENCFF0001AA", "ENCSR001AA"])
def test_accessions_of_no_kind_the_portal_mints_are_refused(run_cli, tmp_path: Path,
                                                            typo: str) -> None:
    made = write(tmp_path / "made.bed", "x\n")
    result = run_cli("log-derived", str(made), "--sources", typo)
    assert result.code == 1 and f"{typo}: sources: is neither an ENCODE accession" in result.err


@pytest.fixture(scope="module")
def one_file_portal(tmp_path_factory: pytest.TempPathFactory):
    experiment = synthetic.sample_experiments(1, seed=11)[0]
    url, _, stop = serve(tmp_path_factory.mktemp("portal") / "portal.sqlite",
                         [*synthetic.software_versions(), experiment])
    yield url, experiment
    stop()


def test_accessions_are_checked_against_the_portal_and_warned_about_when_it_is_away(
        run_cli, tmp_path: Path, one_file_portal) -> None:
    url, experiment = one_file_portal
    made = write(tmp_path / "made.bed", "x\n")
    real = experiment["accession"]
    ok = run_cli("log-derived", str(made), "--sources", real, "--server", url)
    assert ok.code == 0 and "warning" not in ok.err, ok.err
    missing = run_cli("log-derived", str(made), "--sources", "ENCFF999ZZZ", "--server", url)
    assert missing.code == 1 and "ENCFF999ZZZ: sources: is not on" in missing.err
    assert missing.err.count("\n") == 1
    away = run_cli("log-derived", str(made), "--sources", "ENCFF998ZZZ", "--server",
                   "http://127.0.0.1:9")
    assert away.code == 0 and "warning: ENCFF998ZZZ: could not be checked" in away.err
    unchecked = run_cli("log-derived", str(made), "--sources", "ENCFF997ZZZ")
    assert unchecked.code == 0 and "not checked against a portal" in unchecked.err
