"""Receipts: the small JSON files each job writes about what it created or found.

They are the DAG's files, so they must never be half-written: a receipt is written to a
temporary file and renamed into place, and it never holds a secret (only portal ids, aliases,
checksums and statuses). Typed receipts (:mod:`encode_accession.run.state`) carry the format
version; one of another format, or of another run where this run's own is expected, stops
the job with one message naming the folder and the fix.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from encode_accession.core.errors import InputError
from encode_accession.run.layout import foreign_format, refuse_other_run
from encode_accession.run.state import FORMAT, Receipt, State

R = TypeVar("R", bound=State)


def write_receipt(path: str | Path, data: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_receipt(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def save(path: str | Path, receipt: State) -> None:
    """Write a typed receipt, with the format version."""
    write_receipt(path, {"format": FORMAT, **receipt.to_json()})


def load(path: str | Path, kind: type[R], rundir: Path) -> R:
    """Read a typed receipt of the run folder ``rundir``; another format stops here."""
    path = Path(path)
    data = read_receipt(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise foreign_format(path, data.get("format") if isinstance(data, dict) else None,
                             rundir)
    try:
        return kind.from_json({k: v for k, v in data.items() if k != "format"})
    except (KeyError, TypeError) as e:
        raise InputError(str(path), "", f"not a receipt encode-accession wrote ({e})",
                         f"delete it, or the receipts in {rundir}/, and run again") from None


def load_own(path: str | Path, kind: type[R], rundir: Path, workflow_id: str,
             server: str) -> R:
    """A receipt this run's jobs wrote (the preflight, a parent step, ...): one of another
    workflow or server means the folder holds another run."""
    receipt = load(path, kind, rundir)
    if isinstance(receipt, Receipt):
        refuse_other_run(rundir, receipt.workflow_id, receipt.server, workflow_id, server)
    return receipt


def load_existing(path: Path, kind: type[R], rundir: Path) -> R | None:
    """A receipt a job may resume from (a file's, an upload's), or None when there is none;
    the caller checks it is of the very file and run it would redo (``is_for``)."""
    return load(path, kind, rundir) if path.exists() else None
