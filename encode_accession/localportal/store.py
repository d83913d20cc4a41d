"""SQLite storage for portal items, unique keys, links, side sheets and attachment blobs.

Several OS processes (Snakemake jobs) and server threads may share one database file, so
every connection uses WAL and a busy timeout, and every write is one short
`BEGIN IMMEDIATE` transaction: key checks and inserts cannot interleave between writers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    item_type TEXT NOT NULL,
    at_id TEXT NOT NULL UNIQUE,
    types TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_item_type ON items(item_type);
CREATE TABLE IF NOT EXISTS keys (
    name TEXT NOT NULL, value TEXT NOT NULL, uuid TEXT NOT NULL, PRIMARY KEY (name, value)
);
CREATE INDEX IF NOT EXISTS keys_uuid ON keys(uuid);
CREATE TABLE IF NOT EXISTS links (source TEXT NOT NULL, prop TEXT NOT NULL, target TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS links_target ON links(target, prop);
CREATE INDEX IF NOT EXISTS links_source ON links(source);
CREATE TABLE IF NOT EXISTS sheets (
    uuid TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (uuid, name)
);
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

BUSY_TIMEOUT_MS = 30_000


@dataclass
class Item:
    """A stored object: links inside `props` are kept as @id strings."""

    uuid: str
    item_type: str
    at_id: str
    types: list[str]
    props: dict[str, Any]
    rid: int = 0


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        """One connection per thread: sqlite3 connections must not cross threads."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[None]:
        """A short exclusive-writer transaction; nested use joins the outer one."""
        conn = self._conn()
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- items -------------------------------------------------------------------------

    @staticmethod
    def _item(row: tuple) -> Item:
        rid, uuid, item_type, at_id, types, props = row
        return Item(uuid, item_type, at_id, json.loads(types), json.loads(props), rid)

    def _one(self, where: str, *args: Any) -> Item | None:
        row = self._conn().execute(
            f"SELECT rid, uuid, item_type, at_id, types, props FROM items WHERE {where}", args
        ).fetchone()
        return self._item(row) if row else None

    def get(self, uuid: str) -> Item | None:
        return self._one("uuid = ?", uuid)

    def by_at_id(self, at_id: str) -> Item | None:
        return self._one("at_id = ?", at_id)

    def items_with_type(self, type_name: str) -> list[Item]:
        """Items whose @type list contains `type_name`, oldest first."""
        rows = self._conn().execute(
            "SELECT rid, uuid, item_type, at_id, types, props FROM items "
            "WHERE types GLOB ? ORDER BY rid", (_type_pattern(type_name),)
        ).fetchall()
        return [self._item(row) for row in rows]

    def items_with_status(self, type_name: str, status: str) -> list[Item]:
        """Items of `type_name` whose `status` is `status`, oldest first (filtered in SQL:
        the upload checker asks often, and most files are long past uploading)."""
        rows = self._conn().execute(
            "SELECT rid, uuid, item_type, at_id, types, props FROM items "
            "WHERE types GLOB ? AND json_extract(props, '$.status') = ? ORDER BY rid",
            (_type_pattern(type_name), status),
        ).fetchall()
        return [self._item(row) for row in rows]

    def referrers(self, target_at_id: str, prop: str) -> list[Item]:
        """Items whose `prop` links to `target_at_id` (for reverse links), oldest first."""
        rows = self._conn().execute(
            "SELECT DISTINCT i.rid, i.uuid, i.item_type, i.at_id, i.types, i.props FROM links l "
            "JOIN items i ON i.uuid = l.source WHERE l.target = ? AND l.prop = ? ORDER BY i.rid",
            (target_at_id, prop),
        ).fetchall()
        return [self._item(row) for row in rows]

    def count(self, type_name: str = "Item") -> int:
        return self._value("SELECT COUNT(*) FROM items WHERE types GLOB ?",
                           _type_pattern(type_name))

    def save(self, item: Item, keys: Iterable[tuple[str, str]]) -> None:
        """Insert or replace an item with its unique keys and outgoing links."""
        conn = self._conn()
        with self.write():
            conn.execute(
                "INSERT INTO items (uuid, item_type, at_id, types, props) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(uuid) DO UPDATE SET item_type=excluded.item_type, "
                "at_id=excluded.at_id, types=excluded.types, props=excluded.props",
                (item.uuid, item.item_type, item.at_id, json.dumps(item.types),
                 json.dumps(item.props)),
            )
            conn.execute("DELETE FROM keys WHERE uuid = ?", (item.uuid,))
            conn.executemany(
                "INSERT OR REPLACE INTO keys (name, value, uuid) VALUES (?, ?, ?)",
                [(name, value, item.uuid) for name, value in keys],
            )
            conn.execute("DELETE FROM links WHERE source = ?", (item.uuid,))
            conn.executemany(
                "INSERT INTO links (source, prop, target) VALUES (?, ?, ?)",
                [(item.uuid, prop, target) for prop, target in _links(item.props)],
            )

    def delete(self, uuid: str) -> None:
        with self.write():
            for table, column in (("items", "uuid"), ("keys", "uuid"), ("links", "source"),
                                  ("sheets", "uuid")):
                self._conn().execute(f"DELETE FROM {table} WHERE {column} = ?", (uuid,))

    # -- unique keys -------------------------------------------------------------------

    def _value(self, sql: str, *args: Any) -> Any:
        row = self._conn().execute(sql, args).fetchone()
        return row[0] if row else None

    def _put(self, sql: str, *args: Any) -> None:
        with self.write():
            self._conn().execute(sql, args)

    def key_owner(self, name: str, value: str) -> str | None:
        return self._value("SELECT uuid FROM keys WHERE name = ? AND value = ?", name, value)

    def keys_of(self, uuid: str) -> list[tuple[str, str]]:
        return self._conn().execute(
            "SELECT name, value FROM keys WHERE uuid = ? ORDER BY name, value", (uuid,)
        ).fetchall()

    # -- side data: upload credentials, attachment blobs, store metadata -----------------

    def get_sheet(self, uuid: str, name: str) -> dict[str, Any] | None:
        data = self._value("SELECT data FROM sheets WHERE uuid = ? AND name = ?", uuid, name)
        return json.loads(data) if data else None

    def put_sheet(self, uuid: str, name: str, data: dict[str, Any]) -> None:
        self._put("INSERT OR REPLACE INTO sheets (uuid, name, data) VALUES (?, ?, ?)",
                  uuid, name, json.dumps(data))

    def get_blob(self, blob_id: str) -> tuple[str, bytes] | None:
        row = self._conn().execute("SELECT mime, data FROM blobs WHERE id = ?",
                                   (blob_id,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def put_blob(self, blob_id: str, mime: str, data: bytes) -> None:
        self._put("INSERT OR REPLACE INTO blobs (id, mime, data) VALUES (?, ?, ?)",
                  blob_id, mime, data)

    def get_meta(self, key: str) -> str | None:
        return self._value("SELECT value FROM meta WHERE key = ?", key)

    def put_meta(self, key: str, value: str) -> None:
        self._put("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)


def _type_pattern(type_name: str) -> str:
    """`types` is a JSON list of names, so a quoted name matches one whole element
    (GLOB, unlike LIKE, is case-sensitive)."""
    return f'*"{type_name}"*'


def _looks_like_link(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 2 and value[0] == "/" and value[-1] == "/"


def _links(props: dict[str, Any]) -> list[tuple[str, str]]:
    """Top-level @id-shaped strings: what reverse links are computed from."""
    found = []
    for prop, value in props.items():
        for candidate in value if isinstance(value, list) else [value]:
            if _looks_like_link(candidate):
                found.append((prop, candidate))
    return found
