"""Processes logging into one database at once (as parallel Snakemake jobs do): no lock
errors, one version per content, one row per path."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from encode_accession.provenance import log_derived
from encode_accession.tracker import connect

from .conftest import write

WORKERS, SHARED, OWN = 4, 8, 8


def _worker(db: str, folder: str, worker: int, barrier) -> list[str]:
    barrier.wait()  # all open the new database together
    conn = connect(db)
    try:
        statuses = []
        for i in range(SHARED):
            statuses.append(log_derived(conn, f"{folder}/shared{i}.bed", ["ENCFF001AAA"],
                                        tool="t").status)
        for i in range(OWN):
            log_derived(conn, f"{folder}/own{worker}-{i}.bed",
                        [f"{folder}/shared{i}.bed", "ENCSR000AKS"])
        return statuses
    finally:
        conn.close()


def test_parallel_writers_share_one_database(tmp_path: Path) -> None:
    for i in range(SHARED):
        write(tmp_path / f"shared{i}.bed", f"{i}\n")
    for w in range(WORKERS):
        for i in range(OWN):
            write(tmp_path / f"own{w}-{i}.bed", f"{w} {i}\n")
    db = str(tmp_path / "tracker.db")
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(_worker, [(db, str(tmp_path), w, barrier)
                                             for w in range(WORKERS)])
    statuses = [s for r in results for s in r]
    assert statuses.count("new") == SHARED and statuses.count("unchanged") == SHARED * 3
    conn = connect(db)
    try:
        count = conn.execute("SELECT COUNT(*) FROM file_versions").fetchone()[0]
        assert count == SHARED + WORKERS * OWN
        assert conn.execute("SELECT COUNT(*) FROM derived_files").fetchone()[0] == count
        assert conn.execute("SELECT COUNT(*) FROM version_sources WHERE source_version_id "
                            "IS NOT NULL").fetchone()[0] == WORKERS * OWN
    finally:
        conn.close()
