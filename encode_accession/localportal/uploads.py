"""Where submitted file bytes go, the upload credentials that point there, and reading
them back for checkfiles and downloads.

Uploads always go to `s3://<bucket>/<key>`, as on the real portal; the key is its
`YYYY/MM/DD/<uuid>/<accession><ext>`. The bucket is an external S3 endpoint's (e.g. a moto
server) or, without one, the portal's own: an S3 subset it serves itself under
:data:`S3_PATH` (`localportal/s3.py`) from a folder beside its database (`objects.py`).
Credentials name the endpoint in `endpoint_url`; for the portal's own S3 that is the URL the
request came in on, so every process serving the database hands out its own.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from encode_accession.localportal.objects import ObjectStore
from encode_accession.localportal.profiles import file_schema_tables
from encode_accession.localportal.store import Item

CREDENTIAL_LIFETIME = timedelta(hours=36)
S3_PATH = "/_s3"  # where the portal serves its own S3 endpoint
DEFAULT_BUCKET = "encoded-files-dev"  # the real dev portal's upload bucket
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UploadConfig:
    upload_dir: Path  # the portal's own bucket, without an external endpoint
    s3_endpoint: str | None = None
    s3_bucket: str | None = None  # DEFAULT_BUCKET when None


def upload_key(item: Item) -> str:
    created = datetime.fromisoformat(item.props["date_created"])
    ext = file_schema_tables()["file_format_file_extension"].get(item.props.get("file_format"), "")
    name = item.props.get("accession") or item.uuid
    return f"{created:%Y/%m/%d}/{item.uuid}/{name}{ext}"


class UploadStorage:
    def __init__(self, config: UploadConfig) -> None:
        self.config = config
        self.bucket = config.s3_bucket or DEFAULT_BUCKET
        self.external = bool(config.s3_endpoint)
        self.objects = ObjectStore(config.upload_dir)  # used without an external endpoint

    @cached_property
    def _s3(self) -> Any:
        """The portal's own S3 client. Endpoints such as moto accept any credentials, so
        without AWS variables in the environment it uses fixed local ones."""
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.config.s3_endpoint,
            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local-portal"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local-portal"),
        )

    def ensure_bucket(self) -> None:
        if not self.external:
            return
        existing = {b["Name"] for b in self._s3.list_buckets().get("Buckets", [])}
        if self.bucket not in existing:
            self._s3.create_bucket(Bucket=self.bucket)

    def url_for(self, item: Item) -> str:
        return f"s3://{self.bucket}/{upload_key(item)}"

    def issue_credentials(self, item: Item) -> dict[str, Any]:
        """STS-shaped temporary credentials valid 36 h. The local portal mints them itself:
        its own S3 endpoint accepts only them (for their key, until they expire); external
        endpoints (moto) do not check them."""
        now = datetime.now(UTC)
        accession = item.props.get("accession", item.uuid)
        creds: dict[str, Any] = {
            "access_key": "ASIA" + secrets.token_hex(8).upper(),
            "secret_key": secrets.token_urlsafe(30),
            "session_token": secrets.token_urlsafe(48),
            "expiration": (now + CREDENTIAL_LIFETIME).isoformat(timespec="seconds"),
            "upload_url": self.url_for(item),
            "federated_user_arn": f"arn:aws:sts::000000000000:federated-user/up{accession}",
            "federated_user_id": f"000000000000:up{now.timestamp():.6f}-{accession}",
            "request_id": secrets.token_hex(16),
        }
        if self.external:
            creds["endpoint_url"] = self.config.s3_endpoint
        return creds

    def served(self, creds: dict[str, Any], base_url: str) -> dict[str, Any]:
        """Credentials as handed out by the portal at ``base_url``: its own S3 endpoint is
        there (not stored: each process serving the database has its own port)."""
        if self.external:
            return creds
        return {**creds, "endpoint_url": base_url.rstrip("/") + S3_PATH}

    def key_of(self, url: str) -> str | None:
        """The object key of an upload URL in this portal's bucket."""
        parsed = urlparse(url)
        if parsed.scheme != "s3" or parsed.netloc != self.bucket:
            return None
        return parsed.path.lstrip("/")

    def present(self, urls: set[str]) -> set[str]:
        """Those of ``urls`` whose object exists: one listing of the external bucket per
        1000 objects, not one request per file."""
        if not self.external:
            return {u for u in urls if (k := self.key_of(u)) and self.objects.head(k)}
        found = set()
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            found |= {f"s3://{self.bucket}/{o['Key']}" for o in page.get("Contents", [])}
        return urls & found

    def digest(self, url: str) -> tuple[str, int] | None:
        """(md5 hex, size) of the uploaded object, None if nothing was uploaded yet."""
        md5, size = hashlib.md5(), 0
        chunks = self.read(url)
        if chunks is None:
            return None
        for chunk in chunks:
            md5.update(chunk)
            size += len(chunk)
        return md5.hexdigest(), size

    def read(self, url: str) -> Iterator[bytes] | None:
        key = self.key_of(url)
        if key is None:
            return None
        if not self.external:
            return self.objects.read(key)
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        return response["Body"].iter_chunks(_CHUNK)

    def presigned_url(self, url: str) -> str | None:
        """Where downloads are redirected; None for the portal's own bucket (it serves the
        bytes itself)."""
        key = self.key_of(url)
        if not self.external or key is None:
            return None
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=int(CREDENTIAL_LIFETIME.total_seconds()))


def verdict(props: dict[str, Any], md5: str, size: int) -> dict[str, Any]:
    """What checkfiles patches onto a file whose bytes were found."""
    if md5 != props.get("md5sum"):
        detail = f"File checksum {md5} does not match item md5sum {props.get('md5sum')}"
    elif props.get("file_size", size) != size:
        detail = f"File size {size} does not match item file_size {props['file_size']}"
    else:
        return {"status": "in progress", "file_size": size}
    return {"status": "content error", "content_error_detail": detail}
