"""Shared by the pipeline tests: the reference tool's steps JSONs, when they are unpacked."""

from __future__ import annotations

import os
from pathlib import Path

from encode_accession.steps import RULES_DIR

# `tests/fetch_reference_steps.sh` unpacks them; ACCESSION_STEPS_DIR points elsewhere
REFERENCE_DIR = Path(os.environ.get("ACCESSION_STEPS_DIR") or "/tmp/acc/accession_steps")
REFERENCE_FILES = sorted(REFERENCE_DIR.glob("*_steps.json"))
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))


def reference_for(rules: Path) -> Path:
    """The reference steps JSON a rules YAML mirrors (it may not exist)."""
    return REFERENCE_DIR / f"{rules.stem}_steps.json"
