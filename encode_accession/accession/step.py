"""One accessioning step: its analysis_step_run, its files, their uploads and QC metrics.

A step is one Snakemake job (one process), whatever its number of files: the files are
POSTed concurrently by a bounded thread pool, each upload starts as soon as its file is
posted, and the step's quality metrics follow. Every file still gets its own receipt as soon
as it is posted (``files/<step>/<id>.json``), and every upload one when its bytes are sent
(``uploads/<id>.json``): a step job that dies half-way resumes from them, and objects posted
after the last receipt are found again by alias (the portal's 409), never duplicated.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from encode_accession.accession.analysis import default_score
from encode_accession.accession.context import Run
from encode_accession.accession.journal import Journal
from encode_accession.accession.payloads import (
    FileFacts,
    file_payload,
    step_run_alias,
    step_run_payload,
)
from encode_accession.accession.quality import quality_metrics
from encode_accession.accession.upload import Planned, upload
from encode_accession.core.errors import InputError
from encode_accession.planning.plan import PlannedFile
from encode_accession.planning.steps import Step
from encode_accession.portal.errors import PortalAuthError
from encode_accession.qc.callbacks import CALLBACKS
from encode_accession.run.layout import file_receipt, upload_journal, upload_receipt
from encode_accession.run.receipts import load_existing, save
from encode_accession.run.state import FileReceipt, Preflight, StepReceipt, StepRun, UploadReceipt

NEEDS_UPLOAD = {"uploading", "upload failed"}
RAW_OUTPUT_TYPES = {"reads", "rejected reads", "filtered reads"}  # never carry an assembly


def run_step(run: Run, rule: str, preflight: Preflight,
             parent_steps: list[StepReceipt]) -> StepReceipt:
    """Post the step's step run and files (parents first), upload them, post their QC."""
    step = next(s for s in run.plan.steps if s.rule == rule)
    files = run.plan.files_of(step)
    step_run = post_step_run(run, step, files[0])
    known = {f.id: f for s in parent_steps for f in s.files}  # receipts by planned id
    same_as = preflight.same_as
    receipts: dict[str, FileReceipt] = {}
    uploads: list[Future[UploadReceipt]] = []
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        for wave in _waves([f for f in files if f.id not in same_as]):
            done = pool.map(
                lambda f: accession_file(run, f, preflight, step_run.portal_id, known), wave)
            for planned, (receipt, obj) in zip(wave, done, strict=True):
                receipts[planned.id] = known[planned.id] = receipt
                uploads.append(pool.submit(upload_file, run, receipt, obj))
        upload_receipts = tuple(u.result() for u in uploads)
    for planned in files:  # possible duplicates: the same bytes, posted once as their original
        if planned.id in same_as:
            receipts[planned.id] = known[planned.id] = same_file(run, planned,
                                                                known[same_as[planned.id]])
    receipts = {f.id: receipts[f.id] for f in files}  # in plan order
    qc = quality_metrics(run, preflight, files, receipts)
    return StepReceipt(run.workflow_id, run.server, step=rule, step_run=step_run,
                       files=tuple(receipts.values()), uploads=upload_receipts,
                       quality_metrics=qc)


def post_step_run(run: Run, step: Step, first: PlannedFile) -> StepRun:
    """The step's analysis_step_run, aliased by step, workflow and the task's docker tag."""
    payload = step_run_payload(run.who, step, step_run_alias(
        run.who.lab, step, run.workflow_id, first.call.docker_tag))
    obj, created = run.portal.create("analysis_step_run", payload)
    return StepRun(obj["@id"], alias=payload["aliases"][0], created=created)


def accession_file(run: Run, planned: PlannedFile, preflight: Preflight, step_run: str,
                   known: dict[str, FileReceipt]
                   ) -> tuple[FileReceipt, dict[str, Any] | None]:
    """POST one file (or reuse its receipt from an earlier attempt of this run, when it is of
    the same bytes) and write its receipt. Returns the receipt and the portal's answer (None
    when the receipt was reused). ``known``: receipts of the files posted before it, by
    planned id."""
    checksum = preflight.checksums[planned.uri]
    alias = run.file_alias(planned, checksum.md5)
    path = file_receipt(run.rundir, planned.step.rule, planned.id)
    earlier = load_existing(path, FileReceipt, run.rundir)
    if earlier is not None and earlier.is_for(run.workflow_id, run.server, alias, planned.uri,
                                              checksum.md5, checksum.size):
        return replace(earlier, created=False), None
    derived_from = resolve_derived_from(run, planned, preflight, known)
    payload, extra = build_file_payload(run, planned, preflight, step_run, derived_from)
    obj, created = run.portal.create("file", payload)
    receipt = FileReceipt(
        run.workflow_id, run.server, id=planned.id, portal_id=obj["@id"],
        accession=obj.get("accession"), alias=alias, uri=planned.uri,
        md5sum=payload["md5sum"], file_size=payload["file_size"], status=obj.get("status"),
        created=created, output_type=obj.get("output_type", payload["output_type"]),
        derived_from=tuple(derived_from), step_run=step_run, callbacks_applied=extra,
        default_score=default_score(run, planned, preflight))
    save(path, receipt)
    return receipt, obj


