"""Every steps file, ours and the reference's (main and 4.8.4), validates and plans against a
synthetic run; ours equal the reference's current steps as data."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
from encode_accession.demo.synthetic import Options, synthetic_metadata
from encode_accession.metadata.cromwell import parse_metadata
from encode_accession.planning.plan import PlanOptions, build_plan
from encode_accession.planning.steps import FACT_KEYS, RENAMED_OUTPUT_TYPES, load_steps

from .conftest import MAIN_FILES, REFERENCE_FILES, RULE_FILES, main_for

# Keys whose value here is what leaving them out means; the YAML form leaves them out.
DEFAULTS: dict[str, Any] = {
    "callbacks": [], "disallow_tasks": [], "workflow_inputs_to_match": [],
    "requires_replication": False, "derived_from_inputs": False, "allow_empty": False,
    "should_search_down": False, "only_search_current_analysis": False,
    "maybe_preferred_default": False, "raw_fastqs_can_have_task": False,
}


def without_defaults(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_defaults(v) for k, v in value.items()
                if not (k in DEFAULTS and v == DEFAULTS[k])}
    if isinstance(value, list):
        return [without_defaults(v) for v in value]
    return value


def name(path: Path) -> str:
    return path.name


@pytest.mark.parametrize("rules", RULE_FILES, ids=name)
def test_rules_validate_and_equal_the_reference_main_steps_as_data(rules):
    """Our pipeline facts (FACT_KEYS) are ours; everything else is the reference's main."""
    assert load_steps(rules).steps
    reference = main_for(rules)
    if not reference.exists():
        pytest.skip(f"reference main steps not available: {reference}")
    ours = {k: v for k, v in yaml.safe_load(rules.read_text()).items() if k not in FACT_KEYS}
    assert without_defaults(ours) == without_defaults(json.loads(reference.read_text()))


def test_there_are_rules_for_every_reference_variant():
    if not MAIN_FILES:
        pytest.skip("reference main steps not available")
    assert len(MAIN_FILES) == 32
    assert {p.name.removesuffix("_steps.json") for p in MAIN_FILES} == {
        p.stem for p in RULE_FILES}


def test_no_rules_file_uses_an_output_type_renamed_since_4_8_4():
    used = {spec.output_type for path in RULE_FILES for step in load_steps(path).steps
            for spec in step.files}
    assert used & set(RENAMED_OUTPUT_TYPES) == set()


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=name)
def test_a_4_8_4_steps_file_reads_as_the_rules_with_renamed_types_translated(path, capsys):
    """A 4.8.4 JSON passed unchanged plans like ours: each renamed name becomes the current
    one (one notice line on stderr), and the pipeline facts come from the bundled rules."""
    steps = load_steps(path)
    ours = load_steps(RULES_DIR / f"{path.name.removesuffix('_steps.json')}.yaml")
    raw = json.loads(path.read_text())
    renamed = [f["output_type"] for s in raw["accession.steps"] for f in s["wdl_files"]
               if f["output_type"] in RENAMED_OUTPUT_TYPES]
    assert [old for _where, old, _new in steps.translated] == renamed
    notice = capsys.readouterr().err.strip().splitlines()
    assert len(notice) == (1 if renamed else 0)
    assert steps.facts == replace(ours.facts, source=ours.path)
    current = [(s.task, [f.output_type for f in s.files]) for s in ours.steps]
    kept = {task for task, _types in current}  # megamap's delta steps are gone on main
    assert [(s.task, [f.output_type for f in s.files]) for s in steps.steps
            if s.task in kept] == current

@pytest.mark.parametrize("path", [*RULE_FILES, *MAIN_FILES, *REFERENCE_FILES], ids=name)
def test_plans_against_its_synthetic_run(path, tmp_path):
    steps = load_steps(path)
    metadata = synthetic_metadata(steps, Options(replicates=2, folder=tmp_path))
    workflow = parse_metadata(metadata, str(tmp_path / "metadata.json"))
    plan = build_plan(workflow, steps, PlanOptions(replicated=True))

    pooled = {s.task for s in steps.steps if s.requires_replication}  # one call, else 2 shards
    assert len(plan.files) == sum((1 if s.task in pooled else 2) * len(s.files)
                                  for s in steps.steps)
    assert plan.steps == list(steps.steps)
    for planned in plan.files.values():
        if not all(rule.allow_empty for rule in planned.spec.derived_from):
            assert planned.derived_from, planned.id
        assert {p.spec for p in planned.parents} >= {
            k for k, rule in enumerate(planned.spec.derived_from) if not rule.allow_empty}
