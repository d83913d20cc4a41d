"""``python -m encode_accession.accession JOB[,JOB...] RUNDIR [STEP]``: stages of one run, in the
order given, as a rule runs them.

A job process imports only what its stage uses (a Snakemake ``script:`` job would import
Snakemake and the whole package first): per job that is most of its CPU time. Bad input, a
refusal by the portal or an outage ends the job with one message naming the culprit and the
fix (:func:`encode_accession.core.failures.describe`), never a traceback (``debug: true`` or
``ENCODE_ACCESSION_DEBUG=1`` shows it).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

from encode_accession.accession.runner import JOBS, run_job
from encode_accession.core.failures import exit_status
from encode_accession.run import layout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m encode_accession.accession")
    parser.add_argument("jobs", type=_stages, help=f"stages, comma-separated: {', '.join(JOBS)}")
    parser.add_argument("rundir", help="the run's receipts folder")
    parser.add_argument("step", nargs="?", help="the step's rule name (job `step`)")
    parser.add_argument("--settings", help="the run's settings as JSON (job `plan`)")
    args = parser.parse_args(argv)
    rundir = Path(args.rundir)
    for job in args.jobs:
        result: dict[str, Any] = {}
        status = exit_status(job, partial(_run_into, result, job, rundir, args.step,
                                          args.settings),
                             lambda: _settings(rundir, args.settings),
                             layout.failure_record(rundir, job, args.step))
        if status:
            return status
        print(json.dumps({"job": job, **({"step": args.step} if args.step else {}),
                          **{k: result[k] for k in ("@id", "created") if k in result}}))
    return 0


def _run_into(result: dict[str, Any], job: str, rundir: Path, step: str | None,
              settings: str | None) -> None:
    result.update(run_job(job, rundir, step, settings))


def _stages(value: str) -> list[str]:
    stages = value.split(",")
    unknown = [s for s in stages if s not in JOBS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage {', '.join(unknown)}; "
                                         f"choose from {', '.join(JOBS)}")
    return stages


def _settings(rundir: Path, given: str | None) -> dict[str, Any]:
    """The run's settings for the error message (server, debug), however far it got."""
    try:
        return json.loads(given) if given else \
            json.loads((rundir / layout.PLAN).read_text())["settings"]
    except (OSError, ValueError, KeyError):
        return {}


if __name__ == "__main__":
    status = main()
    gc.freeze()  # no final collection over every imported module's objects: ~0.3 s at exit
    sys.exit(status)
