"""The one SQLite database of a machine (tracker, provenance, run records): where it lives,
how connections are set up, and how its schema (:mod:`encode_accession.database.schema`) is
migrated.

Why it is set up this way:
- Parallel Snakemake jobs write one file, so every connection has WAL (readers never block
  the writer), a 30 s busy timeout, and writes are short `BEGIN IMMEDIATE` transactions
  (the write lock is taken up front, so two writers never deadlock upgrading read locks).
- The schema version is `PRAGMA user_version`; `MIGRATIONS` lists every change in order.
  A later feature adds a table or a column by appending one `Migration`; a database made
  by an older release is upgraded on first open, under the write lock, exactly once.
- WAL needs shared memory, so the database must be on a local disk, not NFS; point
  `ENCODE_TRACKER_DB` at a local path on clusters.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from encode_accession.core.errors import InputError
from encode_accession.database.schema import MIGRATIONS, Migration

ENV_VAR = "ENCODE_TRACKER_DB"
BUSY_TIMEOUT_S = 30


def now() -> str:
    """The time stamp every tracker record is written with (UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_db_path() -> Path:
    """`$ENCODE_TRACKER_DB`, else `~/.encode_connector/tracker.db` (Path.home() is
    %USERPROFILE% on Windows)."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else \
        Path.home() / ".encode_connector" / "tracker.db"


def connect(path: str | Path | None = None, *,
            migrations: Sequence[Migration] = MIGRATIONS) -> sqlite3.Connection:
    """Open (creating folder and file on first use) and migrate the tracker database.

    The connection is in autocommit mode: reads need no transaction, writes go through
    `write()`.
    """
    db_path = Path(path).expanduser() if path else default_db_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA foreign_keys = ON")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn, migrations, str(db_path))
    except BaseException:
        conn.close()
        raise
    return conn


def connect_existing(path: str | Path | None = None) -> sqlite3.Connection:
    """Open the database read-only, for commands that only read: one that does not exist is
    one message naming it (nothing is created), and one written by an older release is not
    upgraded behind the user's back (a command that writes upgrades it)."""
    db_path = Path(path).expanduser() if path else default_db_path()
    if not db_path.is_file():
        raise InputError(db_path, "", "no database here (nothing has been tracked, logged or "
                         "accessioned into it)", "give the right --db (the demo records into "
                         "demo/tracker.db), or track or accession something first")
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True,
                           timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.row_factory = sqlite3.Row
    current, latest = schema_version(conn), MIGRATIONS[-1].version
    if current != latest:
        conn.close()
        raise InputError(db_path, "schema version", f"the database has schema v{current}; "
                         f"this encode-accession reads v{latest}",
                         "run a command that writes (track, log-derived, an accessioning run) "
                         "once to upgrade it" if current < latest else
                         "upgrade encode-accession")
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (a no-op once the file is WAL). The switch needs an exclusive lock and
    SQLite answers "database is locked" at once instead of calling the busy handler, so
    processes opening a new database together retry here, up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration], source: str) -> None:
    """Bring the schema up to the last migration. The version is re-read under the write
    lock, so when several processes open a new database at once only one migrates."""
    latest = migrations[-1].version if migrations else 0
    if schema_version(conn) == latest:
        return
    with write(conn):
        current = schema_version(conn)
        if current > latest:
            raise InputError(source, "schema version",
                             f"the database has schema v{current}, newer than this "
                             f"encode-accession knows (v{latest})",
                             "upgrade encode-accession, or use another --db")
        for migration in migrations:
            if migration.version > current:
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One short write transaction (`BEGIN IMMEDIATE`); nested use joins the outer one, so
    a caller can batch many saves into one commit."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
