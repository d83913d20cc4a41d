"""Recording: checksums and times, idempotent re-logs, new versions on change (all kept),
amended records, resolved paths, and bad input as one clear InputError."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import pytest

from encode_accession.core.errors import InputError
from encode_accession.provenance import lineage, log_derived
from encode_accession.provenance.record import resolve_sources

from .conftest import write


def versions(conn, path: Path) -> list[dict]:
    rows = conn.execute("SELECT v.* FROM file_versions v JOIN derived_files d ON d.id = "
                        "v.file_id WHERE d.file_path = ? ORDER BY v.version",
                        (str(path.resolve()),)).fetchall()
    return [dict(r) for r in rows]


def test_log_records_both_checksums_size_and_time(conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "chr1\t1\t2\n")
    result = log_derived(conn, peaks, ["encff001aaa", "/files/ENCSR000AKS/"], tool="macs2",
                         tool_version="2.2.9", parameters={"q": 0.01}, description="rep1")
    content = peaks.read_bytes()
    assert result.status == "new" and result.version == 1
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.md5 == hashlib.md5(content).hexdigest()
    assert result.size == len(content) and result.sources == ("ENCFF001AAA", "ENCSR000AKS")
    assert datetime.fromisoformat(result.recorded_at).utcoffset().total_seconds() == 0
    row = conn.execute("SELECT * FROM provenance_activities").fetchone()
    assert (row["tool"], row["tool_version"], row["parameters"], row["description"]) == (
        "macs2", "2.2.9", '{"q": 0.01}', "rep1")


def test_relogging_the_same_content_is_idempotent(conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "a\n")
    first = log_derived(conn, peaks, ["ENCFF001AAA"], tool="macs2", parameters={"q": 1})
    os.utime(peaks, ns=(1, 1))  # touched, same content
    again = log_derived(conn, peaks, ["ENCFF001AAA"], tool="macs2", parameters={"q": 1})
    assert again.status == "unchanged" and again.recorded_at == first.recorded_at
    assert len(versions(conn, peaks)) == 1
    for table in ("derived_files", "provenance_activities", "version_sources"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 1, table


def test_changed_content_is_a_new_version_and_old_versions_are_kept(conn, tmp_path: Path
                                                                    ) -> None:
    peaks = write(tmp_path / "peaks.bed", "one\n")
    log_derived(conn, peaks, ["ENCFF001AAA"], tool="macs2")
    peaks.write_text("two\n")
    second = log_derived(conn, peaks, ["ENCFF001AAA", "ENCFF002BBB"], tool="macs2")
    assert (second.status, second.version) == ("new version", 2)
    rows = versions(conn, peaks)
    assert [r["version"] for r in rows] == [1, 2]
    assert rows[0]["sha256"] != rows[1]["sha256"]
    found = lineage(conn, str(peaks))
    assert [found.graph.node(k).version for k in found.roots] == [1, 2]
    assert found.graph.revisions() == [(found.roots[1], found.roots[0])]  # v2 revises v1
    summary = conn.execute("SELECT source_accessions FROM derived_files").fetchone()[0]
    assert summary == '["ENCFF001AAA", "ENCFF002BBB"]'  # the current version's
    peaks.write_text("one\n")  # back to the first content: still a new version
    assert log_derived(conn, peaks, ["ENCFF001AAA"]).version == 3


def test_same_content_with_other_sources_amends_the_record(conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "a\n")
    log_derived(conn, peaks, ["ENCFF001AAA"], tool="macs2")
    fixed = log_derived(conn, peaks, ["ENCFF002BBB"], tool="macs2", tool_version="2.2.9")
    assert (fixed.status, fixed.version) == ("amended", 1)
    assert conn.execute("SELECT accession FROM version_sources").fetchall()[0][0] == "ENCFF002BBB"
    (activity,) = conn.execute("SELECT tool_version FROM provenance_activities").fetchall()
    assert activity[0] == "2.2.9"  # the replaced activity is gone, not orphaned


def test_paths_are_stored_absolute_and_resolved(conn, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real = write(tmp_path / "data" / "peaks.bed", "a\n")
    (tmp_path / "link").symlink_to(tmp_path / "data")
    monkeypatch.chdir(tmp_path / "data")
    assert log_derived(conn, "peaks.bed", ["ENCFF001AAA"]).path == str(real.resolve())
    again = log_derived(conn, tmp_path / "link" / "peaks.bed", ["ENCFF001AAA"])
    assert again.status == "unchanged" and again.path == str(real.resolve())
    child = write(tmp_path / "child.bed", "b\n")
    result = log_derived(conn, child, ["../data/peaks.bed"])  # relative to the cwd
    assert result.sources == (f"{real.resolve()} (v1)",)


def test_a_source_changed_since_it_was_logged_is_refused(conn, tmp_path: Path) -> None:
    source = write(tmp_path / "filtered.bed", "a\n")
    log_derived(conn, source, ["ENCFF001AAA"])
    source.write_text("edited, not logged\n")
    merged = write(tmp_path / "merged.bed", "m\n")
    with pytest.raises(InputError, match="changed since it was logged") as err:
        log_derived(conn, merged, [str(source)])
    assert f"log-derived {source.resolve()}" in err.value.fix
    log_derived(conn, source, ["ENCFF001AAA"])  # logged again: v2
    assert log_derived(conn, merged, [str(source)]).sources == (f"{source.resolve()} (v2)",)


def test_a_source_back_to_an_older_content_links_that_version(conn, tmp_path: Path) -> None:
    source = write(tmp_path / "filtered.bed", "a\n")
    log_derived(conn, source, ["ENCFF001AAA"])
    source.write_text("b\n")
    log_derived(conn, source, ["ENCFF001AAA"])
    source.write_text("a\n")  # reverted, not logged again
    child = write(tmp_path / "child.bed", "c\n")
    assert resolve_sources(conn, [str(source)])[0].label == f"{source.resolve()} (v1)"
    assert log_derived(conn, child, [str(source)]).sources == (f"{source.resolve()} (v1)",)


@pytest.mark.parametrize(("args", "message"), [
    (("missing.bed", "--sources", "ENCFF001AAA"), "missing.bed: path: does not exist"),
    (("peaks.bed", "--sources", "ENCFF001AAA", "--parameters", "{q: 1}"),
     "--parameters: {q: 1}: is not valid JSON"),
    (("peaks.bed", "--sources", "ENCFF001AAAB"),
     "ENCFF001AAAB: sources: is neither an ENCODE accession nor a logged file"),
    (("peaks.bed", "--sources", "other.bed"),
     "other.bed: sources: is neither an ENCODE accession nor a logged file"),
    (("peaks.bed", "--sources", "peaks.bed"), "peaks.bed: sources: is the file being logged"),
    ((".", "--sources", "ENCFF001AAA"), ".: path: is not a regular file"),
])
def test_bad_input_is_one_clear_error(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      args: tuple[str, ...], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "peaks.bed", "a\n")
    write(tmp_path / "other.bed", "never logged\n")
    result = run_cli("log-derived", *args)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"error: {message}") and "(fix: " in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_parameters_must_be_json_values(conn, tmp_path: Path) -> None:
    peaks = write(tmp_path / "peaks.bed", "a\n")
    with pytest.raises(InputError, match="cannot be written as JSON"):
        log_derived(conn, peaks, ["ENCFF001AAA"], parameters={"where": object()})
    assert conn.execute("SELECT COUNT(*) FROM derived_files").fetchone()[0] == 0
