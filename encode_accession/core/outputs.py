"""Opening an output the user named (`--output`), with one clear message when the OS
refuses it: the path, why, and what to do, instead of an OSError traceback."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import TextIO

from encode_accession.core.errors import InputError

_FIX = "choose a path in a folder you can write to, e.g. --output ./out"


def output_error(path: Path, exc: OSError) -> InputError:
    """The InputError for an OSError met while creating `path` (a file or a folder)."""
    reasons = {
        errno.EACCES: "permission denied", errno.EPERM: "permission denied",
        errno.EISDIR: "is a directory", errno.ENOTDIR: "a parent of it is a file, not a folder",
        errno.EROFS: "the file system is read-only", errno.ENOSPC: "no space left",
        errno.ENAMETOOLONG: "the name is too long", errno.EEXIST: "a file is in the way",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    fix = "give a file name, not a folder" if exc.errno == errno.EISDIR else _FIX
    return InputError(str(path), "--output", f"cannot write here: {reason}", fix)


def open_text_output(path: Path) -> TextIO:
    """`path` opened for writing text (parent folders created), or an InputError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise output_error(path, exc) from None


def make_output_dir(path: Path) -> Path:
    """`path` created as a folder (with parents), or an InputError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(path, exc) from None
    return path
