"""Shared by the pipeline tests: the reference tool's steps JSONs, when they are unpacked."""

from __future__ import annotations

from pathlib import Path

from conftest import reference_steps_dir

from encode_accession.data import ACCESSION_RULES as RULES_DIR

REFERENCE_DIR = reference_steps_dir()
REFERENCE_FILES = sorted(REFERENCE_DIR.glob("*_steps.json"))
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))


def reference_for(rules: Path) -> Path:
    """The reference steps JSON a rules YAML mirrors (it may not exist)."""
    return REFERENCE_DIR / f"{rules.stem}_steps.json"
