"""Where a run's receipts live, for the rules and the jobs alike (one folder per run), and
the check that a folder holds no other run.

A folder answers for one run: one workflow, posted to one server, in one receipt format.
Asking it for another stops with one message naming the folder and the fix, before anything
is posted: reused, another run's receipts would stand for this run's objects (its uploads
were skipped as done).
"""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.run.state import FORMAT

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


def step_uploads(rundir: str | Path, rule: str) -> str:
    """One accessioning step's upload receipt: its files' bytes all sent."""
    return f"{rundir}/uploads/steps/{rule}.json"


def file_receipt(rundir: Path, rule: str, file_id: str) -> Path:
    """One planned file's receipt, written as soon as it is posted."""
    return rundir / "files" / rule / f"{file_id}.json"


def upload_receipt(rundir: Path, file_id: str) -> Path:
    """One planned file's upload receipt, written once its bytes are sent."""
    return rundir / "uploads" / f"{file_id}.json"


def upload_journal(rundir: Path, file_id: str) -> Path:
    """One planned file's multipart upload under way: its parts sent so far."""
    return rundir / "uploads" / f"{file_id}.parts.json"


def check_results_server(settings: dict[str, dict[str, Any]]) -> None:
    """A receipts folder must be a folder, and answers for one server: stop when the config
    now names another (at parse time, before any job; the plan job checks the workflow)."""
    for rundir, run in settings.items():
        blocking = next((p for p in (Path(rundir), *Path(rundir).parents)
                         if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise SystemExit(f"encode-accession: config: results: {rundir}: {blocking} is a "
                             "file, not a folder (fix: set `results:` to a folder path)")
        recorded = recorded_run(Path(rundir))
        before = recorded and _server(recorded[1])
        if before and before != run["server"]:
            error = foreign_run(rundir, "accessioned to", before, "server", run["server"])
            raise SystemExit(f"encode-accession: {error.message}")


def check_results_owner(rundir: Path, workflow_id: str, server: str) -> None:
    """Refuse a folder holding receipts of another workflow, server or receipt format
    (raises :class:`InputError`); an empty or new folder passes."""
    recorded = recorded_run(rundir)
    if recorded is None:
        return
    path, doc = recorded
    if doc.get("format") != FORMAT:
        raise foreign_format(path, doc.get("format"), rundir)
    refuse_other_run(rundir, doc.get("workflow_id"), _server(doc), workflow_id, server)


def refuse_other_run(rundir: Path, recorded_workflow: Any, recorded_server: Any,
                     workflow_id: str, server: str) -> None:
    """Raise when what a receipt of ``rundir`` records is not this run (workflow, server)."""
    if recorded_workflow != workflow_id:
        raise foreign_run(rundir, "of workflow", recorded_workflow, "workflow", workflow_id)
    if recorded_server != server:
        raise foreign_run(rundir, "accessioned to", recorded_server, "server", server)


def recorded_run(rundir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The first readable receipt of the folder (its plan file, else any other), as JSON:
    what it says of the run the folder holds."""
    candidates = chain((rundir / name for name in (PLAN, PREFLIGHT, CHECKSUMS, ANALYSIS,
                                                   SUMMARY)),
                       rundir.glob("steps/*.json"), rundir.glob("files/*/*.json"),
                       rundir.glob("uploads/*.json"), rundir.glob("uploads/steps/*.json"))
    for path in candidates:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # absent or unreadable: the job that writes it rewrites it
        if isinstance(doc, dict):
            return path, doc
    return None


def _server(doc: dict[str, Any]) -> Any:
    """The server a receipt records (plan files of format 2 had it in their settings only)."""
    return doc.get("server") or (doc.get("settings") or {}).get("server")


def foreign_run(rundir: str | Path, relation: str, before: Any, what: str, now: str
                ) -> InputError:
    return InputError(
        f"{rundir}/", "", f"holds a run {relation} {before}, but the config now names "
        f"{what} {now}",
        f"set `results:` to a new folder for this run, or remove {rundir}/ to start over")


def foreign_format(path: Path, found: Any, rundir: Path) -> InputError:
    return InputError(
        str(path), "format", f"a receipt of format {found}, not {FORMAT} (written by another "
        "version of encode-accession)",
        f"delete the receipts in {rundir}/ (objects already posted are found again by alias, "
        "not duplicated), or set `results:` to a new folder")
