"""The demo on a real single-node SLURM cluster (scripts/start_slurm.sh, started here when
this machine allows it) with the `profiles/slurm` profile: the non-local work runs as SLURM
jobs, every portal and database rule on the submit host. Skips only where SLURM cannot be
started (`sinfo` does not answer)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import time_limit

from .conftest import REPO, snakemake
from .test_accession_demo import demo_config

PROFILE = REPO / "profiles" / "slurm"
PORTAL_RULES = {"plan", "preflight", "step", "summary"}
COMMENT = re.compile(r"\bComment=rule_(?P<rule>\S+?)(?:_wildcards_\S*)?(?:\s|$)")


def slurm_rules(workdir: Path) -> list[tuple[str, str]]:
    """(rule, state) of every SLURM job submitted from ``workdir``, from slurmctld's own record
    (the plugin labels each job with its rule in the job's comment; slurm.conf keeps
    finished jobs for MinJobAge seconds)."""
    out = subprocess.run(["scontrol", "-o", "show", "job"], capture_output=True, text=True,
                         check=True).stdout
    jobs = []
    for line in out.splitlines():
        comment = COMMENT.search(line)
        if f"WorkDir={workdir} " in line + " " and comment:
            jobs.append((comment["rule"], re.search(r"JobState=(\S+)", line)[1]))
    return jobs


@pytest.fixture(scope="session")
def slurm() -> None:
    subprocess.run(["bash", str(REPO / "scripts" / "start_slurm.sh")], capture_output=True,
                   timeout=time_limit(600))
    try:
        subprocess.run(["sinfo", "-h"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("SLURM cannot be started on this machine (sinfo does not answer)")


def test_demo_runs_its_heavy_jobs_on_slurm_and_portal_jobs_locally(slurm, tmp_path):
    heavy = {"checksums"}  # reads the files' bytes: the one rule that is not local
    config = demo_config(tmp_path)
    done = snakemake(tmp_path, config, "--profile", str(PROFILE), timeout=2400)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert (tmp_path / "results" / "summary.json").exists()
    jobs = slurm_rules(tmp_path)
    assert {rule for rule, _ in jobs} == heavy, jobs
    assert {state for _, state in jobs} == {"COMPLETED"}
    assert not PORTAL_RULES & {rule for rule, _ in jobs}
    assert (tmp_path / "results" / "preflight.json").exists()