def build_file_payload(run: Run, planned: PlannedFile, preflight: Preflight,
                       step_run: str, derived_from: list[str]
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The File to POST (no I/O but reading the run's QC files for callbacks), and what the
    callbacks set."""
    checksum = preflight.checksums[planned.uri]
    facts = FileFacts(md5=checksum.md5, size=checksum.size, dataset=preflight.dataset,
                      assembly=None if planned.spec.output_type in RAW_OUTPUT_TYPES
                      else preflight.assembly,
                      genome_annotation=preflight.genome_annotation,
                      derived_from=tuple(derived_from), step_run=step_run)
    ctx = run.qc_context(planned, preflight)
    extra: dict[str, Any] = {}
    for name in planned.spec.callbacks:
        extra.update(CALLBACKS[name](ctx))
    return file_payload(run.who, planned, facts, run.file_alias(planned, facts.md5),
                        private=run.private, extra=extra), extra


def same_file(run: Run, planned: PlannedFile, original: FileReceipt) -> FileReceipt:
    """The receipt of a ``possible_duplicate`` file whose bytes an earlier file of its task
    has: that file, posted and uploaded once (the portal takes one file per md5)."""
    receipt = replace(original, id=planned.id, uri=planned.uri, duplicate_of=original.id,
                      created=False)
    save(file_receipt(run.rundir, planned.step.rule, planned.id), receipt)
    return receipt


def resolve_derived_from(run: Run, planned: PlannedFile, preflight: Preflight,
                         known: dict[str, FileReceipt]) -> list[str]:
    """Portal @ids of a file's parents, in order, each once: a planned parent is the file this
    run posted for it, any other the portal file with its md5. A rule's
    ``derived_from_output_type`` picks, among portal files sharing the md5 (optimal and
    conservative IDR peaks), the one of that output type, as the reference tool does."""
    found: dict[str, None] = {}
    for parent in planned.parents:
        rule = planned.spec.derived_from[parent.spec]
        if parent.planned_id:
            receipt = known[parent.planned_id]
            candidates = [(receipt.portal_id, receipt.output_type)]
        else:
            matches = (preflight.input_matches.get(parent.uri)
                       or (preflight.inputs[parent.uri],))
            candidates = [(m.portal_id, m.output_type) for m in matches]
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


def upload_file(run: Run, receipt: FileReceipt, obj: dict[str, Any] | None) -> UploadReceipt:
    """Send the bytes when the portal still waits for them (an interrupted upload resumes).
    An upload receipt is reused only when it is of these bytes sent to this very portal file
    by this run. The portal's own check of them (checkfiles) runs when they are complete; the
    run's final verify stage reads it. A file the portal already judged wrong before this run
    uploaded it stops the job with the fix: skipping it would lose it silently."""
    path = upload_receipt(run.rundir, receipt.id)
    earlier = load_existing(path, UploadReceipt, run.rundir)
    if earlier is not None and earlier.is_for(receipt):
        return replace(earlier, uploaded=False)
    if obj is None:
        obj = run.portal.get(receipt.portal_id, database=True) or {}
    if obj.get("status") == "content error":
        raise InputError(receipt.uri, receipt.portal_id, "the portal judged bytes uploaded for "
                         "it by an earlier, unfinished attempt wrong ("
                         f"{obj.get('content_error_detail') or 'content error'})",
                         "have the DCC (or a local portal's admin) set the file's status to "
                         "'upload failed', then run again: the upload is redone")
    uploaded = False
    if obj.get("status") in NEEDS_UPLOAD:
        credentials = obj.get("upload_credentials")
        if not credentials:
            try:
                credentials = run.portal.regenerate_upload_credentials(receipt.portal_id)
            except PortalAuthError:
                # refused when an earlier attempt's upload already moved the file on
                current = run.portal.get(receipt.portal_id, database=True) or {}
                if current.get("status") in NEEDS_UPLOAD:
                    raise
                credentials = None
        if credentials:
            # the portal's own S3 endpoint shares its TLS certificate
            own = credentials.get("endpoint_url", "").startswith(run.portal.server)
            journal = Journal(upload_journal(run.rundir, receipt.id), run.rundir,
                              workflow_id=run.workflow_id, server=run.server,
                              file_id=receipt.id, portal_id=receipt.portal_id)
            upload(run.storage, receipt.uri, Planned(receipt.md5sum, receipt.file_size),
                   credentials, journal=journal, verify=run.portal.verify if own else None)
            uploaded = True
    result = UploadReceipt(run.workflow_id, run.server, id=receipt.id,
                           portal_id=receipt.portal_id, md5sum=receipt.md5sum,
                           file_size=receipt.file_size, uploaded=uploaded)
    save(path, result)
    return result


def _waves(files: list[PlannedFile]) -> list[list[PlannedFile]]:
    """The step's files in rounds: a file whose parent is in the same step waits a round."""
    by_id = {f.id: f for f in files}
    level: dict[str, int] = {}

    def depth(f: PlannedFile) -> int:  # the plan has no cycles (checked when planned)
        if f.id not in level:
            level[f.id] = 1 + max((depth(by_id[p.planned_id]) for p in f.parents
                                   if p.planned_id in by_id), default=-1)
        return level[f.id]

    for f in files:
        depth(f)
    return [[f for f in files if level[f.id] == n] for n in range(max(level.values()) + 1)]
