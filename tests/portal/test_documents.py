"""Document attachments posted as data URIs: the portal's checks and the stored blob."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib

import pytest

from encode_accession.localportal.demo import DEMO_AWARD, DEMO_LAB
from encode_accession.portal import PortalValidationError

METADATA = json.dumps({"workflow": "atac", "id": "wf-1"}).encode()


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + \
        chunk(b"IEND", b"")


def _document(download: str, mime: str, data: bytes, **attachment) -> dict:
    href = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return {"aliases": [f"encode-awg:doc-{download}"], "document_type": "workflow metadata",
            "lab": DEMO_LAB, "award": DEMO_AWARD,
            "attachment": {"download": download, "href": href, **attachment}}


def test_attachment_is_stored_and_href_rewritten_to_download(portal):
    doc = portal.client.post("document", _document("metadata.json", "application/json",
                                                   METADATA))
    attachment = doc["attachment"]
    assert attachment == {"download": "metadata.json",
                          "href": "@@download/attachment/metadata.json",
                          "type": "application/json", "md5sum": hashlib.md5(METADATA).hexdigest(),
                          "size": len(METADATA)}
    url = f"{portal.client.server}{doc['@id']}{attachment['href']}"
    response = portal.client._session.get(url, timeout=10)
    assert response.content == METADATA
    assert response.headers["Content-Type"].startswith("application/json")


def test_png_attachment_records_its_dimensions(portal):
    doc = portal.client.post("document", _document("plot.png", "image/png", _png(3, 2)))
    assert (doc["attachment"]["width"], doc["attachment"]["height"]) == (3, 2)


@pytest.mark.parametrize(("download", "mime", "data", "extra", "message"), [
    ("metadata.txt", "application/json", METADATA, {}, "Wrong file extension for "
                                                       "application/json mimetype."),
    ("plot.png", "image/png", b"not a png", {}, "Incorrect file type. (Appears to be text/plain)"),
    ("data.json", "application/json", b"{not json", {}, "Incorrect file type. (Appears to be "
                                                        "text/plain)"),
    ("run.sh", "application/x-sh", b"echo hi", {}, "Mimetype application/x-sh is not allowed."),
    ("metadata.json", "application/json", METADATA, {"md5sum": "0" * 32},
     "MD5 checksum does not match uploaded data."),
])
def test_attachment_checks_reject_mismatches(portal, download, mime, data, extra, message):
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("document", _document(download, mime, data, **extra))
    assert dict(exc.value.errors) == {"attachment.href": message}


def test_attachment_href_must_be_a_data_uri(portal):
    payload = _document("metadata.json", "application/json", METADATA)
    payload["attachment"]["href"] = "https://example.org/metadata.json"
    with pytest.raises(PortalValidationError, match="Expected data URI."):
        portal.client.post("document", payload)
