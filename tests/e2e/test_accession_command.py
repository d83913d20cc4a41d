"""`encode-accession accession` with the reference tool's flags: the real command (a
subprocess of `python -m encode_accession`) runs the workflow through Snakemake's API and
accessions the demo run into a local portal served over HTTP; `info` then finds the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import time_limit
from services import serve_portal

from encode_accession.demo.run import WORKFLOW_ID, write_demo_run
from encode_accession.localportal import LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal.client import PortalClient

COMMAND = [sys.executable, "-m", "encode_accession"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DCC_API_KEY": DEMO_KEY_ID, "DCC_SECRET_KEY": DEMO_SECRET}
    return subprocess.run([*COMMAND, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=time_limit(1800))


def test_the_reference_flags_accession_the_demo_run_into_a_served_portal(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    with serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite"))) as (url, _):
        # the reference's early long spellings; lab and award as @ids
        flags = ["--accession-metadata", str(metadata), "--pipeline-type", "atac",
                 "--server", url, "--lab", "/labs/encode-awg/", "--award", "/awards/DEMO-AWARD/",
                 "-j", "2"]
        dry = run("accession", *flags, "--dry-run", cwd=tmp_path)
        assert dry.returncode == 0, dry.stderr[-4000:]
        results = tmp_path / "results" / WORKFLOW_ID  # one results folder per workflow id
        assert (results / "preflight.json").exists() and not (results / "files").exists()
        # planned by the command before Snakemake starts: Snakemake runs no plan job
        assert "checkpoint plan:" not in dry.stderr and (results / "plan.json").exists()

        done = run("accession", *flags, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-4000:]
        # the same plan is not rewritten, so the dry run's checksums and preflight hold
        assert "rule preflight:" not in done.stderr and "rule step:" in done.stderr
        receipts = [json.loads(p.read_text()) for p in (results / "files").rglob("*.json")]
        assert len(receipts) == 30
        portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET)
        posted = portal.get(receipts[0]["@id"], database=True)
        assert posted["lab"] == "/labs/encode-awg/" and posted["award"] == "/awards/DEMO-AWARD/"
        assert all(a.startswith("encode-awg:") for a in posted["aliases"])

    info = run("info", "-i", WORKFLOW_ID, cwd=tmp_path)  # the record the command wrote
    assert info.returncode == 0, info.stderr
    assert WORKFLOW_ID in info.stdout and receipts[0]["@id"] in info.stdout
