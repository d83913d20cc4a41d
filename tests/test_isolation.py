"""The suite never writes to the real $HOME: every default path the package and the tools it
starts would use points into the session's temporary home (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REAL_HOME

from encode_accession.database.sqlite import default_db_path


def test_default_databases_live_in_the_temporary_home(isolated_home):
    assert Path.home() == isolated_home != REAL_HOME
    assert default_db_path().is_relative_to(isolated_home)  # tracker, provenance, run records


def test_subprocesses_inherit_the_temporary_home(isolated_home):
    done = subprocess.run([sys.executable, "-c", "import pathlib; print(pathlib.Path.home())"],
                          capture_output=True, text=True, check=True)
    assert Path(done.stdout.strip()) == isolated_home
