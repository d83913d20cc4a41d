"""What a source or target names: an ENCODE accession, a local path, or a remote URI.

Everything is compared exactly once normalised: accessions upper-cased (ENCFF001AAA never
matches ENCFF001AAAB), local paths made absolute and resolved (/a/b.txt never matches
/a/b.txt.gz, and ./b.txt matches /a/b.txt only when it is that file).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from encode_accession.core.accessions import is_accession

# A portal @id (/files/ENCFF001AAA/: the trailing slash tells it from a local path) or URL.
_PORTAL_REF = re.compile(r"^(?:https?://[^/]+/(?:[a-z0-9-]+/)?([A-Za-z0-9]+)/?"
                         r"|/(?:[a-z0-9-]+/)?([A-Za-z0-9]+)/)$")


def accession_of(text: str) -> str | None:
    """The accession `text` names (bare, as a portal @id or as a portal URL), else None:
    any ENCODE object (files ENCFF, experiments ENCSR, ...) and the local portal's TST ones,
    of a kind the portal mints (core.accessions)."""
    candidate = text.strip()
    match = _PORTAL_REF.match(candidate)
    if match:
        candidate = match.group(1) or match.group(2)
    candidate = candidate.upper()
    return candidate if is_accession(candidate) else None


_PORTAL_PATH = re.compile(r"^(?:https?://[^/]+)?(/[a-z0-9-]+/[^/\s]+/)$")


def portal_path(text: str) -> str | None:
    """The @id `text` names when it is a portal path (`/files/<uuid>/`, or its URL), whatever
    the name in it; None otherwise."""
    match = _PORTAL_PATH.match(text.strip())
    return match.group(1) if match else None


def canonical_path(path: str | Path) -> str:
    """Absolute, symlinks resolved, `~` expanded: the one spelling a local file is stored by."""
    return str(Path(path).expanduser().resolve())


def is_remote(location: str) -> bool:
    """True for URIs such as gs://, s3://, https:// (not re-hashed; file:// is local)."""
    scheme = urlsplit(location).scheme
    return len(scheme) > 1 and scheme != "file"


def canonical_location(location: str) -> str:
    """A pipeline file's location: remote URIs unchanged, local paths canonical."""
    if is_remote(location):
        return location
    if location.startswith("file://"):
        location = urlsplit(location).path
    return canonical_path(location)


def location_uri(location: str) -> str:
    """A stored location as an absolute URI (file:///... for local paths), for reports."""
    return location if is_remote(location) else Path(location).as_uri()


def slug(text: str) -> str:
    """`text` reduced to letters, digits, dots and dashes, for readable deterministic ids."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "x"
