"""The portal's own check of uploaded files, read back once every file is posted.

On the real portal checkfiles runs asynchronously, minutes after an upload, so no job waits
for it per file. This stage waits a bounded time for all of a run's files together, reading
their status in batches (one search per 50 files per round, only for files still pending),
and reports what is still being checked; ``encode-accession verify`` re-checks later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from encode_accession.portal.client import PortalClient
from encode_accession.run.layout import PLAN
from encode_accession.run.planfile import read_settings
from encode_accession.run.receipts import load
from encode_accession.run.state import FileReceipt, Verdict, Verification

PENDING = {"uploading"}
FAILED = {"content error", "upload failed"}
BATCH = 50
FIELDS = ["accession", "status", "md5sum", "file_size", "content_error_detail"]


def verify_files(portal: PortalClient, files: Sequence[FileReceipt], *, timeout: float,
                 sleep: Callable[[float], None] = time.sleep) -> Verification:
    """Check each posted file: ``verified`` (checked, md5 and size as posted), ``pending``
    (still being checked at the deadline) or ``failed`` (content error, the portal recorded
    another md5 or size, or it gave the file no accession to check it by)."""
    deadline = time.monotonic() + timeout
    pending = {f.accession: f for f in files if f.accession}
    verdicts = {f.portal_id: Verdict("failed", f.status, "the portal gave it no accession")
                for f in files if not f.accession}
    wait = 1.0
    while True:
        accessions = list(pending)
        for i in range(0, len(accessions), BATCH):
            batch = accessions[i:i + BATCH]
            for obj in portal.search("File", {"accession": batch}, fields=FIELDS):
                receipt = pending.get(str(obj.get("accession")))
                if receipt is None or obj.get("status") in PENDING:
                    continue
                verdicts[receipt.portal_id] = verdict(receipt, obj)
                del pending[obj["accession"]]
        if not pending or time.monotonic() + wait > deadline:
            break
        sleep(wait)
        wait = min(wait * 2, 15.0)
    for receipt in pending.values():
        verdicts[receipt.portal_id] = Verdict("pending", "uploading")
    return Verification(verdicts, *(tuple(sorted(i for i, v in verdicts.items()
                                                 if v.state == state))
                                    for state in ("verified", "pending", "failed")))


def verdict(receipt: FileReceipt, obj: dict[str, Any]) -> Verdict:
    """The portal's checked file against what the run posted (pure)."""
    status = obj.get("status")
    if status in FAILED:
        return Verdict("failed", status, obj.get("content_error_detail") or status)
    if obj.get("md5sum") != receipt.md5sum or \
            obj.get("file_size") not in (None, receipt.file_size):
        return Verdict("failed", status,
                       f"the portal has md5 {obj.get('md5sum')} and size "
                       f"{obj.get('file_size')}; {receipt.uri} has {receipt.md5sum} "
                       f"and {receipt.file_size}")
    return Verdict("verified", status)


def format_verification(result: Verification) -> str:
    lines = [f"{len(result.verified)} file(s) verified by the portal, "
             f"{len(result.pending)} still being checked, {len(result.failed)} failed."]
    for file_id in result.failed:
        lines.append(f"  FAILED  {file_id}: {result.files[file_id].detail}")
    if result.pending:
        lines.append("  still being checked: " + ", ".join(result.pending))
        lines.append("  (re-check later: encode-accession verify RESULTS_FOLDER)")
    return "\n".join(lines)


def verify_run(results: str | Path, *, timeout: float) -> Verification:
    """Re-check every file a finished (or partly finished) run posted, from its receipts."""
    folder = Path(results)
    s = read_settings(folder / PLAN)
    files = [load(p, FileReceipt, folder) for p in sorted(folder.glob("files/*/*.json"))]
    portal = PortalClient(s.server, ca_bundle=s.ca_bundle, rate_limit=s.rate_limit)
    return verify_files(portal, files, timeout=timeout)


def recorded_database(results: str | Path) -> str | None:
    """The tracker database a run's config named (None: the default one)."""
    return read_settings(Path(results) / PLAN).tracker_db
