"""Does the tracker stay fast with 100,000 experiments? List, exact filters, summaries and
CSV export, each next to a baseline measured in the same run on the same database:

- list / export vs. plain sqlite3 iterating the same columns (what any wrapper costs),
- exact filters vs. the LIKE-on-JSON scan a naive tracker would run (which is also wrong:
  it matches "heart" inside "heart left ventricle"), each twice: as `list` and the MCP tool
  run it (a page of LIST_LIMIT rows and the total that match: the issue's < 100 ms) and as
  export reads it (every match as a dict),
- everything vs. `SELECT COUNT(*)`;
- then the MCP tools an assistant calls on the same database: the time of each call and the
  size of its reply (bounded: under 64 KB whatever the collection's size).

Rows are synthetic (tests/synthetic_collection.py: 500 realistic experiments cloned
under new accessions) and are inserted through the package's own store, 1,000 per
transaction. raw_metadata is each experiment's full embedded JSON unless --raw subset.

    .venv/bin/python benchmarks/tracker_scale.py [--count 100000] [--raw full|subset]
        [--db PATH --reuse] [--repeat 3] [--no-mcp]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the synthetic collection
import synthetic_collection as synthetic  # noqa: E402

from encode_accession.cli.tracker import LIST_LIMIT  # noqa: E402
from encode_accession.database import sqlite as db
from encode_accession.tracker import export_tracked, store

TEMPLATES = 500
BATCH = 1000


def populate(conn: sqlite3.Connection, count: int, raw: str) -> float:
    """Insert `count` experiments; returns seconds."""
    start = time.perf_counter()
    synthetic.clone_collection(conn, count, templates=TEMPLATES, raw=raw, batch=BATCH)
    return time.perf_counter() - start


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--raw", choices=("full", "subset"), default="full")
    parser.add_argument("--db", type=Path, help="database file (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing --db as is")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-mcp", action="store_true", help="skip the MCP reply sizes")
    args = parser.parse_args(argv)

    folder = None if args.db else tempfile.TemporaryDirectory()
    path = args.db or Path(folder.name) / "tracker.db"
    if path.exists() and not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = db.connect(path)
    if not args.reuse or store.count_experiments(conn) == 0:
        seconds = populate(conn, args.count, args.raw)
        print(f"inserted {args.count:,} experiments through store.save_tracked in {seconds:.1f} s "
              f"({args.count / seconds:,.0f}/s)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    size = os.path.getsize(path)
    total = store.count_experiments(conn)
    print(f"database: {size / 2**20:,.0f} MiB, {total:,} experiments, raw_metadata={args.raw}, "
          f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}\n")

    columns = ", ".join(store.COLUMNS)
    plain = sqlite3.connect(path)
    results: list[tuple[str, float, int, str, float]] = []

    def measure(name: str, fn: Callable[[], int], baseline_name: str,
                baseline: Callable[[], int]) -> None:
        base_time, base_rows = best(baseline, args.repeat)
        run_time, rows = best(fn, args.repeat)
        results.append((name, run_time, rows, f"{baseline_name} ({base_rows:,} rows)",
                        base_time))

    measure("count all", lambda: store.count_experiments(conn), "SELECT COUNT(*)",
            lambda: plain.execute("SELECT COUNT(*) FROM tracked_experiments").fetchone()[0])
    measure("list all (dicts, lists decoded)",
            lambda: sum(1 for _ in store.iter_experiments(conn)),
            "sqlite3 tuples, same columns",
            lambda: sum(1 for _ in plain.execute(
                f"SELECT {columns} FROM tracked_experiments ORDER BY accession")))
    for label, filters, like in (
        ("filter organ=pancreas (exact)", {"organ": ["pancreas"]},
         "organ LIKE '%pancreas%'"),
        ("filter organ=heart (exact)", {"organ": ["heart"]}, "organ LIKE '%heart%'"),
        ("filter biosample=heart (exact)", {"biosample": ["heart"]},
         "biosample LIKE '%heart%'"),
        ("filter assay=Histone ChIP-seq", {"assay": ["Histone ChIP-seq"]},
         "assay_title LIKE '%Histone ChIP-seq%'"),
        ("filter biosample=liver", {"biosample": ["liver"]}, "biosample LIKE '%liver%'"),
        ("filter target=POLR2A", {"target": ["POLR2A"]}, "target LIKE '%POLR2A%'"),
        ("filter status=released", {"status": ["released"]}, "status LIKE '%released%'"),
        ("filter status=archived", {"status": ["archived"]}, "status LIKE '%archived%'"),
        ("filter lab=Joseph Ecker, Salk", {"lab": ["Joseph Ecker, Salk"]},
         "lab_title LIKE '%Joseph Ecker, Salk%'"),
        ("filter organ+assay+organism", {"organ": ["pancreas"], "assay": ["Histone ChIP-seq"],
                                         "organism": ["Homo sapiens"]},
         "organ LIKE '%pancreas%' AND assay_title LIKE '%Histone ChIP-seq%' "
         "AND organism LIKE '%Homo sapiens%'"),
    ):
        # What `list` and the MCP tool do: a page of rows and the total that match.
        measure(f"{label}: page", lambda f=filters: store.list_experiments(
                    conn, f, limit=LIST_LIMIT).total,
                f"LIKE, {LIST_LIMIT} rows + COUNT", lambda w=like: (plain.execute(
                    f"SELECT {columns} FROM tracked_experiments WHERE {w} "
                    f"ORDER BY accession LIMIT {LIST_LIMIT}").fetchall(), plain.execute(
                    f"SELECT COUNT(*) FROM tracked_experiments WHERE {w}").fetchone()[0])[1])
        # What export reads: every match, as dicts.
        measure(f"{label}: all rows", lambda f=filters: sum(
                    1 for _ in store.iter_experiments(conn, f)),
                "LIKE scan", lambda w=like: sum(1 for _ in plain.execute(
                    f"SELECT {columns} FROM tracked_experiments WHERE {w} "
                    "ORDER BY accession")))
    def group_by_hand() -> int:
        """The same counts without experiment_terms: GROUP BY, json_each for lists."""
        for name in store.SUMMARY_FIELDS:
            field = store.FIELDS[name]
            source = (f"tracked_experiments, json_each(tracked_experiments.{field.column})"
                      if field.multi else "tracked_experiments")
            value = "json_each.value" if field.multi else field.column
            plain.execute(f"SELECT {value}, COUNT(*) FROM {source} GROUP BY 1").fetchall()
        return total

    measure(f"summarize ({len(store.SUMMARY_FIELDS)} fields, totals)",
            lambda: store.summarize(conn)["total"],
            "GROUP BY + json_each", group_by_hand)

    def export_csv() -> int:
        with open(os.devnull, "w", newline="", encoding="utf-8") as out:
            return export_tracked(conn, out, "csv")

    def baseline_csv() -> int:
        with open(os.devnull, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(store.COLUMNS)
            rows = plain.execute(f"SELECT {columns} FROM tracked_experiments ORDER BY accession")
            writer.writerows(rows)
        return total

    measure("export CSV (to /dev/null)", export_csv, "csv.writer over sqlite3 tuples",
            baseline_csv)
    buffer = io.StringIO(newline="")
    export_tracked(conn, buffer, "csv")
    print(f"CSV size: {len(buffer.getvalue().encode()) / 2**20:,.1f} MiB\n")

    width = max(len(r[0]) for r in results)
    print(f"{'operation':<{width}}  {'time':>9}  {'rows':>8}  {'baseline':>9}  ratio  baseline is")
    for name, seconds, rows, base_name, base_seconds in results:
        ratio = seconds / base_seconds if base_seconds else float("inf")
        print(f"{name:<{width}}  {seconds * 1000:>7.1f}ms  {rows:>8,}  "
              f"{base_seconds * 1000:>7.1f}ms  {ratio:>5.1f}  {base_name}")
    plain.close()
    conn.close()
    if not args.no_mcp:
        print()
        mcp_replies(path, args.repeat)
    if folder:
        folder.cleanup()
    return 0


# What an assistant asks of the MCP server at this size, and what each reply weighs.
MCP_CALLS = (
    ("encode_list_tracked (default page)", "encode_list_tracked", {}),
    ("encode_list_tracked limit=10**9", "encode_list_tracked", {"limit": 10**9}),
    ("encode_list_tracked organ=pancreas", "encode_list_tracked",
     {"organ": "pancreas", "match": "exact"}),
    ("encode_summarize_collection", "encode_summarize_collection", {}),
    ("encode_get_references (page)", "encode_get_references", {}),
    ("encode_export_data csv (link)", "encode_export_data", {"format": "csv"}),
    ("encode_export_data csv -> file", "encode_export_data", {"format": "csv",
                                                              "output_path": "{tmp}"}),
    ("encode_get_citations bibtex (link)", "encode_get_citations", {"export_format": "bibtex"}),
)


def mcp_replies(db_path: Path, repeat: int) -> None:
    """Each MCP_CALLS tool called through the SDK's in-process client on this database (no
    transport: what the server itself costs), best of `repeat`, with its reply's size on the
    wire (JSON, text and structured content together; the issue's bound is 64 KB)."""
    import asyncio

    from mcp.client.client import Client

    from encode_accession.cli.mcp.server import build_server

    app = build_server("http://127.0.0.1:9", db_path)  # no portal: these tools never ask one
    rows: list[tuple[str, float, int, bool, str]] = []

    async def run() -> None:
        async with Client(app) as client:
            with tempfile.TemporaryDirectory() as out:
                for label, name, arguments in MCP_CALLS:
                    times, result = [], None
                    for attempt in range(repeat):
                        args = {k: (v.format(tmp=f"{out}/{attempt}.csv")
                                    if isinstance(v, str) else v)
                                for k, v in arguments.items()}
                        start = time.perf_counter()
                        result = await client.call_tool(name, args)
                        times.append(time.perf_counter() - start)
                    assert result is not None and not result.is_error, result
                    size = len(result.model_dump_json(by_alias=True, exclude_none=True).encode())
                    body = result.structured_content or {}
                    note = ", ".join(f"{k}={body[k]:,}" for k in ("count", "total", "items",
                                                                 "bytes") if k in body)
                    rows.append((label, min(times), size, bool(body.get("truncated")), note))

    asyncio.run(run())
    width = max(len(r[0]) for r in rows)
    print(f"{'MCP tool call':<{width}}  {'time':>9}  {'reply':>9}  truncated  what")
    for label, seconds, size, cut, note in rows:
        print(f"{label:<{width}}  {seconds * 1000:>7.1f}ms  {size / 1024:>7.1f}KB  "
              f"{'yes' if cut else 'no':>9}  {note}")


if __name__ == "__main__":
    sys.exit(main())
