"""The workflow-metadata document, the analysis, its dataset link, and preferred defaults."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from encode_accession.accession.context import Run
from encode_accession.accession.payloads import alias, analysis_payload, workflow_document_payload
from encode_accession.planning.plan import PlannedFile
from encode_accession.qc.callbacks import PREFERRED_DEFAULT_VALUE
from encode_accession.run.state import AnalysisReceipt, FileReceipt, Preflight


def analysis(run: Run, preflight: Preflight, file_receipts: list[FileReceipt]
             ) -> AnalysisReceipt:
    """Workflow-metadata document (the run's metadata.json), the analysis object, and the
    dataset's link to it (added to the dataset's analyses, never replacing them)."""
    metadata_text = run.loaded.metadata_text
    portal, who, wf_id = run.portal, run.who, run.workflow_id
    documents = []
    if not run.private:
        accession = preflight.dataset.strip("/").rsplit("/", 1)[-1]
        doc, _ = portal.create("document", workflow_document_payload(
            who, alias(who.lab, "cromwell-metadata", wf_id), accession, wf_id, metadata_text))
        documents.append(doc["@id"])
    payload = analysis_payload(
        who, alias(who.lab, wf_id), files=list(dict.fromkeys(r.portal_id for r in file_receipts)),
        documents=documents,
        pipeline_version=pipeline_version(run.plan.workflow.submitted.get("workflow", "")),
        quality_standard=run.plan.steps_file.quality_standard)
    obj, created = portal.create("analysis", payload)
    preferred = preferred_defaults(run, file_receipts)
    patches = [(preflight.dataset, {"analyses": [obj["@id"]]}, True),
               *((file_id, {"preferred_default": True}, False) for file_id in preferred)]
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:  # independent objects
        list(pool.map(lambda p: portal.patch(p[0], p[1], extend_arrays=p[2]), patches))
    return AnalysisReceipt(run.workflow_id, run.server, portal_id=obj["@id"], created=created,
                           documents=tuple(documents), dataset=preflight.dataset,
                           files=tuple(payload["files"]), preferred_default=tuple(preferred))


def default_score(run: Run, planned: PlannedFile, preflight: Preflight) -> float | None:
    """The QC value that ranks a file flagged ``maybe_preferred_default`` (e.g. aligned reads
    for microRNA-seq); None for other files or when the steps file names no metric. The
    step job reads it, as it has the file's QC at hand, and keeps it in the file's receipt:
    the analysis job then reads no QC file of its own."""
    value = PREFERRED_DEFAULT_VALUE.get(run.plan.steps_file.facts.preferred_default_metric or "")
    if not planned.spec.maybe_preferred_default or value is None:
        return None
    return value(run.qc_context(planned, preflight))


def preferred_defaults(run: Run, file_receipts: list[FileReceipt]) -> list[str]:
    """Among files flagged ``maybe_preferred_default``, the best of each format/type/output
    type by the score in its receipt (:func:`default_score`; a file without one never wins
    over one with a score)."""
    flagged = [f for f in run.plan.files.values() if f.spec.maybe_preferred_default]
    if not flagged:
        return []
    if run.plan.steps_file.facts.preferred_default_metric not in PREFERRED_DEFAULT_VALUE:
        print(f"preferred_default: {run.plan.steps_file.path} names no "
              "preferred_default_metric; none chosen")
        return []
    receipts = {r.id: r for r in file_receipts}
    return pick_best([((f.spec.file_format, f.spec.file_format_type, f.spec.output_type),
                       _score(receipts[f.id]), receipts[f.id].portal_id) for f in flagged])


def _score(receipt: FileReceipt) -> float:
    return receipt.default_score if receipt.default_score is not None else float("-inf")


def pick_best(candidates: list[tuple[Any, float, str]]) -> list[str]:
    """(kind, score, file @id) -> the @id of the highest score of each kind; the first
    listed wins a tie (pure)."""
    best: dict[Any, tuple[float, str]] = {}
    for kind, score, file_id in candidates:
        if kind not in best or score > best[kind][0]:
            best[kind] = (score, file_id)
    return [file_id for _score, file_id in best.values()]


def pipeline_version(wdl: str) -> str | None:
    """``version`` from the WDL's meta section (``v2.2.2`` -> ``2.2.2``)."""
    match = re.search(r"""version\s*:\s*["']v?(\d+\.\d+\.\d+)["']""", wdl)
    return match.group(1) if match else None
