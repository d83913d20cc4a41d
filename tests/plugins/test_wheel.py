"""Snakemake finds the ENCODE storage plugin in an installed wheel: the wheel is built from
this clone, installed with its dependencies into a fresh virtual environment outside it, and
that environment's `snakemake` (run elsewhere, with no PYTHONPATH) offers the plugin's
settings. Skips where pip cannot install the dependencies (no registry, no local index)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, time_limit


def run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=time_limit(timeout))


def test_snakemake_finds_the_storage_plugin_in_the_installed_wheel(tmp_path):
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                tmp_path / "dist", REPO, cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("encode_accession-*.whl")
    made = run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    bin_dir = tmp_path / "venv" / "bin"
    # no bytecode compiled: the test runs two commands, and compiling the libraries is
    # half of the install time
    installed = run(bin_dir / "pip", "install", "-q", "--no-compile", wheel, cwd=tmp_path,
                    timeout=240)
    if installed.returncode != 0:
        pytest.skip(f"pip cannot install the wheel's dependencies here: "
                    f"{installed.stderr.strip().splitlines()[-1:]}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = run(bin_dir / "snakemake", "--help", cwd=elsewhere)
    assert found.returncode == 0, found.stderr[-2000:]
    assert "--storage-encode-server" in found.stdout and "--storage-encode-cache" in found.stdout
    where = run(bin_dir / "python", "-c", "import snakemake_storage_plugin_encode as p; "
                "print(p.__file__)", cwd=elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where.stdout
