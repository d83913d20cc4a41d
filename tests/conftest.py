"""Shared test helpers. Tests that read ../shared skip cleanly when it is absent."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from services import gcs_emulator, moto_s3  # noqa: F401  (session fixtures for every folder)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


def shared_fixture(relative: str) -> Path:
    """Path of a file in ../shared/fixtures, or skip the test when it is not there."""
    path = SHARED / "fixtures" / relative
    if not path.exists():
        pytest.skip(f"shared fixture not available: {relative}")
    return path


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


@functools.cache
def reference_steps_dir() -> Path:
    """The reference `accession` 4.8.4 tool's steps JSONs (read as facts, never copied into
    the project): $ACCESSION_STEPS_DIR, else a cached download of its wheel from PyPI. The
    folder is empty when neither is possible; tests that need it then skip."""
    if os.environ.get("ACCESSION_STEPS_DIR"):
        return Path(os.environ["ACCESSION_STEPS_DIR"])
    cache = Path(tempfile.gettempdir()) / "encode-accession-tests" / "accession-4.8.4"
    steps = cache / "accession_steps"
    if not any(steps.glob("*_steps.json")):
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                            "accession==4.8.4", "-d", str(cache)],
                           check=True, capture_output=True, timeout=120)
            (wheel,) = cache.glob("accession-4.8.4-*.whl")
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(cache, [n for n in archive.namelist()
                                           if n.startswith("accession_steps/")])
        except (OSError, ValueError, subprocess.SubprocessError):
            pass  # no registry here: the tests that need the files skip
    return steps
