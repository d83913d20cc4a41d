"""The table a batch of runs ends with: one line per run, what it accessioned or where it
stopped (read from each run's receipts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from encode_accession.run import layout
from encode_accession.run.receipts import load
from encode_accession.run.state import Summary


def batch_table(runs: dict[str, dict[str, Any]]) -> str:
    """One line per run of a batch: what it accessioned, or where it stopped."""
    stages = [(layout.SUMMARY, "accessioned"), (layout.ANALYSIS, "stopped before its summary"),
              (layout.PREFLIGHT, "stopped in its steps"),
              (layout.CHECKSUMS, "stopped in preflight"),
              (layout.PLAN, "stopped in checksums or preflight")]
    lines = ["Runs:"]
    for rundir, run in runs.items():
        state = "stopped in planning"
        for name, what in stages:
            if (Path(rundir) / name).exists():
                state = what
                break
        if state == "accessioned":
            done = load(Path(rundir) / layout.SUMMARY, Summary, Path(rundir))
            state += (f" to {done.dataset}: {done.created} created, {done.found} "
                      f"found, {len(done.verification.pending)} still being checked")
        else:
            state += f" (see {rundir}/logs/)"
        lines.append(f"  {run['name']:<24} {state}")
    return "\n".join(lines)
