"""Exact matching: an accession never matches a longer one, a path never matches a longer
path, whatever the spelling used to name them."""

from __future__ import annotations

from pathlib import Path

from encode_accession.provenance import lineage, log_derived
from encode_accession.provenance.record import note_derived_file
from encode_accession.tracker import store

from .conftest import write


def locations(conn, target: str, direction: str = "downstream") -> list[str]:
    found = lineage(conn, target)
    return [found.graph.node(k).location for k in getattr(found, direction)]


def test_accessions_match_whole(conn, tmp_path: Path) -> None:
    exact = write(tmp_path / "exact.bed", "1\n")
    log_derived(conn, exact, ["ENCFF001AAA"])
    note_derived_file(conn, str(tmp_path / "longer.bed"), ["ENCFF001AAAB"])
    note_derived_file(conn, str(tmp_path / "shorter.bed"), ["ENCFF001AA"])
    assert locations(conn, "ENCFF001AAA") == [str(exact)]
    assert locations(conn, "encff001aaa") == [str(exact)]  # accessions are upper-case
    assert locations(conn, "/files/ENCFF001AAA/") == [str(exact)]
    assert [r["file_path"] for r in store.derived_files_from(conn, "ENCFF001AAA")] == [
        str(exact)]
    assert [r["file_path"] for r in store.derived_files_from(conn, "ENCFF001AA")] == [
        str(tmp_path / "shorter.bed")]
    assert store.derived_files_from(conn, "ENCFF001A") == []


def test_paths_match_whole(conn, tmp_path: Path) -> None:
    text = write(tmp_path / "a" / "b.txt", "plain\n")
    gz = write(tmp_path / "a" / "b.txt.gz", "zipped\n")
    log_derived(conn, text, ["ENCFF001AAA"])
    log_derived(conn, gz, ["ENCFF002BBB"])
    from_text = write(tmp_path / "from_text.tsv", "t\n")
    from_gz = write(tmp_path / "from_gz.tsv", "g\n")
    log_derived(conn, from_text, [str(text)])
    log_derived(conn, from_gz, [str(gz)])
    assert locations(conn, str(text)) == [str(from_text)]
    assert locations(conn, str(gz)) == [str(from_gz)]
    assert locations(conn, str(tmp_path / "a" / "." / "b.txt")) == [str(from_text)]
    up = lineage(conn, str(from_text))
    assert [getattr(up.graph.node(k), "location", None) or up.graph.node(k).accession
            for k in up.upstream] == [str(text), "ENCFF001AAA"]


def test_lineage_of_an_unknown_target_is_refused_and_an_unused_accession_is_empty(
        conn, run_cli, tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "x\n")
    result = run_cli("provenance", str(tmp_path / "a.txt"))
    assert result.code == 1
    assert "is neither an ENCODE accession nor a logged file" in result.err
    data = run_cli("provenance", "ENCSR000AKS", "--format", "json").json()
    assert data["roots"] == ["a:ENCSR000AKS"] and data["downstream"] == []
    assert data["nodes"]["a:ENCSR000AKS"]["state"] == "not in the tracker"
