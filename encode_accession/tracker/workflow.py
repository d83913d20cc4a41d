"""The tracker's Snakemake glue: reading config `track:` at parse time, and the tracking
rule's job (``python -m encode_accession.tracker``, see ``__main__``).

Entries are checked when the Snakefile is parsed, so a typo (a file accession, a `note:`
key, a duplicate) stops the run with a message naming the entry, instead of a "missing
rule" error about a receipt path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError, InputErrors
from encode_accession.database.sqlite import connect, default_db_path
from encode_accession.portal.client import PortalClient
from encode_accession.run.receipts import write_receipt
from encode_accession.tracker.identifiers import experiment_accession
from encode_accession.tracker.service import TrackResult, track

_ENTRY_KEYS = {"accession", "notes"}


def track_entries(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Config `track:` as {accession: {"accession", "notes"}}, accessions normalised."""
    entries: dict[str, dict[str, Any]] = {}
    errors: list[InputError] = []
    for index, entry in enumerate(config.get("track") or []):
        where = f"track[{index}]"
        if not isinstance(entry, Mapping) or "accession" not in entry:
            errors.append(InputError("config", where, "needs an accession",
                                     "write {accession: ENCSR..., notes: ...}"))
            continue
        unknown = sorted(set(entry) - _ENTRY_KEYS)
        if unknown:
            errors.append(InputError("config", where, f"unknown key(s) {', '.join(unknown)}",
                                     "use accession and notes"))
            continue
        notes = entry.get("notes")
        if notes is not None and not isinstance(notes, str):
            errors.append(InputError("config", f"{where}.notes", "is not text",
                                     "quote the notes"))
            continue
        try:
            accession = experiment_accession(str(entry["accession"]))
        except InputError as exc:
            errors.append(InputError("config", f"{where}.accession", exc.message))
            continue
        if accession in entries:
            errors.append(InputError("config", where, f"{accession} is listed twice",
                                     "list each experiment once"))
            continue
        entries[accession] = {"accession": accession, "notes": notes}
    if errors:
        raise InputErrors(errors)
    return entries


def track_to_receipt(accession: str, receipt: str | Path, *, notes: str | None = None,
                     db: str | Path | None = None, server: str = "prod") -> TrackResult:
    """What the Snakemake tracking rule runs: track one experiment, then write the job's
    receipt (only after the database commit, so a receipt always means "stored")."""
    db_path = Path(db).expanduser() if db else default_db_path()
    conn = connect(db_path)
    try:
        result = track(conn, PortalClient(server), accession, notes)
    finally:
        conn.close()
    write_receipt(receipt, {**result.as_dict(), "server": server, "db": str(db_path)})
    return result


def job_arguments(entry: Mapping[str, Any], receipt: str, config: Mapping[str, Any]) -> list[str]:
    """The tracking job's command-line arguments for one `track:` entry (the rule quotes them)."""
    args = [entry["accession"], receipt, "--server", str(config.get("server") or "prod")]
    if entry.get("notes") is not None:
        args += ["--notes", entry["notes"]]
    if config.get("tracker_db"):
        args += ["--db", str(config["tracker_db"])]
    return args

