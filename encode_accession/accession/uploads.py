"""The upload job of one step: its files' bytes, sent while the steps derived from them run.

A step's job ends once its files are posted: the steps derived from them need only their
@ids. Their bytes go in this job, one per step, beside those child steps; the summary waits
for every upload job. Several files upload at once (the run's concurrency), each multipart
upload several parts at once (:mod:`encode_accession.accession.upload`); the job's log
ends with the bytes and rate of the step, large files with their own.

The credentials are the POST's answer's when the upload runs in the process that posted the
file (a batch's step job, the sink step's: ``Run.upload_credentials``, in memory only);
otherwise they are asked for here (the step job never writes a secret down): one
``GET @@upload`` per file still uploading. Fresh ones are asked for only when those are
missing or expire within RENEW_BEFORE. Every upload gets its receipt when its
bytes are sent (``uploads/<id>.json``), and a multipart upload its journal while they are:
a job that dies half-way resumes from them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from encode_accession.accession.context import Run
from encode_accession.accession.journal import Journal
from encode_accession.accession.upload import Planned, upload
from encode_accession.core.errors import InputError
from encode_accession.portal.errors import PortalAuthError
from encode_accession.run.layout import upload_journal, upload_receipt
from encode_accession.run.receipts import load_existing, save
from encode_accession.run.state import FileReceipt, StepReceipt, StepUploads, UploadReceipt
from encode_accession.storage.progress import Progress

NEEDS_UPLOAD = {"uploading", "upload failed"}
# credentials closer than this to their expiry are renewed first (a large upload takes long)
RENEW_BEFORE = timedelta(hours=1)


def upload_step(run: Run, step: StepReceipt) -> StepUploads:
    """Send the bytes of the step's files (a possible duplicate's once, as its original)."""
    files = [f for f in step.files if f.duplicate_of is None]
    progress = Progress("upload", f"step {step.step}", sum(f.file_size for f in files))
    with ThreadPoolExecutor(max_workers=run.concurrency, thread_name_prefix="upload") as pool:
        receipts = tuple(pool.map(lambda f: upload_file(run, f, progress), files))
    progress.finish(always=True)
    return StepUploads(run.workflow_id, run.server, step=step.step, uploads=receipts)


def upload_file(run: Run, receipt: FileReceipt, progress: Progress) -> UploadReceipt:
    """Send the bytes when the portal still waits for them (an interrupted upload resumes).
    An upload receipt is reused only when it is of these bytes sent to this very portal file
    by this run. The portal's own check of them (checkfiles) runs when they are complete; the
    run's final verify stage reads it. A file the portal already judged wrong before this run
    uploaded it stops the job with the fix: skipping it would lose it silently."""
    path = upload_receipt(run.rundir, receipt.id)
    earlier = load_existing(path, UploadReceipt, run.rundir)
    if earlier is not None and earlier.is_for(receipt):
        return replace(earlier, uploaded=False)
    credentials = _credentials(run, receipt)
    if credentials:
        # the portal's own S3 endpoint shares its TLS certificate
        own = credentials.get("endpoint_url", "").startswith(run.portal.server)
        journal = Journal(upload_journal(run.rundir, receipt.id), run.rundir,
                          workflow_id=run.workflow_id, server=run.server, file_id=receipt.id,
                          portal_id=receipt.portal_id)
        upload(run.storage, receipt.uri, Planned(receipt.md5sum, receipt.file_size),
               credentials, journal=journal, verify=run.portal.verify if own else None,
               progress=progress)
    result = UploadReceipt(run.workflow_id, run.server, id=receipt.id,
                           portal_id=receipt.portal_id, md5sum=receipt.md5sum,
                           file_size=receipt.file_size, uploaded=bool(credentials))
    save(path, result)
    return result


def _credentials(run: Run, receipt: FileReceipt) -> dict[str, Any] | None:
    """The file's upload credentials, None when the portal no longer waits for its bytes.
    A file this step attempt created is ``uploading``; one found on the portal, or posted by
    an earlier attempt, is looked at first."""
    current = None if receipt.created else run.portal.get(receipt.portal_id, database=True)
    status = receipt.status if current is None else current.get("status")
    if status == "content error":
        raise InputError(receipt.uri, receipt.portal_id, "the portal judged bytes uploaded for "
                         "it by an earlier, unfinished attempt wrong ("
                         f"{(current or {}).get('content_error_detail') or 'content error'})",
                         "have the DCC (or a local portal's admin) set the file's status to "
                         "'upload failed', then run again: the upload is redone")
    if status not in NEEDS_UPLOAD:
        return None
    credentials = run.upload_credentials.pop(receipt.portal_id, None) or \
        run.portal.get_upload_credentials(receipt.portal_id)
    if credentials and credentials.get("access_key") and not _expiring(credentials):
        return credentials
    try:
        return run.portal.regenerate_upload_credentials(receipt.portal_id)
    except PortalAuthError:
        # refused when an earlier attempt's upload already moved the file on
        current = run.portal.get(receipt.portal_id, database=True) or {}
        if current.get("status") in NEEDS_UPLOAD:
            raise
        return None


def _expiring(credentials: dict[str, Any]) -> bool:
    """Whether the credentials expire within RENEW_BEFORE (unknown: as good as expired)."""
    try:
        left = datetime.fromisoformat(credentials["expiration"]) - datetime.now(UTC)
    except (KeyError, TypeError, ValueError):
        return True
    return left < RENEW_BEFORE
