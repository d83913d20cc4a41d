"""Send a file's bytes to where the portal's upload credentials point: S3, always.

The portal hands out per-file STS credentials scoped to one key: ``upload_url``
(`s3://bucket/key`) and, for a non-AWS service (the local portal's own S3, moto),
``endpoint_url``. Uploads are atomic and resumable:

- one part (small files): read whole, checked, one PutObject with its Content-MD5;
- several parts: a multipart upload that an interrupted run resumes. The unfinished upload
  of the same key is found (ListMultipartUploads) and its parts on S3 are kept where their
  size and md5 match the local part (ListParts); only the others are sent, several at a
  time. Nothing is visible at the key until CompleteMultipartUpload.
- Size and md5 of every byte read are compared with the planned ones (the checksums the
  file was posted with) before the upload completes; on a mismatch it is aborted and the
  job stops with one message naming the file: the output changed after its checksum.
- An ``s3://`` source on the same S3 service as the target is copied server-side; any
  other source (GCS, another S3 endpoint, local files) is streamed through this process.

Credentials that may not list or abort uploads (the real portal's allow s3:PutObject only)
just mean a fresh upload: resuming is an optimisation, never a requirement.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlparse

from encode_accession.accession.payloads import part_size
from encode_accession.core.errors import InputError
from encode_accession.storage.progress import Progress
from encode_accession.storage.stores import Storage

PART_WORKERS = 4  # parts of one file in flight at once (one more is read ahead)
# One S3 client is made at a time: the first loads boto3's S3 model into the default session
# (~0.15 CPU-s), the others reuse it (~5 ms). Made concurrently, each would load its own.
_CLIENT_LOCK = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    """What the file was posted with: its bytes must still be these."""

    md5: str
    size: int


def upload(storage: Storage, uri: str, planned: Planned, credentials: dict[str, Any], *,
           verify: str | bool | None = None) -> None:
    """Upload ``uri`` to ``credentials["upload_url"]``; raises on any transfer failure and
    (InputError) when the bytes read are not the planned ones. ``verify``: the CA bundle
    for the endpoint (the local portal's own S3 over TLS). Large uploads report the bytes
    sent in the log."""
    target = urlparse(credentials["upload_url"])
    if target.scheme != "s3":
        raise ValueError(f"unsupported upload_url scheme: {credentials['upload_url']}")
    s3 = _s3_client(credentials, verify)
    bucket, key = target.netloc, target.path.lstrip("/")
    progress = Progress("upload", uri, planned.size)
    source = urlparse(uri)
    if source.scheme == "s3" and _same_service(credentials.get("endpoint_url"),
                                               storage.s3_endpoint_url):
        from boto3.s3.transfer import TransferConfig

        size = part_size(planned.size)
        s3.copy({"Bucket": source.netloc, "Key": source.path.lstrip("/")}, bucket, key,
                Config=TransferConfig(multipart_chunksize=size, multipart_threshold=size),
                Callback=progress)
        return
    part = part_size(planned.size)
    with storage.open_read(uri) as stream:
        if planned.size < part:
            _put(s3, bucket, key, uri, stream, planned, progress)
        else:
            _multipart(s3, bucket, key, uri, stream, planned, part, progress)


def _same_service(target: str | None, source: str | None) -> bool:
    """Whether two endpoint URLs (None: AWS) name the same S3 service."""
    return (target or "").rstrip("/") == (source or "").rstrip("/")


def _put(s3: Any, bucket: str, key: str, uri: str, stream: BinaryIO, planned: Planned,
         progress: Progress) -> None:
    body = _read(stream, planned.size + 1)
    _check(uri, planned, hashlib.md5(body).hexdigest(), len(body))
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentMD5=_b64(hashlib.md5(body)))
    progress(len(body))


def _multipart(s3: Any, bucket: str, key: str, uri: str, stream: BinaryIO, planned: Planned,
               part: int, progress: Progress) -> None:
    upload_id, on_s3 = _unfinished(s3, bucket, key)
    if upload_id is None:
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    else:
        log.info("%s: resuming the upload to s3://%s/%s (%d part(s) already there)", uri,
                 bucket, key, len(on_s3))
    whole, size = hashlib.md5(), 0
    etags: dict[int, str] = {}
    with ThreadPoolExecutor(PART_WORKERS, thread_name_prefix="part") as pool:
        in_flight: set[Future[tuple[int, str]]] = set()
        number = 0
        while chunk := _read(stream, part):
            number += 1
            whole.update(chunk)
            size += len(chunk)
            earlier = on_s3.get(number)
            if earlier and earlier[1] == len(chunk) and \
                    earlier[0] == hashlib.md5(chunk).hexdigest():
                etags[number] = earlier[0]
                progress(len(chunk))  # already on S3: not sent again
                continue
            if len(in_flight) > PART_WORKERS:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                etags.update(future.result() for future in done)
            in_flight.add(pool.submit(_send_part, s3, bucket, key, upload_id, number, chunk,
                                      progress))
        etags.update(future.result() for future in in_flight)
    if (whole.hexdigest(), size) != (planned.md5, planned.size):
        _abort(s3, bucket, key, upload_id)
    _check(uri, planned, whole.hexdigest(), size)
    _complete(s3, bucket, key, upload_id, [etags[n] for n in sorted(etags)])


def _complete(s3: Any, bucket: str, key: str, upload_id: str, etags: list[str]) -> None:
    """CompleteMultipartUpload; when another uploader of the same file (a concurrent run)
    completed this upload first, its object, with these very parts, is the result."""
    from botocore.exceptions import ClientError

    try:
        s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": f'"{etag}"'}
                                       for n, etag in enumerate(etags, 1)]})
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise
        joined = hashlib.md5(b"".join(bytes.fromhex(e) for e in etags)).hexdigest()
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            raise err from None
        if head["ETag"].strip('"') != f"{joined}-{len(etags)}":
            raise


def _send_part(s3: Any, bucket: str, key: str, upload_id: str, number: int, chunk: bytes,
               progress: Progress) -> tuple[int, str]:
    """Upload one part; returns its number and ETag. (Its bytes are checked as a whole: the
    md5 of the file before completing, the portal's checkfiles of the object after.)"""
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                          Body=chunk)["ETag"]
    progress(len(chunk))
    return number, etag.strip('"')


def _unfinished(s3: Any, bucket: str, key: str) -> tuple[str | None, dict[int, tuple[str, int]]]:
    """The latest unfinished upload of ``key`` and its parts (number -> (md5, size)); none
    when there is none or the credentials may not list them."""
    from botocore.exceptions import ClientError

    try:
        uploads = [u for u in s3.list_multipart_uploads(Bucket=bucket, Prefix=key)
                   .get("Uploads", []) if u["Key"] == key]
        if not uploads:
            return None, {}
        upload_id = max(uploads, key=lambda u: u["Initiated"])["UploadId"]
        parts: dict[int, tuple[str, int]] = {}
        for page in s3.get_paginator("list_parts").paginate(Bucket=bucket, Key=key,
                                                            UploadId=upload_id):
            parts.update({p["PartNumber"]: (p["ETag"].strip('"'), p["Size"])
                          for p in page.get("Parts", [])})
    except ClientError as err:
        log.info("s3://%s/%s: unfinished uploads not listed (%s); starting afresh", bucket,
                 key, err.response.get("Error", {}).get("Code"))
        return None, {}
    return upload_id, parts


def _abort(s3: Any, bucket: str, key: str, upload_id: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except ClientError as err:  # the bucket's lifecycle rule removes it then
        log.warning("s3://%s/%s: unfinished upload %s not aborted (%s)", bucket, key,
                    upload_id, err.response.get("Error", {}).get("Code"))


def _check(uri: str, planned: Planned, md5: str, size: int) -> None:
    if (md5, size) == (planned.md5, planned.size):
        return
    read = f"more than {planned.size} bytes" if size > planned.size else \
        f"{size} bytes, md5 {md5}"
    raise InputError(uri, "", f"the bytes read now ({read}) are not those it was posted with "
                     f"({planned.size} bytes, md5 {planned.md5}): the output changed after its "
                     "checksum was taken; nothing was uploaded",
                     "restore the output as it was; if the new bytes are the right ones, "
                     "re-run from the checksums (snakemake --forcerun checksums preflight) "
                     "to post them as a new file")


def _read(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes (streams such as GCS's may return less per read)."""
    chunks, left = [], size
    while left > 0 and (chunk := stream.read(left)):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _b64(digest: Any) -> str:
    return base64.b64encode(digest.digest()).decode()


def _s3_client(credentials: dict[str, Any], verify: str | bool | None) -> Any:
    """An S3 client with one file's STS credentials (each file has its own)."""
    import boto3  # only uploads need it
    from botocore.config import Config

    with _CLIENT_LOCK:
        return boto3.client(
            "s3",
            aws_access_key_id=credentials["access_key"],
            aws_secret_access_key=credentials["secret_key"],
            aws_session_token=credentials.get("session_token"),
            endpoint_url=credentials.get("endpoint_url"),
            region_name="us-east-1",
            verify=verify,
            config=Config(request_checksum_calculation="when_required",
                          response_checksum_validation="when_required",
                          s3={"addressing_style": "path"} if credentials.get("endpoint_url")
                          else None,
                          max_pool_connections=PART_WORKERS + 2,
                          retries={"max_attempts": 5, "mode": "standard"}),
        )
