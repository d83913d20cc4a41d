"""Glue between the Snakefile and the package: config -> plan, and where receipts live.

Kept out of the .smk files so the rules stay thin and this logic is unit-tested.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .cromwell import load_metadata
from .errors import InputError
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


def plan_from_config(config: dict[str, Any]) -> Plan:
    """The plan for a validated workflow config; bad input exits with one clear message."""
    try:
        metadata = config.get("metadata")
        if not metadata:
            from .demo import write_demo_run

            metadata = write_demo_run(Path(config["results"]) / "demo")
        steps = resolve_steps(config.get("steps") or config["pipeline"])
        return build_plan(load_metadata(metadata), load_steps(steps),
                          PlanOptions(replicated=config.get("replicated")))
    except InputError as e:
        raise SystemExit(f"encode-accession: cannot plan this run:\n{e.message}") from None


def receipt_path(results: str, planned: PlannedFile) -> str:
    return f"{results}/files/{planned.step.rule}/{planned.id}.json"
