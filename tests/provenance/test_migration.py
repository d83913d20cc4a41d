"""A database made before provenance (schema v1) keeps its derived files: each becomes
version 1 (no checksum: never read), with its sources as join rows and its tool as an
activity."""

from __future__ import annotations

from pathlib import Path

from encode_accession.database import sqlite as db
from encode_accession.provenance import check, lineage
from encode_accession.tracker import store


def test_v1_derived_files_become_versions_with_sources(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    old = db.connect(path, migrations=db.MIGRATIONS[:1])
    old.executemany(
        "INSERT INTO derived_files (file_path, source_accessions, tool, parameters, "
        "description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [("/data/peaks.bed", '["ENCFF001AAA", "ENCSR000AKS"]', "macs2", "-q 0.01", "rep1",
          "2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00"),
         ("/data/other.bed", "[]", None, '{"k": 1}', None, "2025-01-01T00:00:00+00:00",
          "2025-01-01T00:00:00+00:00")])
    old.close()

    conn = db.connect(path)
    try:
        assert db.schema_version(conn) == db.MIGRATIONS[-1].version
        found = lineage(conn, "/data/peaks.bed")
        version = found.graph.node(found.roots[0])
        assert (version.version, version.sha256, version.recorded_at) == (
            1, None, "2025-02-01T00:00:00+00:00")
        assert [found.graph.node(k).accession for k in found.upstream] == [
            "ENCFF001AAA", "ENCSR000AKS"]
        activity = found.graph.activities[version.activity_id]
        assert (activity.tool, activity.parameters, activity.description) == (
            "macs2", "-q 0.01", "rep1")
        assert check(found.graph).states[version.key] == "not checked (no checksum recorded)"
        other = lineage(conn, "/data/other.bed")
        assert other.graph.activities[other.graph.node(other.roots[0]).activity_id
                                      ].parameters == {"k": 1}
        assert [r["file_path"] for r in store.derived_files_from(conn, "ENCSR000AKS")] == [
            "/data/peaks.bed"]
    finally:
        conn.close()
