"""Shared test helpers. Tests that read ../shared skip cleanly when it is absent."""

from __future__ import annotations

import json
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
