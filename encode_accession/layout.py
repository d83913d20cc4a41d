"""Where a run's receipts live, for the rules and the jobs alike (one folder per run)."""

from __future__ import annotations

from pathlib import Path

PLAN = "plan.json"  # the checkpoint: settings and plan
CHECKSUMS = "checksums.json"  # md5 and size of every planned file and input
PREFLIGHT = "preflight.json"  # inputs, dataset, genome found on the portal
ANALYSIS = "analysis.json"
SUMMARY = "summary.json"


def step_receipt(rundir: str | Path, rule: str) -> str:
    """One accessioning step's receipt: its step run, files, uploads and QC."""
    return f"{rundir}/steps/{rule}.json"
