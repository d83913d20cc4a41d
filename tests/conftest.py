"""Shared test helpers. Tests that read ../shared skip cleanly when it is absent.

Every test runs with $HOME, the XDG folders and the databases' environment variables pointing
into a temporary folder (``isolated_home``), so the suite never writes to the user's real
home; time limits go through ``time_limit`` so a busy machine can raise them all at once
with ENCODE_TEST_TIMEOUT_SCALE.
"""

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
REAL_HOME = Path.home()
TIMEOUT_SCALE_VAR = "ENCODE_TEST_TIMEOUT_SCALE"
# what the package and the tools it runs would write under $HOME, redirected per session
HOME_VARIABLES = {"HOME": "", "XDG_CACHE_HOME": ".cache", "XDG_CONFIG_HOME": ".config",
                  "XDG_DATA_HOME": ".local/share", "XDG_STATE_HOME": ".local/state",
                  "ENCODE_TRACKER_DB": ".encode_connector/tracker.db"}


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory):
    """A throwaway $HOME for the whole session, inherited by every subprocess a test starts
    (Snakemake, portal servers), so nothing lands in the real ~/.encode_* or ~/.cache."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for name, relative in HOME_VARIABLES.items():
            patch.setenv(name, str(home / relative))
        yield home


def time_limit(seconds: float) -> float:
    """A test's time limit, sized for a busy machine and scaled by $ENCODE_TEST_TIMEOUT_SCALE
    (e.g. 3 on an overloaded CI runner)."""
    return seconds * float(os.environ.get(TIMEOUT_SCALE_VAR, "1"))


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
