"""The end of a run: the portal's checks read back, every object created or found listed,
what did not get onto the portal (and why), and the run recorded (run record and provenance,
in the tracker database).

A run that lost something never ends green: files the portal judged failed (content error,
another md5 or size than posted) and steps lost with a task that failed (unless the config
allows unsucceeded runs) make the job exit non-zero once its summary is written and printed.
Files still being checked at the deadline are not failures: the real portal checks them
minutes later (``encode-accession verify`` re-checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing

from encode_accession.accession import runs
from encode_accession.accession.context import Run
from encode_accession.accession.verify import format_verification, verify_files
from encode_accession.planning.plan import Skipped
from encode_accession.run.state import (
    AnalysisReceipt,
    FileReceipt,
    Missing,
    Preflight,
    StepReceipt,
    Summary,
    SummaryObject,
    Verification,
)

SHOWN_MISSING = 5  # in the one-line message; the summary above it lists them all
FAILED_FILE_FIX = ("make the file's bytes and the portal's record agree, then run again "
                   "(`encode-accession verify RESULTS_FOLDER` re-checks the portal)")
LOST_STEP_FIX = ("accession a run whose tasks all finished, or set allow_unsucceeded: true "
                 "to accept the rest")


def summary(run: Run, preflight: Preflight, steps: list[StepReceipt],
            analysis_receipt: AnalysisReceipt) -> Summary:
    """Verify the uploads (bounded wait), then list and record every object of the run and
    what it is missing."""
    files = [f for s in steps for f in s.files]
    verification = verify_files(run.portal, files, timeout=run.settings.verify_timeout)
    objects = _objects(steps, files, verification, analysis_receipt)
    missing = missing_objects(files, verification, run.plan.skipped,
                              allow_unsucceeded=run.settings.allow_unsucceeded)
    record(run, preflight, steps, objects, complete=not missing)
    return Summary(run.workflow_id, run.server, dataset=preflight.dataset,
                   analysis=analysis_receipt.portal_id, objects=tuple(objects),
                   verification=verification,
                   created=sum(1 for o in objects if o.created),
                   found=sum(1 for o in objects if o.created is False),
                   skipped=tuple(str(s) for s in run.plan.skipped), missing=tuple(missing))


def missing_objects(files: Sequence[FileReceipt], verification: Verification,
                    skipped: Sequence[Skipped], *, allow_unsucceeded: bool) -> list[Missing]:
    """What the run did not get onto the portal (pure): files that failed the portal's
    checks, and outputs lost with a failed task unless ``allow_unsucceeded``."""
    uris = {f.portal_id: f.uri for f in files}
    missing = [Missing(f"file {i} ({uris.get(i)})", verification.files[i].detail or "failed",
                       FAILED_FILE_FIX) for i in verification.failed]
    if not allow_unsucceeded:
        missing += [Missing(s.where, s.reason, LOST_STEP_FIX) for s in skipped if s.lost]
    return missing


def _objects(steps: list[StepReceipt], files: list[FileReceipt], verification: Verification,
             analysis_receipt: AnalysisReceipt) -> list[SummaryObject]:
    created_step_runs: dict[str, bool] = {}  # steps may share one step run; either made it
    for s in steps:
        r = s.step_run
        created_step_runs[r.portal_id] = created_step_runs.get(r.portal_id, False) or r.created
    objects = [SummaryObject("step run", i, c, None) for i, c in created_step_runs.items()]
    objects += [SummaryObject("file", f.portal_id, f.created,
                              verification.files[f.portal_id].status
                              if f.portal_id in verification.files else f.status, f.uri)
                for f in files]
    qc_created = {q for s in steps for q in s.quality_metrics.created}
    qc_ids = dict.fromkeys(q for s in steps for qs in s.quality_metrics.quality_metrics.values()
                           for q in qs)
    objects += [SummaryObject("qc", q, q in qc_created, None) for q in qc_ids]
    objects += [SummaryObject("document", d, None, None) for d in analysis_receipt.documents]
    objects.append(SummaryObject("analysis", analysis_receipt.portal_id,
                                 analysis_receipt.created, None))
    return objects


def record(run: Run, preflight: Preflight, steps: list[StepReceipt],
           objects: list[SummaryObject], *, complete: bool) -> None:
    """The accessioned files' provenance and the run record (``info``): one database, one
    transaction, so a run is recorded whole or not at all."""
    files = [f for s in steps for f in s.files]
    from encode_accession.database.sqlite import connect, write
    from encode_accession.provenance import record_accessioning_run  # only this job needs it

    qc_by_file = {i: q for s in steps for i, q in s.quality_metrics.quality_metrics.items()}
    status = {o.portal_id: o.status for o in objects}
    with closing(connect(run.settings.tracker_db)) as conn, write(conn):
        record_accessioning_run(conn, run.plan, [f.to_json() for f in files],
                                {uri: i.to_json() for uri, i in preflight.inputs.items()},
                                workflow_id=run.workflow_id, server=run.server,
                                lab=run.who.lab)
        runs.record_run(conn, experiment=preflight.dataset, workflow_id=run.workflow_id,
                        server=run.server, labels=run.plan.workflow.labels,
                        status="succeeded" if complete else "failed",
                        files=[runs.FileRecord(f.portal_id, status.get(f.portal_id), f.created,
                                               qc_by_file.get(f.id, ())) for f in files])


def format_summary(result: Summary) -> str:
    lines = [f"Accessioned workflow {result.workflow_id} to {result.dataset} on "
             f"{result.server}: {result.created} objects created, {result.found} "
             "already there.",
             f"Analysis: {result.analysis}"]
    for o in result.objects:
        state = {True: "created", False: "found", None: ""}[o.created]
        lines.append(f"  {o.kind:<9} {o.portal_id:<48} {state:<8} {o.status or ''}")
    lines.append(format_verification(result.verification))
    lines += [f"  skipped {s}" for s in result.skipped]
    if result.missing:
        lines.append(f"NOT ON THE PORTAL ({len(result.missing)}):")
        lines += [f"  {m.what}: {m.why} (fix: {m.fix})" for m in result.missing]
    return "\n".join(lines)


def incomplete(result: Summary) -> str | None:
    """The one line a run that lost something ends with; None for a complete run."""
    if not result.missing:
        return None
    shown = "; ".join(f"{m.what}: {m.why}" for m in result.missing[:SHOWN_MISSING])
    more = len(result.missing) - SHOWN_MISSING
    fixes = "; ".join(dict.fromkeys(m.fix for m in result.missing))
    return (f"the run is incomplete: {len(result.missing)} thing(s) not on {result.server}: "
            f"{shown}" + (f"; and {more} more (listed above)" if more > 0 else "")
            + f" (fix: {fixes})")
