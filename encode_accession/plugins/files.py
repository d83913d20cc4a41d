"""Which portal file an accession means now, and what the portal says of it.

The portal serves a replaced file the way encoded's `File.__name__` and `Item.unique_keys`
make it: the replaced file gives up its accession, which the file that replaced it lists in
`alternate_accessions`, so ``GET /ENCFF.../`` of a replaced accession answers with the
replacement (after a redirect to its own @id). A replaced file nobody claims is found by
search and followed through its `superseded_by`. Revoked and deleted files are refused;
files whose bytes never arrived (uploading, upload failed, content error) have nothing to
download. A file the key may not see (403: deleted files are for admins, unreleased ones for
their award's viewing group) is refused with the same one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import PortalForbidden

# ENCODE file accessions (ENCFF + 3 digits + 3 letters) and the local portal's (TSTFF + 6)
FILE_ACCESSION = re.compile(r"^(ENCFF[0-9]{3}[A-Z]{3}|TSTFF[0-9]{6})$")
REFUSED_STATUSES = frozenset({"revoked", "deleted"})
NO_CONTENT_STATUSES = frozenset({"uploading", "upload failed", "content error"})
_MAX_HOPS = 5  # replacements followed before giving up (a loop in superseded_by)


@dataclass(frozen=True)
class PortalFile:
    """The file behind a requested accession, as the portal describes it."""

    requested: str
    accession: str
    at_id: str
    href: str
    md5: str
    size: int
    status: str
    created: float  # date_created as POSIX seconds: the input's mtime for Snakemake
    dataset: str | None = None
    output_type: str | None = None
    file_format: str | None = None
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def file_name(self) -> str:
        """The download's name (the portal's ``<accession><extension>``)."""
        return PurePosixPath(self.href).name

    @property
    def replaced(self) -> bool:
        return self.requested != self.accession


def file_accession(query: str) -> str:
    """The accession a query names: ``ENCFF001AAA`` or ``encode://ENCFF001AAA``."""
    text = query.strip()
    text = text[len("encode://"):] if text.lower().startswith("encode://") else text
    accession = text.strip("/").upper()
    if not FILE_ACCESSION.match(accession):
        raise InputError(f"storage.encode({query!r})", "query", "is not an ENCODE file "
                         "accession", "give a file accession, e.g. ENCFF123ABC or "
                         "encode://ENCFF123ABC")
    return accession


def describe_file(portal: PortalClient, requested: str) -> PortalFile:
    """What ``requested`` means on the portal now; an InputError when it cannot be used."""
    obj = _get(portal, requested, requested)
    notices: list[str] = []
    if obj is None:
        obj = _replaced_without_claim(portal, requested)
    for _ in range(_MAX_HOPS):
        if obj.get("status") != "replaced":
            break
        obj = _successor(portal, requested, obj)
    if "File" not in obj.get("@type", ["File"]):
        raise _unusable(requested, portal, f"is a {obj['@type'][0]}, not a file",
                        "give the accession of a file (ENCFF...)")
    status = obj.get("status", "")
    if status == "replaced":
        raise _unusable(requested, portal, "was replaced, and its replacements were replaced "
                        f"more than {_MAX_HOPS} times", "name the current file")
    if obj.get("accession") != requested:
        notices.append(f"{requested} was replaced by {obj.get('accession')} on "
                       f"{portal.server}: using {obj.get('accession')}")
    if status in REFUSED_STATUSES:
        raise _unusable(requested, portal, f"is {status}" + (
            "" if obj.get("accession") == requested else f" (as {obj.get('accession')})"),
            "ENCODE withdrew this file; choose another one from its experiment")
    if status in NO_CONTENT_STATUSES or not obj.get("href") or not obj.get("md5sum"):
        raise _unusable(requested, portal, f"has no content to download (status {status!r})",
                        "wait until its upload is checked, or choose another file")
    return PortalFile(
        requested=requested, accession=obj["accession"], at_id=obj["@id"], href=obj["href"],
        md5=obj["md5sum"], size=int(obj.get("file_size") or 0), status=status,
        created=_timestamp(obj.get("date_created")), dataset=_ref(obj.get("dataset")),
        output_type=obj.get("output_type"), file_format=obj.get("file_format"),
        notices=tuple(notices))


def _replaced_without_claim(portal: PortalClient, requested: str) -> dict[str, Any]:
    """A replaced file whose accession no replacement claims: found by search only."""
    found = portal.search("File", [("accession", requested)], limit=1)
    if not found:
        raise _unusable(requested, portal, "is not on the portal",
                        "check the accession and the `server` setting (keys from "
                        "DCC_API_KEY/DCC_SECRET_KEY or the keyring for unreleased files)")
    return found[0]


def _successor(portal: PortalClient, requested: str, obj: dict[str, Any]) -> dict[str, Any]:
    """What replaced `obj`: its `superseded_by` (the portal lists only live ones)."""
    for ref in obj.get("superseded_by") or []:
        successor = _get(portal, requested, _ref(ref) or "")
        if successor is not None:
            return successor
    raise _unusable(requested, portal, "was replaced and the portal names no file that "
                    "replaced it", "choose the current file from its experiment")


def _get(portal: PortalClient, requested: str, identifier: str) -> dict[str, Any] | None:
    """The object, None if the portal has none; a 403 is the file's visibility, not the
    key's validity (a wrong key is 401 and stays a portal error)."""
    try:
        return portal.get(identifier)
    except PortalForbidden:
        raise _unusable(requested, portal, f"is not visible to {portal.caller}" + (
            "" if identifier == requested else f" (as {identifier})"),
            "the portal shows deleted files to admins only and unreleased ones to their "
            "award's viewing group: choose a released file, or set keys that may see it "
            "(DCC_API_KEY/DCC_SECRET_KEY or the keyring)") from None


def _unusable(requested: str, portal: PortalClient, problem: str, fix: str) -> InputError:
    return InputError(f"encode://{requested}", portal.server, problem, fix)


def _ref(value: Any) -> str | None:
    """A link as its @id (the object frame gives @ids; embedded frames give objects)."""
    if isinstance(value, dict):
        return value.get("@id")
    return value if isinstance(value, str) else None


def _timestamp(text: str | None) -> float:
    """ISO date or date-time (the portal's date_created) as POSIX seconds; 0 when absent."""
    if not text:
        return 0.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
