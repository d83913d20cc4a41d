"""One analysis_step_run per step and one File per planned file, each found by alias first."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
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
    original = preflight_receipt.get("same_as", {}).get(file_id)
    if original is not None:  # a possible_duplicate: the same bytes, already posted once
        return {**parent_receipts[original], "id": file_id, "uri": planned.uri,
                "duplicate_of": original, "created": False}
    derived_from = resolve_derived_from(run, planned, preflight_receipt, parent_receipts)
    payload, extra = build_file_payload(run, planned, preflight_receipt,
                                        step_run_receipt["@id"], derived_from)
    obj, created = get_or_create(run.portal, "file", payload)
    return {"id": file_id, "@id": obj["@id"], "accession": obj.get("accession"),
            "alias": payload["aliases"][0], "uri": planned.uri, "md5sum": payload["md5sum"],
            "file_size": payload["file_size"], "status": obj.get("status"), "created": created,
            "output_type": obj.get("output_type", payload["output_type"]),
            "derived_from": derived_from, "step_run": payload["step_run"],
            "callbacks_applied": extra,
            "callbacks_not_implemented": [c for c in planned.spec.callbacks
                                          if c not in CALLBACKS]}


def resolve_derived_from(run: Run, planned: PlannedFile, preflight_receipt: dict[str, Any],
                         parent_receipts: dict[str, dict[str, Any]]) -> list[str]:
    """Portal @ids of a file's parents, in order, each once: a planned parent is the file this
    run posted for it, any other the portal file with its md5. A rule's
    ``derived_from_output_type`` picks, among portal files sharing the md5 (optimal and
    conservative IDR peaks), the one of that output type, as the reference tool does."""
    found: dict[str, None] = {}
    for parent in planned.parents:
        rule = planned.spec.derived_from[parent.spec]
        if parent.planned_id:
            receipt = parent_receipts[parent.planned_id]
            candidates = [(receipt["@id"], receipt.get("output_type"))]
        else:
            matches = (preflight_receipt.get("input_matches", {}).get(parent.uri)
                       or [preflight_receipt["inputs"][parent.uri]])
            candidates = [(m["@id"], m.get("output_type")) for m in matches]
        if rule.output_type is not None:
            candidates = [c for c in candidates if c[1] == rule.output_type]
        if not candidates:
            j = planned.step.files.index(planned.spec)
            raise InputError(run.plan.steps_file.path,
                             f"accession.steps[{planned.step.index}].wdl_files[{j}]"
                             f".derived_from_files[{parent.spec}].derived_from_output_type",
                             f"no portal file for {parent.uri} has output_type "
                             f"'{rule.output_type}'",
                             "check derived_from_output_type against the parent's output type")
        found.setdefault(candidates[0][0])
    return list(found)


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
