"""The portal's own check of uploaded files, read back once every file is posted.

On the real portal checkfiles runs asynchronously, minutes after an upload, so no job waits
for it per file. This stage waits a bounded time for all of a run's files together, reading
their status in batches (one search per 50 files per round, only for files still pending),
and reports what is still being checked; ``encode-accession verify`` re-checks later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.portal.client import PortalClient
from encode_accession.run import layout

PENDING = {"uploading"}
FAILED = {"content error", "upload failed"}
BATCH = 50
FIELDS = ["accession", "status", "md5sum", "file_size", "content_error_detail"]


def verify_files(portal: PortalClient, files: list[dict[str, Any]], *, timeout: float,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Check each posted file (receipts with ``accession``, ``md5sum``, ``file_size``):
    ``verified`` (checked, md5 and size as posted), ``pending`` (still being checked at the
    deadline) or ``failed`` (content error, or the portal recorded another md5 or size)."""
    deadline = time.monotonic() + timeout
    pending = {f["accession"]: f for f in files if f.get("accession")}
    verdicts: dict[str, dict[str, Any]] = {}
    wait = 1.0
    while True:
        accessions = list(pending)
        for i in range(0, len(accessions), BATCH):
            batch = accessions[i:i + BATCH]
            for obj in portal.search("File", {"accession": batch}, fields=FIELDS):
                receipt = pending.get(obj.get("accession"))
                if receipt is None or obj.get("status") in PENDING:
                    continue
                verdicts[receipt["@id"]] = _verdict(receipt, obj)
                del pending[obj["accession"]]
        if not pending or time.monotonic() + wait > deadline:
            break
        sleep(wait)
        wait = min(wait * 2, 15.0)
    for receipt in pending.values():
        verdicts[receipt["@id"]] = {"state": "pending", "status": "uploading"}
    return {"files": verdicts,
            **{state: sorted(i for i, v in verdicts.items() if v["state"] == state)
               for state in ("verified", "pending", "failed")}}


def _verdict(receipt: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status")
    if status in FAILED:
        return {"state": "failed", "status": status,
                "detail": obj.get("content_error_detail") or status}
    if obj.get("md5sum") != receipt["md5sum"] or \
            obj.get("file_size") not in (None, receipt["file_size"]):
        return {"state": "failed", "status": status,
                "detail": f"the portal has md5 {obj.get('md5sum')} and size "
                          f"{obj.get('file_size')}; {receipt['uri']} has {receipt['md5sum']} "
                          f"and {receipt['file_size']}"}
    return {"state": "verified", "status": status}


def format_verification(result: dict[str, Any]) -> str:
    lines = [f"{len(result['verified'])} file(s) verified by the portal, "
             f"{len(result['pending'])} still being checked, {len(result['failed'])} failed."]
    for file_id in result["failed"]:
        lines.append(f"  FAILED  {file_id}: {result['files'][file_id]['detail']}")
    if result["pending"]:
        lines.append("  still being checked: " + ", ".join(result["pending"]))
        lines.append("  (re-check later: encode-accession verify RESULTS_FOLDER)")
    return "\n".join(lines)


def verify_run(results: str | Path, *, timeout: float) -> dict[str, Any]:
    """Re-check every file a finished (or partly finished) run posted, from its receipts."""
    settings = _settings(results)
    files = [json.loads(p.read_text()) for p in sorted(Path(results).glob("files/*/*.json"))]
    return verify_files(PortalClient(settings["server"]), files, timeout=timeout)


def recorded_database(results: str | Path) -> str | None:
    """The tracker database a run's config named (None: the default one)."""
    return _settings(results).get("tracker_db")


def _settings(results: str | Path) -> dict[str, Any]:
    plan = Path(results) / layout.PLAN
    try:
        return json.loads(plan.read_text())["settings"]
    except (OSError, ValueError, KeyError) as e:
        raise InputError(plan, "", f"not a run's plan ({e.__class__.__name__})",
                         "give the results folder of an accessioning run (it has plan.json)"
                         ) from None
