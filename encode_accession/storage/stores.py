"""One small interface to the three places pipeline outputs live: GCS, S3 and local disk.

The accessioner needs an md5, a size and a byte stream for every output, and each store
has a different cheapest *honest* md5: GCS keeps one per object (except composites), S3
has ENCODE's ``md5sum`` tag or a single-part ETag, local files must be hashed. Getting
this wrong either posts a wrong md5 to the portal or streams terabytes needlessly, so the
rules live here once. Unlike the reference tool, nothing here asks the ENCODE portal
for md5s (it queried production whatever server you targeted).

Every failure a user can fix (missing object, bad credentials) becomes one ``InputError``
naming the URI, instead of a botocore/google traceback.

Usage::

    storage = get_storage()
    storage.md5("gs://bucket/run/call-align/out.bam")
    with storage.open_read("s3://bucket/key") as stream:
        ...
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, cast
from urllib.parse import urlsplit
from urllib.request import url2pathname

if TYPE_CHECKING:  # the cloud clients are imported on first use: local runs need neither
    from google.cloud import storage as gcs

from encode_accession.core.errors import InputError
from encode_accession.core.files import refuse_irregular
from encode_accession.storage.progress import Progress

log = logging.getLogger(__name__)

S3_ENDPOINT_ENV = "ENCODE_S3_ENDPOINT_URL"
# 1 MiB already matches coreutils md5sum (benchmarks/md5_throughput.py); bigger buys nothing.
HASH_BUFFER_BYTES = 1 << 20
# GCS objects are read in ranges of at least this (one request each): large, as GCS wants.
GCS_RANGE_BYTES = 16 << 20
# Large enough for the metadata.json of a big scattered run, small enough to fail fast on a
# BAM passed by mistake.
DEFAULT_READ_LIMIT = 256 << 20

_MD5_HEX = re.compile(r"[0-9a-f]{32}")
_AWS_CREDENTIALS = (
    "AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN "
    "for temporary keys), or AWS_PROFILE / ~/.aws/credentials"
)
_GOOGLE_CREDENTIALS = (
    "Google Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS (a key file) "
    "or `gcloud auth application-default login`"
)


class _Store(Protocol):
    """What each backend provides; ``errors`` turns its exceptions into InputErrors."""

    def errors(self, uri: str) -> AbstractContextManager[None]: ...
    def md5(self, uri: str) -> str: ...
    def size(self, uri: str) -> int: ...
    def exists(self, uri: str) -> bool: ...
    def open_read(self, uri: str) -> BinaryIO: ...


class Storage:
    """Dispatches by URI scheme and caches md5s: outputs of a finished run never change,
    and streaming a large object twice would cost minutes.

    Accepts ``gs://bucket/key``, ``s3://bucket/key``, local paths and ``file://`` URLs.
    Clients are created on first use, so local-only runs need no cloud credentials.
    Safe to share between threads (preflight checksums files from a thread pool).
    """

    def __init__(self, *, s3_endpoint_url: str | None = None) -> None:
        self._gcs = _GcsStore()
        self._s3 = _S3Store(s3_endpoint_url or os.environ.get(S3_ENDPOINT_ENV) or None)
        self._local = _LocalStore()
        self._md5s: dict[str, str] = {}

    @property
    def s3_endpoint_url(self) -> str | None:
        """The S3 service s3:// URIs are read from (None: AWS)."""
        return self._s3.endpoint_url

    def prepare(self, uris: Iterable[str]) -> None:
        """Start making the cloud clients ``uris`` need, in a background thread: their
        imports and setup (~0.1 CPU-s for GCS) then overlap a job's first portal requests
        instead of following them. A first real use waits for it (the store's lock); a
        failure is left to that use, which reports it with the fix."""
        if any(urlsplit(u).scheme == "gs" for u in uris):
            threading.Thread(target=self._prepare_gcs, daemon=True, name="gcs client").start()

    def _prepare_gcs(self) -> None:
        with suppress(Exception):  # reported by the first real use
            self._gcs.client()

    def md5(self, uri: str) -> str:
        """Hex md5 of the object, from the store's own record when it has a trustworthy one."""
        if uri not in self._md5s:
            with self._store_for(uri) as store:
                self._md5s[uri] = store.md5(uri)
        return self._md5s[uri]

    def size(self, uri: str) -> int:
        with self._store_for(uri) as store:
            return store.size(uri)

    def exists(self, uri: str) -> bool:
        with self._store_for(uri) as store:
            return store.exists(uri)

    def open_read(self, uri: str) -> BinaryIO:
        """A binary stream that fetches the object piecewise; close it (use ``with``)."""
        with self._store_for(uri) as store:
            return store.open_read(uri)

    def read_bytes(self, uri: str, limit: int = DEFAULT_READ_LIMIT) -> bytes:
        """Whole content of a small file (metadata.json, QC JSON).

        Refuses rather than truncates past ``limit``: a cut-off JSON would fail later with
        a far less helpful message.
        """
        with self._store_for(uri) as store, store.open_read(uri) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise InputError(
                uri, "", f"is larger than {limit} bytes", fix="stream it with open_read()"
            )
        return data

    @contextmanager
    def _store_for(self, uri: str) -> Iterator[_Store]:
        scheme = uri.split("://", 1)[0] if "://" in uri else "file"
        stores: dict[str, _Store] = {"gs": self._gcs, "s3": self._s3, "file": self._local}
        if scheme not in stores:
            raise InputError(
                uri, "", f"unsupported URI scheme {scheme}://",
                fix="use gs://, s3://, a local path or a file:// URL",
            )
        store = stores[scheme]
        with store.errors(uri):
            yield store


