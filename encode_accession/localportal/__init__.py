"""The local portal: a SQLite-backed double of the ENCODE Portal's REST API."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from encode_accession.localportal.app import PortalApp
from encode_accession.localportal.faults import FaultConfig, Faults
from encode_accession.localportal.loader import load_file, load_objects
from encode_accession.localportal.portal import LocalPortal
from encode_accession.localportal.uploads import UploadConfig

__all__ = [
    "FaultConfig", "Faults", "LocalPortal", "PortalApp", "UploadConfig", "load_file",
    "load_objects", "shared_app",
]


@cache
def _shared(path: Path) -> PortalApp:
    return PortalApp(LocalPortal(path))


def shared_app(db_path: str | Path) -> PortalApp:
    """One in-process app per database file, so every `local:` client in a process sees the
    same portal (and the same fault settings)."""
    return _shared(Path(db_path).resolve())
