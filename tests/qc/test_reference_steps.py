"""Every QC and callback name the reference tool's steps files use has a builder/callback.

Reads the reference ``accession_steps/*.json`` (tests/conftest.py ``reference_steps_dir``) and
the bundled accession_rules/*.yaml; the reference checks skip when its files are absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import reference_steps_dir

from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.qc import BUILDERS, CALLBACKS

REPO = Path(__file__).resolve().parents[2]
STEPS_DIR = reference_steps_dir()


def names_used(steps: dict, field: str) -> set[str]:
    return {name for s in steps["accession.steps"] for f in s["wdl_files"]
            for name in f.get(field) or ()}


def reference_steps() -> dict[str, dict]:
    files = sorted(STEPS_DIR.glob("*_steps.json"))
    if not files:
        pytest.skip(f"no reference steps files in {STEPS_DIR} (set ACCESSION_STEPS_DIR)")
    return {p.stem: json.loads(p.read_text()) for p in files}


def missing(steps_files: dict[str, dict], field: str, registry: dict) -> dict[str, set[str]]:
    gaps = {stem: names_used(steps, field) - set(registry) for stem, steps in steps_files.items()}
    return {stem: names for stem, names in gaps.items() if names}


def test_every_reference_qc_name_has_a_builder():
    steps = reference_steps()
    assert len(steps) == 32
    assert sum(len(names_used(s, "quality_metrics")) > 0 for s in steps.values()) == 29
    assert missing(steps, "quality_metrics", BUILDERS) == {}


def test_every_reference_callback_name_is_registered():
    steps = reference_steps()
    assert missing(steps, "callbacks", CALLBACKS) == {}


def test_every_bundled_rules_file_names_only_registered_qc_and_callbacks():
    rules = {p.stem: yaml.safe_load(p.read_text())
             for p in sorted(ACCESSION_RULES.glob("*.yaml"))}
    assert rules
    assert missing(rules, "quality_metrics", BUILDERS) == {}
    assert missing(rules, "callbacks", CALLBACKS) == {}
