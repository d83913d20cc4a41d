"""Attachments posted as `data:` URIs: the portal's four checks, then the blob is kept aside.

The checks run in the real portal's order (extension vs MIME type, content sniffing, allowed
types, md5), with its messages, so a submitter's mistakes surface here first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

_MIME = mimetypes.MimeTypes()  # built-in table only: the same answer on every machine
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF", "application/pdf"),
    (b"GIF8", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


class AttachmentError(ValueError):
    """One failed check; the message is the portal's own wording."""


@dataclass(frozen=True)
class Blob:
    mime: str
    data: bytes


def _decode_data_uri(href: str) -> tuple[str, bytes]:
    if not href.startswith("data:") or "," not in href:
        raise AttachmentError("Expected data URI.")
    header, _, payload = href[5:].partition(",")
    mime, _, params = header.partition(";")
    try:
        data = base64.b64decode(payload, validate=True) if params.endswith("base64") \
            else unquote_to_bytes(payload)
    except binascii.Error as exc:
        raise AttachmentError(f"Invalid base64 in data URI: {exc}") from None
    return mime or "text/plain", data


def sniff(data: bytes) -> str:
    """What the bytes look like, standing in for libmagic."""
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if b"\x00" in data:
        return "application/octet-stream"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def _content_matches(mime: str, data: bytes) -> bool:
    if mime == "application/json":
        try:
            json.loads(data)
        except ValueError:
            return False
        return True
    detected = sniff(data)
    if mime.startswith("text/"):
        return detected == "text/plain"
    known = {signature_mime for _, signature_mime in _SIGNATURES}
    return detected == mime if mime in known else True  # beyond what this sniffer can tell


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def ingest(prop: str, value: dict[str, Any], allowed: list[str]) -> tuple[dict[str, Any], Blob]:
    """Check a submitted attachment and return (stored attachment properties, blob)."""
    download = value.get("download")
    if not download:
        raise AttachmentError("'download' is a required property")
    mime, data = _decode_data_uri(value.get("href", ""))
    if _MIME.guess_type(download)[0] != mime:
        raise AttachmentError(f"Wrong file extension for {mime} mimetype.")
    if not _content_matches(mime, data):
        raise AttachmentError(f"Incorrect file type. (Appears to be {sniff(data)})")
    if mime not in allowed:
        raise AttachmentError(f"Mimetype {mime} is not allowed.")
    md5sum = hashlib.md5(data).hexdigest()
    if value.get("md5sum") not in (None, md5sum):
        raise AttachmentError("MD5 checksum does not match uploaded data.")
    stored = {"download": download, "href": f"@@download/{prop}/{quote(download)}",
              "type": mime, "md5sum": md5sum, "size": len(data)}
    size = _png_size(data)
    if size:
        stored["width"], stored["height"] = size
    return stored, Blob(mime, data)
