"""Helpers for end-to-end runs: real Snakemake in a subprocess, against a real portal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import time_limit

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
TIMEOUT = 600  # seconds; a busy machine scales it with ENCODE_TEST_TIMEOUT_SCALE


def write_config(workdir: Path, **config) -> Path:
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def snakemake(workdir: Path, config: Path, *args: str, timeout: float = TIMEOUT,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the workflow; ``timeout`` (seconds, scaled by time_limit) leaves room for a machine
    shared with other jobs."""
    return subprocess.run([*SNAKEMAKE, "-d", str(workdir), "--configfile", str(config), *args],
                          capture_output=True, text=True, timeout=time_limit(timeout), env=env)


def start_snakemake(workdir: Path, config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*SNAKEMAKE, "-d", str(workdir), "--configfile", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
