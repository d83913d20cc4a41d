"""Every steps file, ours and the reference's, validates and plans against a synthetic run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from encode_accession.cromwell import parse_metadata
from encode_accession.plan import PlanOptions, build_plan
from encode_accession.steps import load_steps
from encode_accession.synthetic import Options, synthetic_metadata

from .conftest import REFERENCE_FILES, RULE_FILES, reference_for

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
def test_rules_validate_and_equal_the_reference_as_data(rules):
    assert load_steps(rules).steps
    reference = reference_for(rules)
    if not reference.exists():
        pytest.skip(f"reference steps not unpacked: {reference}")
    ours = yaml.safe_load(rules.read_text())
    assert without_defaults(ours) == without_defaults(json.loads(reference.read_text()))


def test_there_are_rules_for_every_reference_variant():
    if not REFERENCE_FILES:
        pytest.skip("reference steps not unpacked")
    assert len(REFERENCE_FILES) == 32
    assert {p.name.removesuffix("_steps.json") for p in REFERENCE_FILES} == {
        p.stem for p in RULE_FILES}


@pytest.mark.parametrize("path", [*RULE_FILES, *REFERENCE_FILES], ids=name)
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
