"""Send a file's bytes to where the portal's upload credentials point.

The portal hands out per-file STS credentials scoped to one S3 key. Cloud sources stream
through this process (GCS -> S3) or are copied server-side (S3 -> S3); local files are read
in parts. The local portal's embedded default uses ``file://`` upload URLs instead of S3.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from encode_accession.accession.payloads import part_size
from encode_accession.storage.progress import Progress
from encode_accession.storage.stores import Storage

CHUNK_BYTES = 8 << 20
# One S3 client is made at a time: the first loads boto3's S3 model into the default session
# (~0.15 CPU-s), the others reuse it (~5 ms). Made concurrently, each would load its own.
_CLIENT_LOCK = threading.Lock()


def upload(storage: Storage, uri: str, size: int, credentials: dict[str, Any]) -> None:
    """Upload ``uri`` to ``credentials["upload_url"]``; raises on any transfer failure.
    Large uploads report the bytes sent in the log."""
    target = urlparse(credentials["upload_url"])
    progress = Progress("upload", uri, size)
    if target.scheme == "file":
        destination = Path(target.path)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with storage.open_read(uri) as src, open(destination, "wb") as dst:
            while chunk := src.read(CHUNK_BYTES):
                dst.write(chunk)
                progress(len(chunk))
        return
    if target.scheme != "s3":
        raise ValueError(f"unsupported upload_url scheme: {credentials['upload_url']}")
    s3 = _s3_client(credentials)
    from boto3.s3.transfer import TransferConfig

    bucket, key = target.netloc, target.path.lstrip("/")
    transfer = TransferConfig(multipart_chunksize=part_size(size),
                              multipart_threshold=part_size(size))
    source = urlparse(uri)
    if source.scheme == "s3":
        s3.copy({"Bucket": source.netloc, "Key": source.path.lstrip("/")}, bucket, key,
                Config=transfer, Callback=progress)
        return
    with storage.open_read(uri) as stream:
        s3.upload_fileobj(stream, bucket, key, Config=transfer, Callback=progress)


def _s3_client(credentials: dict[str, Any]) -> Any:
    """An S3 client with one file's STS credentials (each file has its own)."""
    import boto3  # only S3 targets need it (the embedded portal's are file://)
    from botocore.config import Config

    with _CLIENT_LOCK:
        return boto3.client(
            "s3",
            aws_access_key_id=credentials["access_key"],
            aws_secret_access_key=credentials["secret_key"],
            aws_session_token=credentials.get("session_token"),
            endpoint_url=credentials.get("endpoint_url"),
            region_name="us-east-1",
            config=Config(request_checksum_calculation="when_required",
                          response_checksum_validation="when_required",
                          retries={"max_attempts": 5, "mode": "standard"}),
        )
