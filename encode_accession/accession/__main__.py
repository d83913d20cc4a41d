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

from encode_accession.accession.runner import JOBS, STEP_JOBS, run_job
from encode_accession.core.errors import InputError
from encode_accession.core.failures import exit_status
from encode_accession.run import layout
from encode_accession.run.planfile import parse_settings, read_settings
from encode_accession.run.state import Settings, State, Summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m encode_accession.accession")
    parser.add_argument("jobs", type=_stages, help=f"stages, comma-separated: {', '.join(JOBS)}")
    parser.add_argument("rundir", help="the run's receipts folder")
    parser.add_argument("step", nargs="?", help="the step's rule name (jobs `step`, `upload`)")
    parser.add_argument("--settings", help="the run's settings as JSON (job `plan`)")
    args = parser.parse_args(argv)
    rundir = Path(args.rundir)
    for job in args.jobs:
        done: list[State | dict] = []
        step = args.step if job in STEP_JOBS else None  # `preflight,step`: the step's own
        record = layout.failure_record(rundir, job, step)
        status = exit_status(job, partial(_run_into, done, job, rundir, step, args.settings),
                             lambda: _settings_for_message(rundir, args.settings), record)
        if status:
            return status
        result = done[0]
        doc = result.to_json() if isinstance(result, State) else result
        print(json.dumps({"job": job, **({"step": step} if step else {}),
                          **{k: doc[k] for k in ("@id", "created") if k in doc}}))
        if isinstance(result, Summary):
            from encode_accession.accession.summary import incomplete

            lost = incomplete(result)
            if lost:  # after the summary is written and printed
                line = f"encode-accession {job}: {lost}"
                print(line, file=sys.stderr)
                record.parent.mkdir(parents=True, exist_ok=True)
                record.write_text(line + "\n", encoding="utf-8")
                return 1
    return 0


def _run_into(done: list[State | dict], job: str, rundir: Path, step: str | None,
              settings: str | None) -> None:
    done.append(run_job(job, rundir, step, settings))


def _stages(value: str) -> list[str]:
    stages = value.split(",")
    unknown = [s for s in stages if s not in JOBS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage {', '.join(unknown)}; "
                                         f"choose from {', '.join(JOBS)}")
    return stages


def _settings_for_message(rundir: Path, given: str | None) -> dict[str, object]:
    """What a failure's message needs of the run's settings (server, debug), however far
    the run got."""
    try:
        settings: Settings = parse_settings(json.loads(given)) if given else \
            read_settings(rundir / layout.PLAN)
    except (InputError, ValueError):
        return {}
    return {"server": settings.server, "debug": settings.debug}


if __name__ == "__main__":
    status = main()
    gc.freeze()  # no final collection over every imported module's objects: ~0.3 s at exit
    sys.exit(status)