def md5_in_metadata(uri: str) -> bool:
    """Whether the store gives ``uri``'s md5 from its metadata, so finding it reads no bytes:
    GCS keeps an md5Hash on every object (composite ones, rare, are hashed as streamed). S3
    keeps one only for single-part uploads or an ``md5sum`` tag; local files are hashed."""
    return urlsplit(uri).scheme == "gs"


@functools.cache
def get_storage(s3_endpoint_url: str | None = None) -> Storage:
    """The process-wide Storage, so every caller shares one md5 cache and one set of clients."""
    return Storage(s3_endpoint_url=s3_endpoint_url)


def _hash_stream(stream: BinaryIO, label: str, size: int | None = None) -> str:
    """md5 in 1 MiB reads, so memory stays flat whatever the object size; a large file
    reports its progress in the log."""
    # usedforsecurity=False keeps md5 available on FIPS-mode hosts; this is a checksum.
    digest = hashlib.md5(usedforsecurity=False)
    progress = Progress("md5", label, size)
    with stream:
        while chunk := stream.read(HASH_BUFFER_BYTES):
            digest.update(chunk)
            progress(len(chunk))
    return digest.hexdigest()


def _bucket_and_key(uri: str) -> tuple[str, str]:
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise InputError(uri, "", "is not an object URI", fix=f"use {scheme}://bucket/path/to/key")
    return bucket, key


def _not_found(uri: str, what: str = "object") -> InputError:
    return InputError(
        uri, "", f"{what} not found",
        fix="check the path in the Cromwell metadata and that the run's outputs were not "
        "moved or deleted",
    )


def _credentials_error(uri: str, problem: str, which: str) -> InputError:
    return InputError(uri, "", problem, fix=f"check the {which}")


def _unreachable(uri: str, service: str, err: BaseException, setting: str) -> InputError:
    """No answer from the store: the network, or a wrong endpoint."""
    return InputError(uri, "", f"no answer from {service} ({err})",
                      fix=f"check the network and {setting}, then run the same command again")


def _refused(uri: str, service: str, reason: str) -> InputError:
    """An answer that is neither "missing" nor "denied": the store's own trouble (503...)."""
    return InputError(uri, "", f"{service} refused to read it ({reason})",
                      fix="run the same command again later; nothing is lost")


