"""Glue between the Snakefile and the package: config -> plan, and where receipts live.

Kept out of the .smk files so the rules stay thin and this logic is unit-tested.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cromwell import load_metadata
from .cromwell_server import resolve_metadata
from .errors import InputError
from .pipelines import Variant, choose_variant
from .plan import Plan, PlannedFile, PlanOptions, build_plan
from .schemas import load_schema, validate
from .steps import load_steps, resolve_steps

CONFIG_SCHEMA = "config.schema.yaml"


def check_config(config: dict[str, Any]) -> None:
    """Validate the workflow config and fill in schema defaults, or exit with one message."""
    try:
        validate(config, CONFIG_SCHEMA, "config")
    except InputError as e:
        raise SystemExit(f"encode-accession: invalid configuration:\n{e.message}") from None
    for key, spec in load_schema(CONFIG_SCHEMA)["properties"].items():
        if "default" in spec:
            config.setdefault(key, spec["default"])
    for key in ("lab", "award"):
        if not config.get(key) and os.environ.get(f"DCC_{key.upper()}"):
            config[key] = os.environ[f"DCC_{key.upper()}"]


@dataclass(frozen=True)
class Setup:
    """The plan of a run and, when the config named a pipeline, the variant chosen for it."""

    plan: Plan
    variant: Variant | None


def setup_from_config(config: dict[str, Any], *, announce: bool = False) -> Setup:
    """Plan a validated config; bad input exits with one clear message.

    A ``pipeline`` family picks its variant from the run's inputs (``announce`` prints which);
    a ``steps`` path is used as given.
    """
    try:
        metadata = config.get("metadata")
        if metadata:
            metadata = resolve_metadata(config)  # a workflow id or label: fetched from Cromwell
        else:
            from .demo import write_demo_run

            metadata = write_demo_run(Path(config["results"]) / "demo")
        workflow = load_metadata(metadata)
        variant = None
        if config.get("steps"):
            steps = resolve_steps(config["steps"])
        else:
            variant = choose_variant(config["pipeline"], workflow)
            if variant.needs_annotation and not config.get("annotation"):
                raise InputError("config", "annotation",
                                 f"{variant.steps_name} accessions its files to an Annotation",
                                 "set annotation: to the Annotation's accession (ENCSR...)")
            if announce:
                print(f"encode-accession: {variant.reason}", file=sys.stderr)
            steps = resolve_steps(variant.steps_name)
        plan = build_plan(workflow, load_steps(steps),
                          PlanOptions(replicated=config.get("replicated")))
        return Setup(plan, variant)
    except InputError as e:
        raise SystemExit(f"encode-accession: cannot plan this run:\n{e.message}") from None


def plan_from_config(config: dict[str, Any], *, announce: bool = False) -> Plan:
    return setup_from_config(config, announce=announce).plan


def receipt_path(results: str, planned: PlannedFile) -> str:
    return f"{results}/files/{planned.step.rule}/{planned.id}.json"
