"""``python -m encode_accession.jobs JOB RUNDIR [STEP]``: one stage of one run, as a rule runs it.

A job process imports only what its stage uses (a Snakemake ``script:`` job would import
Snakemake and the whole package first): per job that is most of its CPU time. Bad input, a
refusal by the portal or an outage ends the job with one message naming the culprit and the
fix, never a traceback (``ENCODE_ACCESSION_DEBUG=1`` shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .. import layout
from ..receipts import read_receipt, write_receipt

JOBS = ("plan", "checksums", "preflight", "step", "analysis", "summary")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m encode_accession.jobs")
    parser.add_argument("job", choices=JOBS)
    parser.add_argument("rundir", help="the run's receipts folder")
    parser.add_argument("step", nargs="?", help="the step's rule name (job `step`)")
    parser.add_argument("--settings", help="the run's settings as JSON (job `plan`)")
    args = parser.parse_args(argv)
    try:
        result = run_job(args.job, Path(args.rundir), args.step, args.settings)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one message
        if os.environ.get("ENCODE_ACCESSION_DEBUG"):
            raise
        print(f"encode-accession {args.job}: {describe(exc)}", file=sys.stderr)
        return 1
    print(json.dumps({"job": args.job, **({"step": args.step} if args.step else {}),
                      **{k: result[k] for k in ("@id", "created") if k in result}}))
    return 0


def run_job(job: str, rundir: Path, step: str | None, settings: str | None) -> dict[str, Any]:
    """Run one stage: read its inputs under ``rundir``, write its receipt, return it."""
    if job == "plan":
        from ..planfile import write_plan_file

        return write_plan_file(rundir / layout.PLAN, json.loads(settings or "{}"))
    from ..planfile import load_plan_file
    from .context import Run

    run = Run(load_plan_file(rundir / layout.PLAN))
    if job == "checksums":
        from .checksums import checksums

        return _write(rundir / layout.CHECKSUMS, checksums(run))
    if job == "preflight":
        from .preflight import preflight

        found = read_receipt(rundir / layout.CHECKSUMS)["checksums"]
        return _write(rundir / layout.PREFLIGHT, preflight(run, found))
    preflight_receipt = read_receipt(rundir / layout.PREFLIGHT)
    if job == "step":
        from .step import run_step

        if not step:
            raise SystemExit("job `step` needs the step's rule name")
        parents = [read_receipt(layout.step_receipt(rundir, s))
                   for s in run.plan.parent_steps(step)]
        return _write(Path(layout.step_receipt(rundir, step)),
                      run_step(run, step, preflight_receipt, parents))
    steps = [read_receipt(layout.step_receipt(rundir, s.rule)) for s in run.plan.steps
             if run.plan.files_of(s)]
    if job == "analysis":
        from .analysis import analysis

        return _write(rundir / layout.ANALYSIS,
                      analysis(run, preflight_receipt, [f for s in steps for f in s["files"]]))
    from .summary import format_summary, summary

    result = summary(run, preflight_receipt, steps, read_receipt(rundir / layout.ANALYSIS))
    print(format_summary(result))
    return _write(rundir / layout.SUMMARY, result)


def _write(path: Path, result: dict[str, Any]) -> dict[str, Any]:
    write_receipt(path, result)
    return result


def describe(exc: BaseException) -> str:
    """The one line a user sees for a failed job."""
    from ..errors import InputError

    if isinstance(exc, InputError):
        return exc.message
    return str(exc) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
