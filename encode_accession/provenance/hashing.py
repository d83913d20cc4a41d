"""Checksums of local files: sha256 and md5 in one read, size and modification time.

Both digests are kept because they answer different questions: sha256 is the identity a
reviewer can trust, md5 is what the ENCODE portal records (`md5sum`), so a local file can be
matched to a portal file. Files are read once, in 1 MiB chunks, whatever their size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class Digest:
    """What a file's content was when it was read."""

    sha256: str
    md5: str
    size: int
    mtime_ns: int


def digest(path: str | Path) -> Digest:
    """Read `path` once and return both checksums, its size and modification time."""
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        stat = Path(path).stat()
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            md5.update(chunk)
    return Digest(sha256.hexdigest(), md5.hexdigest(), stat.st_size, stat.st_mtime_ns)
