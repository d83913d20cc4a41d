"""One accessioning step: its analysis_step_run, its files and their QC metrics.

A step is one Snakemake job (one process), whatever its number of files: the files are
POSTed concurrently by a bounded thread pool, then the step's quality metrics. Their bytes
are the step's upload job's (:mod:`encode_accession.accession.uploads`), which runs beside
the steps derived from them: those need only the files' @ids. Every file gets its own
receipt as soon as it is posted (``files/<step>/<id>.json``): a step job that dies half-way
resumes from them, and objects posted after the last receipt are found again by alias (the
portal's 409), never duplicated.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from encode_accession.accession.analysis import default_score
from encode_accession.accession.context import Run
from encode_accession.accession.payloads import (
    FileFacts,
    file_payload,
    step_run_alias,
    step_run_payload,
)
from encode_accession.accession.quality import quality_metrics
from encode_accession.core.errors import InputError
from encode_accession.planning.plan import PlannedFile
from encode_accession.planning.steps import Step
from encode_accession.qc.callbacks import CALLBACKS
from encode_accession.run.layout import file_receipt
from encode_accession.run.receipts import load_existing, save
from encode_accession.run.state import FileReceipt, Preflight, StepReceipt, StepRun

RAW_OUTPUT_TYPES = {"reads", "rejected reads", "filtered reads"}  # never carry an assembly


def run_step(run: Run, rule: str, preflight: Preflight,
             parent_steps: list[StepReceipt]) -> StepReceipt:
    """Post the step's step run and files (parents first), then their QC."""
    step = next(s for s in run.plan.steps if s.rule == rule)
    files = run.plan.files_of(step)
    step_run = post_step_run(run, step, files[0])
    known = {f.id: f for s in parent_steps for f in s.files}  # receipts by planned id
    same_as = preflight.same_as
    receipts: dict[str, FileReceipt] = {}
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        for wave in _waves([f for f in files if f.id not in same_as]):
            done = pool.map(
                lambda f: accession_file(run, f, preflight, step_run.portal_id, known), wave)
            for planned, receipt in zip(wave, done, strict=True):
                receipts[planned.id] = known[planned.id] = receipt
    for planned in files:  # possible duplicates: the same bytes, posted once as their original
        if planned.id in same_as:
            receipts[planned.id] = known[planned.id] = same_file(run, planned,
                                                                known[same_as[planned.id]])
    receipts = {f.id: receipts[f.id] for f in files}  # in plan order
    qc = quality_metrics(run, preflight, files, receipts)
    return StepReceipt(run.workflow_id, run.server, step=rule, step_run=step_run,
                       files=tuple(receipts.values()), quality_metrics=qc)


def post_step_run(run: Run, step: Step, first: PlannedFile) -> StepRun:
    """The step's analysis_step_run, aliased by step, workflow and the task's docker tag."""
    payload = step_run_payload(run.who, step, step_run_alias(
        run.who.lab, step, run.workflow_id, first.call.docker_tag))
    obj, created = run.portal.create("analysis_step_run", payload)
    return StepRun(obj["@id"], alias=payload["aliases"][0], created=created)


def accession_file(run: Run, planned: PlannedFile, preflight: Preflight, step_run: str,
                   known: dict[str, FileReceipt]) -> FileReceipt:
    """POST one file (or reuse its receipt from an earlier attempt of this run, when it is of
    the same bytes) and write its receipt. ``known``: receipts of the files posted before
    it, by planned id."""
    checksum = preflight.checksums[planned.uri]
    alias = run.file_alias(planned, checksum.md5)
    path = file_receipt(run.rundir, planned.step.rule, planned.id)
    earlier = load_existing(path, FileReceipt, run.rundir)
    if earlier is not None and earlier.is_for(run.workflow_id, run.server, alias, planned.uri,
                                              checksum.md5, checksum.size):
        return replace(earlier, created=False)
    derived_from = resolve_derived_from(run, planned, preflight, known)
    payload, extra = build_file_payload(run, planned, preflight, step_run, derived_from)
    obj, created = run.portal.create("file", payload)
    if created and obj.get("upload_credentials"):
        run.upload_credentials[obj["@id"]] = obj["upload_credentials"]
    receipt = FileReceipt(
        run.workflow_id, run.server, id=planned.id, portal_id=obj["@id"],
        accession=obj.get("accession"), alias=alias, uri=planned.uri,
        md5sum=payload["md5sum"], file_size=payload["file_size"], status=obj.get("status"),
        created=created, output_type=obj.get("output_type", payload["output_type"]),
        derived_from=tuple(derived_from), step_run=step_run, callbacks_applied=extra,
        default_score=default_score(run, planned, preflight))
    save(path, receipt)
    return receipt


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
