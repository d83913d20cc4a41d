"""The bytes of a posted file to the portal's S3, then the portal's own check of them."""

from __future__ import annotations

import time
from typing import Any

from ..portal.errors import PortalAuthError
from ..upload import upload
from .context import Run

NEEDS_UPLOAD = {"uploading", "upload failed"}


def upload_file(run: Run, file_receipt: dict[str, Any], *, timeout: float = 60.0
                ) -> dict[str, Any]:
    """Upload when the portal still waits for the bytes, then check what it recorded."""
    portal = run.portal
    status = file_receipt.get("status")  # as the file job saw it; saves a GET per file
    if status not in NEEDS_UPLOAD:
        status = (portal.get(file_receipt["@id"], database=True) or {}).get("status")
    uploaded = False
    if status in NEEDS_UPLOAD and not file_receipt.get("duplicate_of"):  # its original uploads
        try:
            credentials = portal.regenerate_upload_credentials(file_receipt["@id"])
        except PortalAuthError:
            # refused when an earlier attempt's upload already moved the file on
            current = portal.get(file_receipt["@id"], database=True) or {}
            if current.get("status") in NEEDS_UPLOAD:
                raise
        else:
            upload(run.storage, file_receipt["uri"], file_receipt["file_size"], credentials)
            uploaded = True
    deadline = time.monotonic() + timeout
    while True:
        current = portal.get(file_receipt["@id"], database=True) or {}
        if current.get("status") not in NEEDS_UPLOAD or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    status = current.get("status")
    if status == "content error":
        raise RuntimeError(f"{file_receipt['@id']}: the portal found a content error: "
                           f"{current.get('content_error_detail')}")
    if current.get("md5sum") != file_receipt["md5sum"] or (
            current.get("file_size") not in (None, file_receipt["file_size"])):
        raise RuntimeError(f"{file_receipt['@id']}: the portal's md5/size differ from "
                           f"{file_receipt['uri']}")
    return {"@id": file_receipt["@id"], "uploaded": uploaded, "status": status,
            "verified": status not in NEEDS_UPLOAD}
