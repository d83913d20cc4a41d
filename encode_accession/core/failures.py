"""The one-line message a user sees for every failure class the project knows.

Jobs and the command line call :func:`describe` on any exception; a message means "print it
and exit non-zero", None means an unexpected bug: its traceback goes to the job's log (the
command line shows it with ``--debug``) and the last line says so (:func:`internal_error`). Messages
name the file, key or server and the fix; secrets never appear (portal errors carry only
the access key id). ``--debug``, ``debug: true`` or ENCODE_ACCESSION_DEBUG=1 keep the stack.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.portal.errors import PortalError, PortalUnavailable

DEBUG_ENV = "ENCODE_ACCESSION_DEBUG"
RESUME = ("nothing is lost: run the same command again when it is back, and the run resumes "
          "where it stopped (objects already posted are found, not duplicated)")


def describe(exc: BaseException, *, server: str | None = None) -> str | None:
    """The message for a known failure of a run against ``server``; None for anything else."""
    portal = f"the portal {server}" if server else "the portal"
    if isinstance(exc, InputError):
        return exc.message
    if isinstance(exc, PortalUnavailable):
        if exc.status is None:  # no HTTP answer at all
            return (f"cannot reach {portal} ({exc}); check the `server` setting and the "
                    f"network; {RESUME}")
        return f"{portal} is unavailable ({exc}); {RESUME}"
    if isinstance(exc, PortalError):  # auth, validation, TLS, conflicts: their text says why
        return str(exc)
    cloud = _cloud_failure(exc)  # before OSError: requests' errors are OSErrors too
    if cloud:
        return cloud
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else "a file"
        return (f"{where}: {exc.strerror or exc} (fix: check the path, that its folder exists "
                "and is writable, and the free disk space)")
    if isinstance(exc, sqlite3.Error):
        return (f"SQLite database: {exc} (fix: check the tracker_db path and that its "
                "folder is writable)")
    return None


def _cloud_failure(exc: BaseException) -> str | None:
    """S3 (botocore) and Google Cloud errors met outside the storage layer (which names the
    URI itself), e.g. while uploading to the portal's bucket. Their modules are looked at
    only if already imported: a local run loads neither."""
    if "botocore" in sys.modules:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            bucket = f" (bucket {error['BucketName']})" if error.get("BucketName") else ""
            return (f"S3 {exc.operation_name}: {error.get('Code', '?')}: "
                    f"{error.get('Message', '')}{bucket} (fix: check the bucket, the "
                    "s3_endpoint_url setting and the AWS credentials, then run the same "
                    "command again: objects already posted are found, not duplicated)")
        if isinstance(exc, BotoCoreError):
            return (f"S3: {exc} (fix: check the network and the s3_endpoint_url setting; "
                    f"{RESUME})")
    if "google.api_core" in sys.modules:
        from google.api_core.exceptions import GoogleAPIError

        if isinstance(exc, GoogleAPIError):
            return f"Google Cloud: {exc} (fix: check the network and the credentials; {RESUME})"
    return None


def wants_traceback(config: Mapping[str, Any] | None = None) -> bool:
    """The stack is shown for `debug: true` in the config or ENCODE_ACCESSION_DEBUG=1."""
    if os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes"):
        return True
    return bool(config and config.get("debug"))


def internal_error(exc: BaseException, traceback_at: str) -> str:
    """The one line for a bug: the exception, where its traceback is, and to report it."""
    lines = str(exc).strip().splitlines()
    detail = f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__
    return f"internal error {detail} ({traceback_at}; please report it)"


def exit_status(job: str, work: Callable[[], object],
                settings: Callable[[], Mapping[str, Any]] = dict,
                record: Path | None = None) -> int:
    """Run one workflow job's ``work`` the way every rule's job ends: 0 when it worked; a
    known failure (:func:`describe`) one line on stderr naming the culprit and the fix, and
    status 1; anything else (a bug) its traceback into the job's log, then the one line
    :func:`internal_error` last, and status 1. ``settings`` (read only on failure) name the
    server and may ask for the traceback to be raised as it is (``debug``). A failure's line
    is also kept in ``record``, so the end of the run can repeat it last
    (``run.layout.failures``)."""
    try:
        work()
    except Exception as exc:
        known = settings()
        if wants_traceback(known):
            raise
        message = describe(exc, server=known.get("server"))
        if message is None:
            traceback.print_exc()
            message = internal_error(exc, "the traceback is in the log above")
        line = f"encode-accession {job}: {message}"
        print(line, file=sys.stderr)
        if record is not None:
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(line + "\n", encoding="utf-8")
        return 1
    if record is not None:
        record.unlink(missing_ok=True)
    return 0
