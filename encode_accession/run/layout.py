"""Where a run's receipts live, for the rules and the jobs alike (one folder per run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PLAN = "plan.json"  # the checkpoint: settings and plan
CHECKSUMS = "checksums.json"  # md5 and size of every planned file and input
PREFLIGHT = "preflight.json"  # inputs, dataset, genome found on the portal
ANALYSIS = "analysis.json"
SUMMARY = "summary.json"


FAILED = "logs/failed"  # one file per failed job: its one-line message, read at the run's end
# Set by a caller that prints those messages itself (the `accession` command), so the
# Snakefile does not repeat them at exit.
FAILURES_SHOWN_BY_CALLER = "ENCODE_ACCESSION_FAILURES_SHOWN_BY_CALLER"


def failure_record(rundir: str | Path, job: str, step: str | None = None) -> Path:
    """Where a failed job of the run leaves its message for the end of the run."""
    return Path(rundir) / FAILED / f"{job}{'-' + step if step else ''}.txt"


def failures(rundir: str | Path) -> list[str]:
    """The messages of the run's failed jobs, oldest first."""
    records = sorted(Path(rundir, FAILED).glob("*.txt"), key=lambda p: p.stat().st_mtime)
    return [p.read_text(encoding="utf-8").rstrip("\n") for p in records]


def clear_failures(rundir: str | Path) -> None:
    """Before a new attempt: the messages of an earlier one are no longer news."""
    for record in Path(rundir, FAILED).glob("*.txt"):
        record.unlink(missing_ok=True)


def step_receipt(rundir: str | Path, rule: str) -> str:
    """One accessioning step's receipt: its step run, files, uploads and QC."""
    return f"{rundir}/steps/{rule}.json"


def check_results_server(settings: dict[str, dict[str, Any]]) -> None:
    """A receipts folder must be a folder, and answers for one server: stop when the config
    now names another."""
    for rundir, run in settings.items():
        blocking = next((p for p in (Path(rundir), *Path(rundir).parents)
                         if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise SystemExit(f"encode-accession: config: results: {rundir}: {blocking} is a "
                             "file, not a folder (fix: set `results:` to a folder path)")
        plan_file = Path(rundir) / PLAN
        if not plan_file.exists():
            continue
        try:
            before = json.loads(plan_file.read_text())["settings"]["server"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable: the plan job rewrites it
        if before != run["server"]:
            raise SystemExit(
                f"encode-accession: {rundir}/ holds a run accessioned to {before}, but the "
                f"config now names server {run['server']}.\n(fix: set `results:` to a new "
                f"folder for {run['server']}, or remove {rundir}/ to start over)")
