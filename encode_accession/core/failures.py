"""The one-line message a user sees for every failure class the project knows.

Jobs and the command line call :func:`describe` on any exception; a message means "print it
and exit non-zero", None means an unexpected bug whose traceback must stay visible. Messages
name the file, key or server and the fix; secrets never appear (portal errors carry only
the access key id). ``--debug``, ``debug: true`` or ENCODE_ACCESSION_DEBUG=1 keep the stack.
"""

from __future__ import annotations

import os
import sqlite3
import sys
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
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else "a file"
        return (f"{where}: {exc.strerror or exc} (fix: check the path, that its folder exists "
                "and is writable, and the free disk space)")
    if isinstance(exc, sqlite3.Error):
        return (f"SQLite database: {exc} (fix: check the tracker_db path and that its "
                "folder is writable)")
    return None


def wants_traceback(config: Mapping[str, Any] | None = None) -> bool:
    """The stack is shown for `debug: true` in the config or ENCODE_ACCESSION_DEBUG=1."""
    if os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes"):
        return True
    return bool(config and config.get("debug"))


def exit_status(job: str, work: Callable[[], object],
                settings: Callable[[], Mapping[str, Any]] = dict,
                record: Path | None = None) -> int:
    """Run one workflow job's ``work`` the way every rule's job ends: 0 when it worked; a
    known failure (:func:`describe`) one line on stderr naming the culprit and the fix, and
    status 1; anything else its traceback (a bug). ``settings`` (read only on failure) name
    the server and may ask for the traceback (``debug``). A failure's line is also kept in
    ``record``, so the end of the run can repeat it last (``run.layout.failures``)."""
    try:
        work()
    except Exception as exc:
        known = settings()
        message = describe(exc, server=known.get("server"))
        if message is None or wants_traceback(known):
            raise
        line = f"encode-accession {job}: {message}"
        print(line, file=sys.stderr)
        if record is not None:
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(line + "\n", encoding="utf-8")
        return 1
    if record is not None:
        record.unlink(missing_ok=True)
    return 0
