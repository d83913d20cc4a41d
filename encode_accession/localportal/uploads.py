"""Where submitted file bytes go, the upload credentials that point there, and reading
them back for checkfiles and downloads.

With an S3 endpoint (e.g. a moto server) uploads go to `s3://<bucket>/<key>`; otherwise to
`file://<upload-dir>/<key>`, so the embedded portal needs nothing but a directory. The key is
the real portal's `YYYY/MM/DD/<uuid>/<accession><ext>`.
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
from urllib.parse import unquote, urlparse

from encode_accession.localportal.profiles import file_schema_tables
from encode_accession.localportal.store import Item

CREDENTIAL_LIFETIME = timedelta(hours=36)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UploadConfig:
    upload_dir: Path
    s3_endpoint: str | None = None
    s3_bucket: str | None = None


def upload_key(item: Item) -> str:
    created = datetime.fromisoformat(item.props["date_created"])
    ext = file_schema_tables()["file_format_file_extension"].get(item.props.get("file_format"), "")
    name = item.props.get("accession") or item.uuid
    return f"{created:%Y/%m/%d}/{item.uuid}/{name}{ext}"


class UploadStorage:
    def __init__(self, config: UploadConfig) -> None:
        self.config = config

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
        if not self.config.s3_endpoint:
            return
        existing = {b["Name"] for b in self._s3.list_buckets().get("Buckets", [])}
        if self.config.s3_bucket not in existing:
            self._s3.create_bucket(Bucket=self.config.s3_bucket)

    def url_for(self, item: Item) -> str:
        key = upload_key(item)
        if self.config.s3_endpoint:
            return f"s3://{self.config.s3_bucket}/{key}"
        return (self.config.upload_dir / key).resolve().as_uri()

    def issue_credentials(self, item: Item) -> dict[str, Any]:
        """STS-shaped temporary credentials valid 36 h. The local portal mints them itself:
        the S3 endpoints it targets (moto) and the file:// store do not check them."""
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
        if self.config.s3_endpoint:
            creds["endpoint_url"] = self.config.s3_endpoint
        return creds

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
        parsed = urlparse(url)
        if parsed.scheme == "s3":
            try:
                response = self._s3.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))
            except self._s3.exceptions.NoSuchKey:
                return None
            return response["Body"].iter_chunks(_CHUNK)
        path = Path(unquote(parsed.path))
        return _file_chunks(path) if path.is_file() else None

    def presigned_url(self, url: str) -> str | None:
        parsed = urlparse(url)
        if parsed.scheme != "s3":
            return None
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": parsed.netloc, "Key": parsed.path.lstrip("/")},
            ExpiresIn=int(CREDENTIAL_LIFETIME.total_seconds()))


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def verdict(props: dict[str, Any], md5: str, size: int) -> dict[str, Any]:
    """What checkfiles patches onto a file whose bytes were found."""
    if md5 != props.get("md5sum"):
        detail = f"File checksum {md5} does not match item md5sum {props.get('md5sum')}"
    elif props.get("file_size", size) != size:
        detail = f"File size {size} does not match item file_size {props['file_size']}"
    else:
        return {"status": "in progress", "file_size": size}
    return {"status": "content error", "content_error_detail": detail}
