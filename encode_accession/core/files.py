"""Refusing paths whose bytes are not a file's: a named pipe blocks the reader until some
writer comes (the checksums job waited for ever), a link to /dev/zero never ends, a socket
cannot be opened. Checked with one stat before anything opens or reads the path."""

from __future__ import annotations

import os
import stat

from encode_accession.core.errors import InputError

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def irregular_kind(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is when it is neither a regular file nor a folder (folders and missing
    paths have their own messages, from the open that follows), e.g. ``a character device
    (the link leads to /dev/zero)``; None otherwise."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    if os.path.islink(path):
        kind += f" (the link leads to {os.path.realpath(path)})"
    return kind


def refuse_irregular(path: str | os.PathLike[str], source: str | None = None,
                     what: str = "file") -> None:
    """An InputError naming ``source`` (default: the path) unless ``path`` is a regular file
    (or a folder, or missing: left to the caller's open)."""
    kind = irregular_kind(path)
    if kind is not None:
        raise InputError(source or os.fspath(path), "", f"is {kind}, not a regular {what}",
                         f"point to the {what} itself: a pipe, device or socket has no fixed "
                         "bytes to hash or upload")
