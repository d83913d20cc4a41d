"""`encode-accession accession` / `accession` with the reference tool's flags: the real command
(a subprocess) runs the workflow through Snakemake's API and accessions the demo run into a
local portal served over HTTP; `info` then finds the run. Snakemake's own output goes to the
log file (`accession.log` by default), the terminal ends with what failed and why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, time_limit
from services import serve_cromwell, serve_portal

from encode_accession.demo.run import WORKFLOW_ID, write_demo_run
from encode_accession.localportal import LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal.client import PortalClient

COMMAND = [sys.executable, "-m", "encode_accession"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess:
    env = {**os.environ, "DCC_API_KEY": DEMO_KEY_ID, "DCC_SECRET_KEY": DEMO_SECRET, **(env or {})}
    return subprocess.run([*COMMAND, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=time_limit(1800))


def test_the_reference_flags_accession_the_demo_run_into_a_served_portal(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    with serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite"))) as (url, _):
        # the reference's early long spellings; lab and award as @ids
        flags = ["--accession-metadata", str(metadata), "--pipeline-type", "atac",
                 "--server", url, "--lab", "/labs/encode-awg/", "--award", "/awards/DEMO-AWARD/",
                 "-j", "2"]
        dry = run("accession", *flags, "--dry-run", "--log-file-path", "dry.log", cwd=tmp_path)
        assert dry.returncode == 0, dry.stderr[-4000:]
        results = tmp_path / "results" / WORKFLOW_ID  # one results folder per workflow id
        assert (results / "preflight.json").exists() and not (results / "files").exists()
        # planned by the command before Snakemake starts: Snakemake runs no plan job
        log = (tmp_path / "dry.log").read_text()
        assert "rule preflight:" in log and "checkpoint plan:" not in log
        assert (results / "plan.json").exists()
        # the dry run's report: the dataset, the inputs found, what a run would post
        assert "dataset        /experiments/TSTSR000001/" in dry.stderr
        assert "2 biological replicate(s)" in dry.stderr
        assert "inputs         10 found on the portal by md5" in dry.stderr
        assert "to post        30 of 30 planned files" in dry.stderr
        assert "rule preflight" not in dry.stderr  # Snakemake's account is in the log only

        done = run("accession", *flags, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-4000:]
        log = (tmp_path / "accession.log").read_text()  # the reference's default log file
        # the same plan is not rewritten, so the dry run's checksums and preflight hold
        assert "rule preflight:" not in log and "rule step:" in log
        assert "rule step:" not in done.stderr and "steps (100%) done" in done.stderr
        receipts = [json.loads(p.read_text()) for p in (results / "files").rglob("*.json")]
        assert len(receipts) == 30
        portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET)
        posted = portal.get(receipts[0]["@id"], database=True)
        assert posted["lab"] == "/labs/encode-awg/" and posted["award"] == "/awards/DEMO-AWARD/"
        assert all(a.startswith("encode-awg:") for a in posted["aliases"])

    info = run("info", "-i", WORKFLOW_ID, cwd=tmp_path)  # the record the command wrote
    assert info.returncode == 0, info.stderr
    assert WORKFLOW_ID in info.stdout and receipts[0]["@id"] in info.stdout


def test_no_log_file_writes_none_and_a_failure_is_the_last_line(tmp_path):
    """--no-log-file: no accession.log; a run the portal refuses (an unknown lab) ends with
    the failing job's one line, after nothing of Snakemake's error block."""
    metadata = write_demo_run(tmp_path / "run")
    with serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite"))) as (url, _):
        failed = run("accession", "-m", str(metadata), "-p", "atac", "-s", url, "--lab",
                     "no-such-lab", "--award", "DEMO-AWARD", "--no-log-file", cwd=tmp_path)
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("encode-accession preflight: config: lab: /labs/no-such-lab/ is not "
                           "on the portal"), failed.stderr[-2000:]
    assert "(fix: set `lab`" in last
    assert "WorkflowError" not in failed.stderr and "CalledProcessError" not in failed.stderr
    assert not list(tmp_path.glob("*.log"))


def test_plain_snakemake_repeats_the_failure_message_last(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    config = tmp_path / "run.yaml"
    config.write_text(f"metadata: {metadata}\npipeline: atac\nserver: local:portal.sqlite\n"
                      "lab: no-such-lab\naward: DEMO-AWARD\n")
    done = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
                           "-j", "2", "--configfile", str(config)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=time_limit(600))
    assert done.returncode == 1
    assert "WorkflowError" in done.stderr  # Snakemake's own account comes first
    assert done.stderr.strip().splitlines()[-1].startswith(
        "encode-accession preflight: config: lab: /labs/no-such-lab/ is not on the portal")


def test_a_workflow_id_finds_its_cromwell_server_in_capers_conf(tmp_path):
    """As the reference: `-m WORKFLOW_ID` with no --cromwell-server reads Caper's
    ~/.caper/default.conf (hostname, port) and says which server it used."""
    metadata = json.loads(write_demo_run(tmp_path / "run").read_text())
    home = tmp_path / "home"
    (home / ".caper").mkdir(parents=True)
    with serve_cromwell([metadata]) as (cromwell, seen), \
            serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite"))) as (url, _):
        port = cromwell.rsplit(":", 1)[1]
        (home / ".caper" / "default.conf").write_text(
            f"# caper config\nbackend=local\nhostname=127.0.0.1\nport={port}\n")
        dry = run("accession", "-m", WORKFLOW_ID, "-p", "atac", "-s", url, "--lab",
                  "encode-awg", "--award", "DEMO-AWARD", "-d", cwd=tmp_path,
                  env={"HOME": str(home)})
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert f"from the Cromwell server http://127.0.0.1:{port} (Caper's" in dry.stderr
    assert seen == [f"/api/workflows/v1/{WORKFLOW_ID}/metadata?expandSubWorkflows=true"]
    assert (tmp_path / "results" / WORKFLOW_ID / "preflight.json").exists()


def test_a_metadata_list_is_one_dag_and_a_bad_run_does_not_stop_the_others(tmp_path):
    """`-l LIST`: every run of the list planned up front and accessioned in one Snakemake
    invocation, concurrently (keep-going: a bad run does not stop the others); a table of
    outcomes and the failures end the output."""
    from .test_batch import another_demo_run

    second = "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00"
    listing = tmp_path / "runs.txt"
    listing.write_text(f"{write_demo_run(tmp_path / 'one')}\n"
                       f"{another_demo_run(tmp_path / 'two', second)}\n"
                       f"{tmp_path / 'missing' / 'metadata.json'}\n")
    with serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite"))) as (url, _):
        done = run("accession", "-l", str(listing), "-p", "atac", "-s", url, "--lab",
                   "encode-awg", "--award", "DEMO-AWARD", "-j", "4", cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]
    for workflow_id in (WORKFLOW_ID, second):
        summary = json.loads((tmp_path / "results" / workflow_id / "summary.json").read_text())
        assert summary["created"] > 30
    log = (tmp_path / "accession.log").read_text()
    assert log.count("Building DAG of jobs...") == 1  # one Snakemake run for the whole list
    assert "accessioned 2 of 3 runs" in done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"failed: {tmp_path / 'missing/metadata.json'}"
    assert "Runs:" in done.stderr and f"{second:<24} accessioned to" in done.stderr
