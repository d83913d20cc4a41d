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
