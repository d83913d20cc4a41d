"""Running the stages of a run: one per process (the rules, through ``__main__``), or all of
them in this process in DAG order (:func:`run_all`: tests, and the one-process baseline of
the benchmarks). Each stage reads its inputs from the run's receipts folder (typed, and only
this run's: see :mod:`encode_accession.run.receipts`) and writes its own receipt there (see
:mod:`encode_accession.run.layout`); stage modules are imported only when their stage runs.
"""

from __future__ import annotations

import json
from graphlib import TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from encode_accession.run import layout
from encode_accession.run.receipts import save
from encode_accession.run.state import (
    AnalysisReceipt,
    Checksums,
    Preflight,
    Receipt,
    StepReceipt,
    Summary,
)

if TYPE_CHECKING:
    from encode_accession.accession.context import Run

R = TypeVar("R", bound=Receipt)
JOBS = ("plan", "checksums", "preflight", "step", "upload", "analysis", "summary")
STEP_JOBS = ("step", "upload")  # the jobs of one step: they take its rule name


def run_job(job: str, rundir: Path, step: str | None, settings: str | None
            ) -> Receipt | dict[str, Any]:
    """Run one stage: read its inputs under ``rundir``, write its receipt, return it (the
    plan job: the plan file's content)."""
    if job == "plan":
        from encode_accession.run.planfile import write_plan_file

        return write_plan_file(rundir / layout.PLAN, json.loads(settings or "{}"))
    if job in STEP_JOBS and not step:
        raise SystemExit(f"job `{job}` needs the step's rule name")
    run = _loaded(rundir)
    if job in ("checksums", "preflight", "step", "upload"):  # the stages reading its files
        run.storage.prepare([*run.plan.portal_inputs, *(f.uri for f in run.plan.files.values())])
    if job == "upload":
        from encode_accession.accession.uploads import upload_step

        assert step is not None
        return _write(Path(layout.step_uploads(rundir, step)),
                      upload_step(run, run.load(layout.step_receipt(rundir, step),
                                                StepReceipt)))
    if job == "checksums":
        from encode_accession.accession.checksums import checksums

        return _write(rundir / layout.CHECKSUMS, checksums(run))
    if job == "preflight":
        from encode_accession.accession.checksums import checksums
        from encode_accession.accession.preflight import preflight
        from encode_accession.run.planfile import checksums_job

        found = run.load(rundir / layout.CHECKSUMS, Checksums) if checksums_job(run.plan) \
            else checksums(run)  # metadata only
        return _write(rundir / layout.PREFLIGHT, preflight(run, found.checksums))
    preflight_receipt = run.load(rundir / layout.PREFLIGHT, Preflight)
    if job == "step":
        from encode_accession.accession.step import run_step

        assert step is not None
        parents = [run.load(layout.step_receipt(rundir, s), StepReceipt)
                   for s in run.plan.parent_steps(step)]
        return _write(Path(layout.step_receipt(rundir, step)),
                      run_step(run, step, preflight_receipt, parents))
    steps = [run.load(layout.step_receipt(rundir, s.rule), StepReceipt) for s in run.plan.steps
             if run.plan.files_of(s)]
    if job == "analysis":
        from encode_accession.accession.analysis import analysis

        return _write(rundir / layout.ANALYSIS,
                      analysis(run, preflight_receipt, [f for s in steps for f in s.files]))
    from encode_accession.accession.summary import format_summary, summary

    result = summary(run, preflight_receipt, steps,
                     run.load(rundir / layout.ANALYSIS, AnalysisReceipt))
    print(format_summary(result))
    return _write(rundir / layout.SUMMARY, result)


_RUNS: dict[tuple[Path, int, int], Run] = {}


def _loaded(rundir: Path) -> Run:
    """The run as this process's stages share it: its plan loaded once, and one portal
    client, one set of storage clients and one QC cache for every stage the process runs
    (``preflight,step``, ``analysis,summary``). A plan file rewritten since is loaded anew."""
    from encode_accession.accession.context import Run
    from encode_accession.run.planfile import load_plan_file

    path = rundir / layout.PLAN
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _RUNS:
        _RUNS[key] = Run(load_plan_file(path))
    return _RUNS[key]


def _write(path: Path, result: R) -> R:
    save(path, result)
    return result


def plan_run(rundir: Path, settings: dict[str, Any]) -> Run:
    """Plan a run into ``rundir`` (its plan file) and load it as its jobs do."""
    settings = {"name": rundir.name, **settings, "rundir": str(rundir)}
    run_job("plan", rundir, None, json.dumps(settings))
    return _loaded(rundir)


def run_all(rundir: Path, settings: dict[str, Any]) -> Summary:
    """Every stage of one run in this process, parents before children; returns the summary.
    The run is loaded afresh, as by the first job process of a new Snakemake run."""
    from encode_accession.run.planfile import checksums_job

    _RUNS.clear()
    plan = plan_run(rundir, settings).plan
    if checksums_job(plan):
        run_job("checksums", rundir, None, None)
    run_job("preflight", rundir, None, None)
    steps = {s.rule: plan.parent_steps(s.rule) for s in plan.steps if plan.files_of(s)}
    for rule in TopologicalSorter(steps).static_order():
        run_job("step", rundir, rule, None)
        run_job("upload", rundir, rule, None)
    run_job("analysis", rundir, None, None)
    result = run_job("summary", rundir, None, None)
    assert isinstance(result, Summary)
    return result
