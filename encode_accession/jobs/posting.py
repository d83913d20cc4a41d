"""One analysis_step_run per step and one File per planned file, each found by alias first."""

from __future__ import annotations

from typing import Any

from ..payloads import (
    FileFacts,
    file_payload,
    step_run_alias,
    step_run_payload,
)
from ..plan import PlannedFile
from ..qc import CALLBACKS
from .context import Run, get_or_create


def step_run(run: Run, rule: str) -> dict[str, Any]:
    step = next(s for s in run.plan.steps if s.rule == rule)
    call = run.plan.files_of(step)[0].call
    payload = step_run_payload(run.who, step, step_run_alias(run.who.lab, step, run.workflow_id,
                                                             call.docker_tag))
    obj, created = get_or_create(run.portal, "analysis_step_run", payload)
    return {"@id": obj["@id"], "alias": payload["aliases"][0], "created": created}


def accession_file(run: Run, file_id: str, preflight_receipt: dict[str, Any],
                   step_run_receipt: dict[str, Any], parent_receipts: dict[str, dict[str, Any]]
                   ) -> dict[str, Any]:
    planned = run.plan.files[file_id]
    derived_from: dict[str, None] = {}
    for parent in planned.parents:
        if parent.planned_id:
            derived_from[parent_receipts[parent.planned_id]["@id"]] = None
        else:
            derived_from[preflight_receipt["inputs"][parent.uri]["@id"]] = None
    payload, extra = build_file_payload(run, planned, preflight_receipt,
                                        step_run_receipt["@id"], list(derived_from))
    obj, created = get_or_create(run.portal, "file", payload)
    return {"id": file_id, "@id": obj["@id"], "accession": obj.get("accession"),
            "alias": payload["aliases"][0], "uri": planned.uri, "md5sum": payload["md5sum"],
            "file_size": payload["file_size"], "status": obj.get("status"), "created": created,
            "derived_from": list(derived_from), "step_run": payload["step_run"],
            "callbacks_applied": extra,
            "callbacks_not_implemented": [c for c in planned.spec.callbacks
                                          if c not in CALLBACKS]}


def build_file_payload(run: Run, planned: PlannedFile, preflight_receipt: dict[str, Any],
                       step_run_id: str, derived_from: list[str]
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The File to POST (no I/O but reading the run's QC files), and what callbacks set."""
    checksum = preflight_receipt["checksums"][planned.uri]
    facts = FileFacts(md5=checksum["md5"], size=checksum["size"],
                      dataset=preflight_receipt["dataset"],
                      assembly=preflight_receipt["assembly"] if _takes_assembly(planned) else None,
                      genome_annotation=preflight_receipt["genome_annotation"],
                      derived_from=tuple(derived_from), step_run=step_run_id)
    ctx = run.qc_context(planned, preflight_receipt)
    extra: dict[str, Any] = {}
    for name in planned.spec.callbacks:
        if name in CALLBACKS:
            extra.update(CALLBACKS[name](ctx))
    payload = file_payload(run.who, planned, facts, run.file_alias(planned, facts.md5),
                           private=run.private, extra=extra)
    return payload, extra


def _takes_assembly(planned: PlannedFile) -> bool:
    """Raw output types must not carry an assembly (the portal refuses it)."""
    return planned.spec.output_type not in {"reads", "rejected reads", "filtered reads"}
