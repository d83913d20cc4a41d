"""One run's settings -> its plan: the metadata read (or fetched from Cromwell), the steps
file chosen (a pipeline's variant, or a path), checked, and the pure plan built."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.metadata.cromwell import parse_metadata_text, read_metadata_text
from encode_accession.metadata.cromwell_server import resolve_metadata
from encode_accession.planning.pipelines import Variant, choose_variant
from encode_accession.planning.plan import Plan, PlanOptions, build_plan
from encode_accession.planning.steps import load_steps, resolve_steps
from encode_accession.qc import check_names


@dataclass(frozen=True)
class Setup:
    """The plan of a run and, when the config named a pipeline, the variant chosen for it;
    also the metadata.json text it was planned from (read once, hashed into the plan file)."""

    plan: Plan
    variant: Variant | None
    metadata_text: str


def setup_run(run: dict[str, Any], *, announce: bool = False) -> Setup:
    """Plan one run's settings; raises :class:`InputError` on bad input.

    A ``pipeline`` family picks its variant from the run's inputs (``announce`` prints which);
    a ``steps`` path is used as given.
    """
    metadata = resolve_metadata(run)  # a workflow id or Caper label: fetched from Cromwell
    metadata_text = read_metadata_text(metadata)
    workflow = parse_metadata_text(metadata_text, str(metadata))
    variant = None
    if run.get("steps"):
        steps = resolve_steps(run["steps"])
    else:
        variant = choose_variant(run["pipeline"], workflow)
        if announce:
            print(f"encode-accession: {variant.reason}", file=sys.stderr)
        steps = resolve_steps(variant.steps_name)
    steps_file = load_steps(steps)
    check_names(steps_file)
    if steps_file.facts.annotation_dataset and not run.get("annotation"):
        raise InputError("config", "annotation",
                         f"{Path(steps).stem} accessions its files to an Annotation",
                         "set annotation: to the Annotation's accession (ENCSR...)")
    plan = build_plan(workflow, steps_file, PlanOptions(replicated=run.get("replicated")))
    return Setup(plan, variant, metadata_text)
