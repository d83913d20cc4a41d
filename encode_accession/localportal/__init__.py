"""The local portal: a SQLite-backed double of the ENCODE Portal's REST API and its S3."""

from __future__ import annotations

from encode_accession.localportal.app import PortalApp
from encode_accession.localportal.faults import FaultConfig, Faults
from encode_accession.localportal.loader import load_file, load_objects
from encode_accession.localportal.portal import LocalPortal
from encode_accession.localportal.uploads import UploadConfig

__all__ = [
    "FaultConfig", "Faults", "LocalPortal", "PortalApp", "UploadConfig", "load_file",
    "load_objects",
]
