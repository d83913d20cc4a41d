"""Send a file's bytes to where the portal's upload credentials point: S3, always.

The portal hands out per-file STS credentials scoped to one key: ``upload_url``
(`s3://bucket/key`) and, for a non-AWS service (the local portal's own S3, moto),
``endpoint_url``. On the real portal they allow s3:PutObject on that key only: create,
send parts of and complete a multipart upload, never list, head, read or abort anything.
Uploads are atomic and resumable within that:

- one part (files under ONE_PUT_BYTES): read whole, one PutObject whose Content-MD5 is
  the planned md5. Files upload several at once, so parts would add no parallelism, only
  requests (moto and the local portal move one PutObject 2-3x faster than the same bytes
  in parts they join afterwards: benchmarks/upload_rate.py); a kill re-sends at most that;
- several parts (larger files): a multipart upload, several parts in flight at once, each
  with its Content-MD5. Its journal in the run's folder
  (:mod:`encode_accession.accession.journal`) records the upload id and each part S3
  confirms, so an interrupted run continues the same upload, sending only the parts not
  confirmed (their bytes are read and compared, not sent). An upload S3 no longer knows
  (NoSuchUpload: completed by a concurrent run, or removed by the bucket's lifecycle)
  starts afresh. Nothing is visible at the key until CompleteMultipartUpload.
- Size and md5 of every byte read are compared with the planned ones (the checksums the
  file was posted with) before the upload completes: by S3 for one PutObject (it refuses
  bytes that do not match their Content-MD5, BadDigest, and stores nothing; moto does not
  check, and there the portal's checkfiles finds the mismatch), here for a multipart
  upload, which is then not completed (nor aborted: the credentials may not; the bucket's
  lifecycle removes it). Either way the job stops with one message naming the file: the
  output changed after its checksum.
- An ``s3://`` source on the same S3 service as the target is copied server-side (a large
  one in parallel parts, UploadPartCopy: s3:PutObject on the target and s3:GetObject on
  the source, which the portal grants on its configured external buckets); any other
  source (GCS, another S3 endpoint, local files) is streamed through this process.
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

from encode_accession.accession.journal import Journal
from encode_accession.accession.payloads import part_size
from encode_accession.core.errors import InputError
from encode_accession.run.state import SentPart
from encode_accession.storage.progress import Progress
from encode_accession.storage.stores import Storage

ONE_PUT_BYTES = 64 << 20  # smaller files go in one PutObject (or CopyObject), larger in parts
PART_WORKERS = 4  # parts of one file in flight at once (one more is read ahead)
NOTHING_UPLOADED = "nothing was uploaded"
COPY_WORKERS = 8  # parts of one server-side copy in flight at once (no bytes through here)
# One S3 client is made at a time: the first loads boto3's S3 model into the default session
# (~0.15 CPU-s), the others reuse it (~5 ms). Made concurrently, each would load its own.
_CLIENT_LOCK = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    """What the file was posted with: its bytes must still be these."""

    md5: str
    size: int


class _UploadGone(Exception):
    """S3 no longer knows the multipart upload (NoSuchUpload)."""


def upload(storage: Storage, uri: str, planned: Planned, credentials: dict[str, Any], *,
           journal: Journal, verify: str | bool | None = None,
           progress: Progress | None = None) -> None:
    """Upload ``uri`` to ``credentials["upload_url"]``; raises on any transfer failure and
    (InputError) when the bytes read are not the planned ones. ``journal``: where a
    multipart upload records its parts (removed once complete). ``verify``: the CA bundle
    for the endpoint (the local portal's own S3 over TLS). ``progress``: the job's, which
    this file's bytes feed; large uploads report their own in the log too."""
    target = urlparse(credentials["upload_url"])
    if target.scheme != "s3":
        raise ValueError(f"unsupported upload_url scheme: {credentials['upload_url']}")
    s3 = _s3_client(credentials, verify)
    bucket, key = target.netloc, target.path.lstrip("/")
    mine = Progress("upload", uri, planned.size, parent=progress)
    source = urlparse(uri)
    part = part_size(planned.size)
    one_put = max(ONE_PUT_BYTES, part)
    if source.scheme == "s3" and _same_service(credentials.get("endpoint_url"),
                                               storage.s3_endpoint_url):
        from boto3.s3.transfer import TransferConfig

        s3.copy({"Bucket": source.netloc, "Key": source.path.lstrip("/")}, bucket, key,
                Config=TransferConfig(multipart_chunksize=part, multipart_threshold=one_put,
                                      max_concurrency=COPY_WORKERS),
                Callback=mine)
    elif planned.size < one_put:
        with storage.open_read(uri) as stream:
            _put(s3, bucket, key, uri, stream, planned, mine)
    else:
        try:
            with storage.open_read(uri) as stream:
                _multipart(s3, bucket, key, uri, stream, planned, part, mine, journal)
        except _UploadGone as gone:
            log.info("%s: %s; starting the upload afresh", uri, gone)
            journal.forget()
            with storage.open_read(uri) as stream:
                _multipart(s3, bucket, key, uri, stream, planned, part, mine, journal)
        journal.forget()
    mine.finish()


def _same_service(target: str | None, source: str | None) -> bool:
    """Whether two endpoint URLs (None: AWS) name the same S3 service."""
    return (target or "").rstrip("/") == (source or "").rstrip("/")


def _put(s3: Any, bucket: str, key: str, uri: str, stream: BinaryIO, planned: Planned,
         progress: Progress) -> None:
    """One PutObject whose Content-MD5 is the planned md5: S3 compares it with the bytes it
    receives and stores nothing on a mismatch (BadDigest), so the bytes are hashed once, by
    S3, not here too (the uploader's CPU is what limits it: benchmarks/upload_rate.py)."""
    from botocore.exceptions import ClientError

    body = _read(stream, planned.size + 1)
    if len(body) != planned.size:
        _check(uri, planned, hashlib.md5(body).hexdigest(), len(body), NOTHING_UPLOADED)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body,
                      ContentMD5=base64.b64encode(bytes.fromhex(planned.md5)).decode())
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("BadDigest", "InvalidDigest"):
            raise
        _check(uri, planned, hashlib.md5(body).hexdigest(), len(body), NOTHING_UPLOADED)
        raise
    progress(len(body))


