"""Database location, connection settings, schema version and migrations."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import synthetic_collection as synthetic

from encode_accession.core.errors import InputError
from encode_accession.database import sqlite as db
from encode_accession.provenance.record import note_derived_file
from encode_accession.tracker import extract, store


def test_default_path_is_in_the_home_folder_unless_the_env_var_says_otherwise(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(db.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert db.default_db_path() == tmp_path / ".encode_connector" / "tracker.db"
    monkeypatch.setenv(db.ENV_VAR, str(tmp_path / "elsewhere" / "t.db"))
    assert db.default_db_path() == tmp_path / "elsewhere" / "t.db"
    conn = db.connect()
    conn.close()
    assert (tmp_path / "elsewhere" / "t.db").exists()


def test_connection_is_wal_with_foreign_keys_and_a_busy_timeout(db_path: Path) -> None:
    conn = db.connect(db_path)
    try:
        assert db_path.parent.is_dir()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
        assert db.schema_version(conn) == db.MIGRATIONS[-1].version
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"tracked_experiments", "publications", "pipeline_info", "quality_metrics",
                "derived_files", "external_references", "experiment_terms"} <= tables
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                              "WHERE type='index'")}
        assert "ix_experiments_assay_title" in indexes
    finally:
        conn.close()


def test_migrations_are_numbered_one_up() -> None:
    versions = [m.version for m in db.MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))


def test_a_later_migration_extends_an_existing_database_once(db_path: Path) -> None:
    conn = db.connect(db_path)
    note_derived_file(conn, "/data/peaks.bed", ["ENCSR000AAA"], tool="macs2")
    conn.close()
    provenance = db.Migration(len(db.MIGRATIONS) + 1, "derived file checksums", (
        "ALTER TABLE derived_files ADD COLUMN sha256 TEXT",
        "ALTER TABLE derived_files ADD COLUMN size INTEGER",
    ))
    migrations = (*db.MIGRATIONS, provenance)
    for _ in range(2):  # a second open must not re-apply it
        conn = db.connect(db_path, migrations=migrations)
        assert db.schema_version(conn) == provenance.version
        row = conn.execute("SELECT file_path, tool, sha256 FROM derived_files").fetchone()
        assert tuple(row) == ("/data/peaks.bed", "macs2", None)
        conn.close()


def test_a_failing_migration_leaves_the_database_as_it_was(db_path: Path) -> None:
    db.connect(db_path).close()
    broken = db.Migration(len(db.MIGRATIONS) + 1, "broken", (
        "ALTER TABLE derived_files ADD COLUMN sha256 TEXT", "THIS IS NOT SQL"))
    with pytest.raises(Exception, match="syntax error"):
        db.connect(db_path, migrations=(*db.MIGRATIONS, broken))
    conn = db.connect(db_path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(derived_files)")}
    assert "sha256" not in columns and db.schema_version(conn) == db.MIGRATIONS[-1].version
    conn.close()


def test_a_database_from_a_newer_release_is_refused(db_path: Path) -> None:
    conn = db.connect(db_path)
    conn.execute(f"PRAGMA user_version = {db.MIGRATIONS[-1].version + 5}")
    conn.close()
    with pytest.raises(InputError, match="newer than this encode-accession knows"):
        db.connect(db_path)


def test_nested_writes_join_one_transaction(conn) -> None:
    with pytest.raises(RuntimeError), db.write(conn):
        note_derived_file(conn, "/a", ["ENCSR000AAA"])
        raise RuntimeError("roll it all back")
    assert conn.execute("SELECT COUNT(*) FROM derived_files").fetchone()[0] == 0


def _writer(path: str, records: list, barrier) -> None:
    barrier.wait()  # all processes open the new database at the same moment
    conn = db.connect(path)
    try:
        for record in records:
            store.save_tracked(conn, record, notes="parallel")
    finally:
        conn.close()


def test_processes_creating_and_writing_one_database_at_once(tmp_path: Path) -> None:
    """Eight processes, a database that does not exist yet, overlapping experiments: no
    "database is locked", every experiment exactly once."""
    ctx = multiprocessing.get_context("fork")
    objects = synthetic.sample_experiments(80, seed=9)
    records = [extract.tracked_experiment(o, portal_url="https://x") for o in objects]
    barrier = ctx.Barrier(8)
    path = str(tmp_path / "new" / "tracker.db")
    workers = [ctx.Process(target=_writer, args=(path, records[k * 10:k * 10 + 20], barrier))
               for k in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * 8
    conn = db.connect(path)
    assert store.count_experiments(conn) == 80
    assert conn.execute("SELECT COUNT(*) FROM pipeline_info").fetchone()[0] == 80
    conn.close()
