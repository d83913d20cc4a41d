"""A run killed in the middle of an upload (Snakemake and its step job, SIGKILL) and run again:
every upload completes, no file ends in `content error`, nothing is posted twice. Against
the embedded portal (`local:`, served by each job itself) and `encode-accession portal
serve` (its own process, slowed by --latency-ms)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import time_limit

from encode_accession.accession.upload import ONE_PUT_BYTES
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.demo.run import write_demo_run
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps
from encode_accession.portal.client import PortalClient

from .conftest import SNAKEMAKE, snakemake, write_config

MIB = 1 << 20
BIG = ONE_PUT_BYTES + 8 * MIB  # each replicate's alignment: uploaded in nine 8 MiB parts


def big_run(folder: Path) -> Path:
    """The demo run with its two alignments made large (random, so distinct md5s)."""
    metadata = write_demo_run(folder)
    for call in json.loads(metadata.read_text())["calls"]["atac.align"]:
        Path(call["outputs"]["bam"]).write_bytes(os.urandom(BIG))
    return metadata


def parts_being_uploaded(uploads: Path) -> int:
    folder = uploads / ".multipart"
    if not folder.exists():
        return 0
    return sum(1 for upload in folder.iterdir() if upload.is_dir()
               for part in upload.iterdir() if part.name[0].isdigit())


def run_killed_mid_upload(workdir: Path, config: Path, uploads: Path,
                          env: dict | None = None) -> int:
    """Start the run; SIGKILL Snakemake and its jobs (one process group) once parts of an
    upload are on S3 but no upload is complete; returns the parts there at the kill."""
    proc = subprocess.Popen([*SNAKEMAKE, "-d", str(workdir), "--configfile", str(config),
                             "-j", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env)
    deadline = time.monotonic() + time_limit(300)
    parts = 0
    while proc.poll() is None and time.monotonic() < deadline:
        parts = parts_being_uploaded(uploads)
        if parts:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return parts


def check_every_file_uploaded_once(portal: PortalClient, metadata: Path) -> None:
    plan = build_plan(load_metadata(metadata), load_steps(ACCESSION_RULES / "atac.yaml"))
    prefix = f"encode-awg:{plan.workflow.id}-"
    ours = [f for f in portal.search("File", {"lab.name": "encode-awg"}, frame="object")
            if any(a.startswith(prefix) for a in f.get("aliases", []))]
    aliases = Counter(a for f in ours for a in f["aliases"])
    assert len(aliases) == len(plan.files) and set(aliases.values()) == {1}
    assert Counter(f["status"] for f in ours) == Counter({"in progress": len(plan.files)})
    big = [f for f in ours if f["file_size"] == BIG]
    assert len(big) == 2


def resume(workdir: Path, config: Path, uploads: Path, env: dict | None = None) -> None:
    assert snakemake(workdir, config, "--unlock", env=env).returncode == 0
    result = snakemake(workdir, config, "-j", "2", "--rerun-incomplete", env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert parts_being_uploaded(uploads) == 0  # the interrupted upload was completed
    incoming = uploads / ".incoming"  # and what the killed job's portal was writing is gone
    assert not incoming.exists() or list(incoming.iterdir()) == []


def test_a_run_killed_mid_upload_into_the_embedded_portal_completes_on_rerun(tmp_path):
    metadata = big_run(tmp_path / "run")
    config = write_config(tmp_path, metadata=str(metadata), pipeline="atac", lab="encode-awg",
                          award="DEMO-AWARD", server=f"local:{tmp_path / 'portal.sqlite'}",
                          results="results", verify_timeout=30,
                          tracker_db=str(tmp_path / "tracker.db"))
    uploads = tmp_path / "portal.uploads"
    assert run_killed_mid_upload(tmp_path, config, uploads) > 0, "killed before any upload"
    portal = PortalClient(f"local:{tmp_path / 'portal.sqlite'}")
    assert len(list((tmp_path / "results/uploads").glob("*.json"))) < 30
    resume(tmp_path, config, uploads)
    check_every_file_uploaded_once(portal, metadata)


@contextmanager
def served(folder: Path, latency_ms: float) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "encode_accession.cli.main", "portal", "serve", "--port", "0",
         "--db", str(folder / "portal.sqlite"), "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        match = re.search(r"serving at (\S+) ", process.stdout.readline())
        assert match, "the portal did not start"
        yield match[1]
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("latency_ms", [20])
def test_a_run_killed_mid_upload_into_portal_serve_completes_on_rerun(tmp_path, latency_ms):
    metadata = big_run(tmp_path / "run")
    with served(tmp_path, latency_ms) as url:
        config = write_config(tmp_path, metadata=str(metadata), pipeline="atac",
                              lab="encode-awg", award="DEMO-AWARD", server=url,
                              results="results", verify_timeout=30,
                              tracker_db=str(tmp_path / "tracker.db"))
        env = {**os.environ, "DCC_API_KEY": DEMO_KEY_ID, "DCC_SECRET_KEY": DEMO_SECRET}
        uploads = tmp_path / "portal.uploads"
        assert run_killed_mid_upload(tmp_path, config, uploads, env) > 0, \
            "killed before any upload"
        resume(tmp_path, config, uploads, env)
        check_every_file_uploaded_once(PortalClient(url, DEMO_KEY_ID, DEMO_SECRET), metadata)
