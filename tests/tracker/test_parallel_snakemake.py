"""Eight parallel Snakemake jobs tracking 200 experiments into one database: the busy
timeout, WAL and short BEGIN IMMEDIATE transactions must keep every job from failing with
"database is locked", and every experiment must land exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import synthetic_collection as synthetic
import yaml
from conftest import time_limit

from encode_accession.tracker import connect

from .conftest import REPO, serve

COUNT = 200


def test_eight_jobs_track_two_hundred_experiments_into_one_db(tmp_path: Path) -> None:
    experiments = synthetic.sample_experiments(COUNT, seed=200)
    url, _, stop = serve(tmp_path / "portal.sqlite", [*synthetic.software_versions(),
                                                      *experiments])
    db = tmp_path / "tracker.db"
    config = {
        "results": str(tmp_path / "results"), "server": url, "tracker_db": str(db),
        "track": [{"accession": e["accession"], "notes": f"batch note {i}"}
                  for i, e in enumerate(experiments)],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "Snakefile").write_text(
        'RESULTS = config["results"]\n\n'
        f'include: "{REPO / "workflow" / "rules" / "tracking.smk"}"\n')
    try:
        done = subprocess.run(
            [sys.executable, "-m", "snakemake", "-s", str(tmp_path / "Snakefile"),
             "--configfile", str(tmp_path / "config.yaml"), "-d", str(tmp_path), "-j", "8",
             "--quiet", "all", "--", "track_all"],
            capture_output=True, text=True, timeout=time_limit(600))
    finally:
        stop()
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    assert "database is locked" not in log

    receipts = sorted((tmp_path / "results" / "tracking").glob("*.json"))
    assert len(receipts) == COUNT
    receipt = json.loads(receipts[0].read_text())
    assert receipt["created"] is True and receipt["db"] == str(db)

    conn = connect(db)
    try:
        rows = conn.execute("SELECT accession, notes FROM tracked_experiments").fetchall()
        assert len(rows) == COUNT
        assert {r["accession"] for r in rows} == {e["accession"] for e in experiments}
        notes = {r["accession"]: r["notes"] for r in rows}
        assert notes[experiments[5]["accession"]] == "batch note 5"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM pipeline_info").fetchone()[0] == COUNT
    finally:
        conn.close()