class _GcsStore:
    def __init__(self) -> None:
        self._client: gcs.Client | None = None
        self._lock = threading.Lock()
        self._blobs: dict[str, gcs.Blob] = {}  # md5 and size need one metadata request

    @contextmanager
    def errors(self, uri: str) -> Iterator[None]:
        from google.api_core import exceptions as google_errors
        from google.auth import exceptions as google_auth_errors

        try:
            yield
        except google_errors.NotFound as err:
            raise _not_found(uri) from err
        except (google_errors.Unauthorized, google_errors.Forbidden) as err:
            raise _credentials_error(
                uri, f"access denied ({err.code})",
                f"{_GOOGLE_CREDENTIALS}, and that the account may read this bucket",
            ) from err
        except (google_auth_errors.DefaultCredentialsError, google_auth_errors.RefreshError) as err:
            raise _credentials_error(
                uri, f"no usable Google credentials ({err})", _GOOGLE_CREDENTIALS
            ) from err
        except google_errors.RetryError as err:  # no answer within the client's retry deadline
            raise _unreachable(uri, "Google Cloud Storage", err.cause or err,
                               "the STORAGE_EMULATOR_HOST variable, if set") from err
        except google_errors.GoogleAPICallError as err:  # e.g. 429, 500, 503 after retries
            raise _refused(uri, "Google Cloud Storage", f"HTTP {err.code}: {err.message}") from err
        except google_auth_errors.TransportError as err:
            raise _unreachable(uri, "Google Cloud Storage", err,
                               "the STORAGE_EMULATOR_HOST variable, if set") from err

    def client(self) -> gcs.Client:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage as gcs

        with self._lock:
            if self._client is None:
                if os.environ.get("STORAGE_EMULATOR_HOST"):
                    self._client = gcs.Client(
                        project="emulator", credentials=AnonymousCredentials()
                    )
                else:
                    # Reading objects needs no project; inferring one fails for ADC without.
                    self._client = gcs.Client(project=None)
            return self._client

    def _blob(self, uri: str) -> gcs.Blob:
        """Metadata in one request per object; the blob pins its generation, so later reads
        match it."""
        if uri not in self._blobs:
            bucket, key = _bucket_and_key(uri)
            blob = self.client().bucket(bucket).get_blob(key)
            if blob is None:
                raise _not_found(uri)
            self._blobs[uri] = blob
        return self._blobs[uri]

    def md5(self, uri: str) -> str:
        blob = self._blob(uri)
        if blob.md5_hash:
            return base64.b64decode(blob.md5_hash).hex()
        log.info("%s has no md5Hash (composite object): hashing %d bytes", uri, blob.size)
        return _hash_stream(self.open_read(uri), uri, blob.size)

    def size(self, uri: str) -> int:
        return self._blob(uri).size

    def exists(self, uri: str) -> bool:
        bucket, key = _bucket_and_key(uri)
        return self.client().bucket(bucket).blob(key).exists()

    def open_read(self, uri: str) -> BinaryIO:
        return cast(BinaryIO, _GcsRanges(self._blob(uri)))


class _GcsRanges(io.IOBase):
    """A GCS object read in ranged requests: each of at least GCS_RANGE_BYTES, and a read of
    more is one request of that size, handed over without a copy. Always the generation
    whose md5 and size were read (the blob names it). The library's BlobReader fetches in
    its own chunk size and copies every byte several times (about half the rate from the
    emulator here for part-sized reads)."""

    def __init__(self, blob: gcs.Blob) -> None:
        self._blob = blob
        self._position = 0  # of the next byte returned
        self._buffer, self._offset = b"", 0  # fetched, not yet returned from _offset on

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        left = self._blob.size - self._position
        size = left if size is None or size < 0 else min(size, left)
        buffered = len(self._buffer) - self._offset
        if size > buffered:
            start = self._position + buffered
            end = min(start + max(size - buffered, GCS_RANGE_BYTES), self._blob.size)
            # checksum=None: GCS keeps the whole object's md5 only; the upload checks the bytes
            fetched = self._blob.download_as_bytes(start=start, end=end - 1, checksum=None)
            self._buffer = self._buffer[self._offset:] + fetched if buffered else fetched
            self._offset = 0
        data = self._buffer[self._offset:self._offset + size]
        self._offset += len(data)
        self._position += len(data)
        return data