def _multipart(s3: Any, bucket: str, key: str, uri: str, stream: BinaryIO, planned: Planned,
               part: int, progress: Progress, journal: Journal) -> None:
    """Continue the journaled upload of these bytes (or begin one): send the parts S3 has
    not confirmed, check the whole, complete. Raises _UploadGone when S3 no longer knows
    the upload."""
    url = f"s3://{bucket}/{key}"
    earlier = journal.resume(url, planned.md5, planned.size, part)
    if earlier is None:
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        journal.begin(url, planned.md5, planned.size, part, upload_id)
        sent: dict[int, SentPart] = {}
    else:
        upload_id, sent = earlier.upload_id, {p.number: p for p in earlier.parts}
        log.info("%s: continuing the upload to %s (%d part(s) already sent)", uri, url,
                 len(sent))
    whole, size = hashlib.md5(), 0
    etags: dict[int, str] = {}
    with ThreadPoolExecutor(PART_WORKERS, thread_name_prefix="part") as pool:
        in_flight: set[Future[tuple[int, str]]] = set()
        number = 0
        while chunk := _read(stream, part):
            number += 1
            whole.update(chunk)
            size += len(chunk)
            if size > planned.size:
                break  # grown: never sent, never completed
            earlier_part = sent.get(number)
            if earlier_part and earlier_part.size == len(chunk) and \
                    earlier_part.md5 == hashlib.md5(chunk).hexdigest():
                etags[number] = earlier_part.etag
                progress(len(chunk))  # confirmed by S3 before: not sent again
                continue
            if len(in_flight) >= PART_WORKERS:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                etags.update(future.result() for future in done)
            in_flight.add(pool.submit(_send_part, s3, bucket, key, upload_id, number, chunk,
                                      progress, journal))
        etags.update(future.result() for future in in_flight)
    _check(uri, planned, whole.hexdigest(), size,
           f"the upload {upload_id} of s3://{bucket}/{key} was not completed (the upload "
           "credentials may not abort it: the bucket's lifecycle rule removes it)")
    _complete(s3, bucket, key, upload_id, [etags[n] for n in sorted(etags)])


def _send_part(s3: Any, bucket: str, key: str, upload_id: str, number: int, chunk: bytes,
               progress: Progress, journal: Journal) -> tuple[int, str]:
    """Upload one part (S3 checks it against its Content-MD5) and journal it; returns its
    number and ETag."""
    digest = hashlib.md5(chunk)  # in this worker thread: hashing releases the GIL
    etag = _unless_gone(s3.upload_part, Bucket=bucket, Key=key, UploadId=upload_id,
                        PartNumber=number, Body=chunk, ContentMD5=_b64(digest))["ETag"]
    journal.confirm(SentPart(number, len(chunk), etag.strip('"'), digest.hexdigest()))
    progress(len(chunk))
    return number, etag.strip('"')


def _complete(s3: Any, bucket: str, key: str, upload_id: str, etags: list[str]) -> None:
    _unless_gone(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=upload_id,
                 MultipartUpload={"Parts": [{"PartNumber": n, "ETag": f'"{etag}"'}
                                            for n, etag in enumerate(etags, 1)]})


def _unless_gone(call: Any, **kwargs: Any) -> Any:
    """``call(**kwargs)``; NoSuchUpload raises _UploadGone."""
    from botocore.exceptions import ClientError

    try:
        return call(**kwargs)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise
        raise _UploadGone(f"S3 no longer knows upload {kwargs['UploadId']}") from err


def _check(uri: str, planned: Planned, md5: str, size: int, left: str) -> None:
    """Stop (InputError naming the file) when the bytes read are not the planned ones;
    ``left``: what then happened to the upload."""
    if (md5, size) == (planned.md5, planned.size):
        return
    read = f"more than {planned.size} bytes" if size > planned.size else \
        f"{size} bytes, md5 {md5}"
    raise InputError(uri, "", f"the bytes read now ({read}) are not those it was posted with "
                     f"({planned.size} bytes, md5 {planned.md5}): the output changed after its "
                     f"checksum was taken; {left}",
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
                          max_pool_connections=max(PART_WORKERS, COPY_WORKERS) + 2,
                          retries={"max_attempts": 5, "mode": "standard"}),
        )
