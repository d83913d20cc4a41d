"""Shared by the pipeline tests: the reference tool's steps files, when they are at hand.

Two sets: its current steps on the main branch (../shared/fixtures/accession-steps-main, what
our rules mirror) and the 4.8.4 release's (a PyPI wheel, read with renamed output types
translated).
"""

from __future__ import annotations

from pathlib import Path

from conftest import SHARED, reference_steps_dir

from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR

REFERENCE_DIR = reference_steps_dir()  # accession 4.8.4
REFERENCE_FILES = sorted(REFERENCE_DIR.glob("*_steps.json"))
MAIN_DIR = SHARED / "fixtures" / "accession-steps-main"
MAIN_FILES = sorted(MAIN_DIR.glob("*_steps.json"))
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))


def main_for(rules: Path) -> Path:
    """The reference's current steps JSON a rules YAML mirrors (it may not exist)."""
    return MAIN_DIR / f"{rules.stem}_steps.json"