class _S3Store:
    def __init__(self, endpoint_url: str | None) -> None:
        self.endpoint_url = endpoint_url
        self._client = None
        self._lock = threading.Lock()
        self._heads: dict[str, dict[str, Any]] = {}  # md5 and size need one head_object

    @contextmanager
    def errors(self, uri: str) -> Iterator[None]:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            CredentialRetrievalError,
            NoCredentialsError,
            PartialCredentialsError,
            ProfileNotFound,
        )

        try:
            yield
        except (
            NoCredentialsError, PartialCredentialsError, ProfileNotFound, CredentialRetrievalError
        ) as err:
            raise _credentials_error(
                uri, f"no usable AWS credentials ({err})", _AWS_CREDENTIALS
            ) from err
        except BotoCoreError as err:  # no answer: EndpointConnectionError, timeouts
            raise _unreachable(uri, f"S3 at {self.endpoint_url or 'AWS'}", err,
                               f"the s3_endpoint_url setting ({S3_ENDPOINT_ENV})") from err
        except ClientError as err:
            status = _http_status(err)
            error = err.response.get("Error", {})
            if error.get("Code") == "NoSuchBucket":
                raise InputError(
                    uri, "", f"bucket {_bucket_and_key(uri)[0]} not found (NoSuchBucket)",
                    fix="check the bucket in the Cromwell metadata's paths, and the "
                    f"s3_endpoint_url setting ({S3_ENDPOINT_ENV}) when not on AWS",
                ) from err
            if status == 404:
                raise _not_found(uri) from err
            if status in (401, 403):
                code = err.response.get("Error", {}).get("Code", status)
                raise _credentials_error(
                    uri, f"access denied ({code})",
                    f"{_AWS_CREDENTIALS}, and that they may read this bucket (S3 also answers "
                    "403 for a missing key if you may not list the bucket)",
                ) from err
            raise _refused(uri, "S3", f"{error.get('Code', status)}: "
                           f"{error.get('Message', err)}") from err

    def client(self):  # -> botocore S3 client (its type is generated at runtime)
        import boto3
        from botocore.config import Config

        with self._lock:
            if self._client is None:
                config = None
                if self.endpoint_url:
                    # boto3 >= 1.36 sends and demands CRC checksums that non-AWS S3 servers
                    # mishandle; against real AWS we keep the stricter default.
                    config = Config(
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                    )
                # A private session: boto3's default session is not thread-safe to create.
                self._client = boto3.session.Session().client(
                    "s3", endpoint_url=self.endpoint_url, config=config
                )
            return self._client

    def md5(self, uri: str) -> str:
        bucket, key = _bucket_and_key(uri)
        tagged = self._md5_tag(uri, bucket, key)
        if tagged:
            return tagged
        head = self._head(uri)
        etag = head["ETag"].strip('"')
        # SSE-KMS and SSE-C objects have a non-md5 ETag even when uploaded in one part.
        encrypted_with_key = head.get("ServerSideEncryption", "").startswith("aws:kms") or (
            "SSECustomerAlgorithm" in head
        )
        if _MD5_HEX.fullmatch(etag) and not encrypted_with_key:
            return etag
        log.info(
            "%s has no md5sum tag and its ETag %s is not an md5: hashing %d bytes",
            uri, etag, head["ContentLength"],
        )
        return _hash_stream(self.open_read(uri), uri, self.size(uri))

    def _md5_tag(self, uri: str, bucket: str, key: str) -> str | None:
        """The ``md5sum`` tag ENCODE's s3-md5-hash sets: the only md5 a multipart upload has."""
        from botocore.exceptions import ClientError

        try:
            tags = self.client().get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        except ClientError as err:
            if _http_status(err) != 403:
                raise
            # s3:GetObjectTagging is a separate permission read-only roles often lack;
            # the ETag may still give the md5, and head_object reports real denials.
            return None
        value = next((tag["Value"].lower() for tag in tags if tag["Key"] == "md5sum"), None)
        if value is not None and not _MD5_HEX.fullmatch(value):
            log.warning("%s: ignoring md5sum tag %r, not 32 hex digits", uri, value)
            return None
        return value

    def _head(self, uri: str) -> dict[str, Any]:
        """``head_object`` once per object: md5 and size both read it."""
        if uri not in self._heads:
            bucket, key = _bucket_and_key(uri)
            self._heads[uri] = self.client().head_object(Bucket=bucket, Key=key)
        return self._heads[uri]

    def size(self, uri: str) -> int:
        return self._head(uri)["ContentLength"]

    def exists(self, uri: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.size(uri)
        except ClientError as err:
            if _http_status(err) == 404:
                return False
            raise
        return True

    def open_read(self, uri: str) -> BinaryIO:
        bucket, key = _bucket_and_key(uri)
        return self.client().get_object(Bucket=bucket, Key=key)["Body"]


def _http_status(err: Any) -> int | None:  # a botocore ClientError
    return err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


class _LocalStore:
    @contextmanager
    def errors(self, uri: str) -> Iterator[None]:
        try:
            yield
        except (FileNotFoundError, NotADirectoryError) as err:
            raise _not_found(uri, "file") from err
        except IsADirectoryError as err:
            raise InputError(uri, "", "is a directory, not a file", fix="name a file") from err
        except PermissionError as err:
            raise InputError(
                uri, "", "permission denied", fix="make the file readable by this user"
            ) from err
        except OSError as err:  # e.g. a name too long, a symlink loop, an I/O error
            raise InputError(
                uri, "", f"the operating system refused to read it ({err.strerror or err})",
                fix="check the path in the Cromwell metadata and the disk it is on",
            ) from err

    def md5(self, uri: str) -> str:
        return _hash_stream(self.open_read(uri), uri, self.size(uri))

    def size(self, uri: str) -> int:
        path = _local_path(uri)
        refuse_irregular(path, uri)
        if os.path.isdir(path):
            raise IsADirectoryError(path)
        return os.stat(path).st_size

    def exists(self, uri: str) -> bool:
        return os.path.isfile(_local_path(uri))

    def open_read(self, uri: str) -> BinaryIO:
        path = _local_path(uri)
        refuse_irregular(path, uri)  # opening a FIFO would wait for a writer
        return open(path, "rb")  # noqa: SIM115 - the caller closes it


def _local_path(uri: str) -> str:
    if not uri.startswith("file://"):
        return uri
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise InputError(
            uri, "", f"file URL on another host ({parts.netloc})",
            fix="use file:///absolute/path or a plain path",
        )
    return url2pathname(parts.path)
