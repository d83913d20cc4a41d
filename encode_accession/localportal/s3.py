"""The portal's own S3 endpoint: the subset of the S3 REST API that uploaders use.

Path-style (`<portal>/_s3/<bucket>/<key>`), enough for boto3's `put_object`,
`upload_fileobj` with a multipart `TransferConfig`, and resuming an upload:
PutObject, CreateMultipartUpload, UploadPart, ListParts, ListMultipartUploads (of one key),
CompleteMultipartUpload, AbortMultipartUpload and HeadObject. As with the real portal's
per-file STS credentials, a request is accepted only with the access key id the portal
issued for that object key (read from the SigV4 `Authorization` header or a presigned
query; the signature is not verified) and only until those credentials expire; errors are
S3's XML. When an object is complete the portal runs its file check for it (checkfiles).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from encode_accession.localportal.faults import Faults
from encode_accession.localportal.objects import MAX_PARTS, S3Error, Stored
from encode_accession.localportal.portal import LocalPortal

_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_STREAMING = "STREAMING-"  # x-amz-content-sha256 of aws-chunked bodies
_READ = 1 << 20
MAX_XML_BYTES = 4 << 20  # a CompleteMultipartUpload of 10,000 parts is ~1 MB


class S3Endpoint:
    """WSGI app serving the portal's bucket, mounted at ``uploads.S3_PATH``."""

    def __init__(self, portal: LocalPortal, faults: Faults | None = None) -> None:
        self.portal = portal
        self.faults = faults or Faults()
        self.bytes_received = 0  # payload bytes of objects and parts (tests count resends)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        self.faults.delay()
        try:
            response = self._handle(request)
        except S3Error as error:
            response = _error(error, request)
        return response(environ, start_response)

    # -- routing -------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        bucket, _, key = request.path.lstrip("/").partition("/")
        if bucket != self.portal.uploads.bucket:
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist")
        args, method = request.args, request.method
        if not key:
            if method == "GET" and "uploads" in args:
                return self._list_uploads(request, bucket, args.get("prefix", ""))
            raise _not_implemented(request)
        self._authorize(request, bucket, key)
        objects = self.portal.uploads.objects
        upload_id = args.get("uploadId")
        if method == "PUT" and "x-amz-copy-source" in request.headers:
            raise _not_implemented(request)
        if method == "PUT" and upload_id is not None:
            self._check_upload(upload_id, key)
            number = _int(args.get("partNumber", ""), "partNumber")
            etag = objects.put_part(upload_id, number, self._body(request),
                                    _content_md5(request))
            return Response(status=200, headers={"ETag": f'"{etag}"'})
        if method == "PUT":
            stored = objects.put(key, self._body(request), _content_md5(request))
            self.portal.uploaded(key, stored.md5, stored.size)
            return Response(status=200, headers={"ETag": f'"{stored.etag}"'})
        if method == "POST" and "uploads" in args:
            new_id = objects.create_upload(key)
            return _xml("InitiateMultipartUploadResult",
                        [("Bucket", bucket), ("Key", key), ("UploadId", new_id)])
        if method == "POST" and upload_id is not None:
            self._check_upload(upload_id, key)
            _, stored = objects.complete(upload_id, _completed_parts(request))
            self.portal.uploaded(key, stored.md5, stored.size)
            return self._completed(request, bucket, key, stored)
        if method == "GET" and upload_id is not None:
            self._check_upload(upload_id, key)
            return self._list_parts(request, bucket, key, upload_id)
        if method == "DELETE" and upload_id is not None:
            self._check_upload(upload_id, key)
            objects.abort(upload_id)
            return Response(status=204)
        if method == "HEAD":
            head = objects.head(key)
            if head is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            etag, size, modified = head
            return Response(status=200, headers={
                "ETag": f'"{etag}"', "Content-Length": str(size),
                "Last-Modified": datetime.fromtimestamp(modified, UTC).strftime(
                    "%a, %d %b %Y %H:%M:%S GMT")})
        raise _not_implemented(request)

    def _authorize(self, request: Request, bucket: str, key: str) -> None:
        """Only the access key id issued for this object, and only before it expires."""
        header = request.headers.get("Authorization", "")
        match = _CREDENTIAL.search(header) or _CREDENTIAL.search(
            "Credential=" + request.args.get("X-Amz-Credential", ""))
        key_id = match.group(1) if match else None
        if key_id is None:
            raise S3Error(403, "AccessDenied", "Access Denied (no AWS Signature Version 4 "
                                               "credentials)")
        grant = self.portal.upload_grant(bucket, key)
        if grant is None or grant.get("access_key") != key_id:
            raise S3Error(403, "AccessDenied", f"Access Denied: access key {key_id} may not "
                                               f"write {key}")
        if datetime.fromisoformat(grant["expiration"]) <= datetime.now(UTC):
            raise S3Error(403, "ExpiredToken", "The provided token has expired.")

    def _check_upload(self, upload_id: str, key: str) -> None:
        if self.portal.uploads.objects.upload_key(upload_id) != key:
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")

    # -- bodies --------------------------------------------------------------------------

    def _body(self, request: Request) -> Iterator[bytes]:
        """The payload in chunks; aws-chunked bodies decoded. A body that ends before its
        Content-Length (the uploader was killed) raises, so nothing is stored."""
        if request.content_length is None:
            raise S3Error(411, "MissingContentLength",
                          "You must provide the Content-Length HTTP header.")
        stream = request.stream
        chunked = request.headers.get("x-amz-content-sha256", "").startswith(_STREAMING) or \
            "aws-chunked" in request.headers.get("Content-Encoding", "")
        chunks = _aws_chunks(stream) if chunked else _plain_chunks(stream,
                                                                   request.content_length)
        try:
            for chunk in chunks:
                with self._lock:
                    self.bytes_received += len(chunk)
                yield chunk
        except ClientDisconnected:
            raise S3Error(400, "IncompleteBody", "You did not provide the number of bytes "
                                                 "specified by the Content-Length HTTP "
                                                 "header.") from None

    # -- listings ------------------------------------------------------------------------

    def _list_uploads(self, request: Request, bucket: str, prefix: str) -> Response:
        """ListMultipartUploads for the one key the caller may write (its prefix)."""
        self._authorize(request, bucket, prefix)
        uploads = [u for u in self.portal.uploads.objects.uploads(prefix) if u.key == prefix]
        items: list[tuple[str, Any]] = [
            ("Bucket", bucket), ("KeyMarker", ""), ("UploadIdMarker", ""),
            ("NextKeyMarker", ""), ("NextUploadIdMarker", ""), ("Prefix", prefix),
            ("MaxUploads", "1000"), ("IsTruncated", "false")]
        items += [("Upload", [("Key", u.key), ("UploadId", u.upload_id),
                              ("StorageClass", "STANDARD"), ("Initiated", _iso(u.initiated))])
                  for u in uploads]
        return _xml("ListMultipartUploadsResult", items)

    def _list_parts(self, request: Request, bucket: str, key: str, upload_id: str) -> Response:
        marker = _int(request.args.get("part-number-marker", "0"), "part-number-marker")
        limit = min(_int(request.args.get("max-parts", "1000"), "max-parts"), 1000)
        parts = [p for p in self.portal.uploads.objects.parts(upload_id) if p.number > marker]
        page, truncated = parts[:limit], len(parts) > limit
        items: list[tuple[str, Any]] = [
            ("Bucket", bucket), ("Key", key), ("UploadId", upload_id),
            ("StorageClass", "STANDARD"), ("PartNumberMarker", str(marker)),
            ("NextPartNumberMarker", str(page[-1].number if page else marker)),
            ("MaxParts", str(limit)), ("IsTruncated", "true" if truncated else "false")]
        items += [("Part", [("PartNumber", str(p.number)), ("LastModified", _iso(p.modified)),
                            ("ETag", f'"{p.etag}"'), ("Size", str(p.size))]) for p in page]
        return _xml("ListPartsResult", items)

    @staticmethod
    def _completed(request: Request, bucket: str, key: str, stored: Stored) -> Response:
        return _xml("CompleteMultipartUploadResult", [
            ("Location", f"{request.host_url.rstrip('/')}{request.script_root}/{bucket}/{key}"),
            ("Bucket", bucket), ("Key", key), ("ETag", f'"{stored.etag}"')])


def _plain_chunks(stream: IO[bytes], length: int) -> Iterator[bytes]:
    """``length`` bytes in reads of at most 1 MiB; the stream ending first is a disconnect."""
    left = length
    while left > 0:
        chunk = stream.read(min(_READ, left))
        if not chunk:
            raise ClientDisconnected()
        left -= len(chunk)
        yield chunk


def _aws_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """Decode `aws-chunked` (`<hex size>[;chunk-signature=...]\\r\\n<data>\\r\\n`... `0`,
    then trailers such as a checksum, which are ignored)."""
    while True:
        line = stream.readline()
        if not line:
            raise ClientDisconnected()
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise S3Error(400, "InvalidRequest", "malformed aws-chunked body") from None
        if size == 0:
            return
        yield from _plain_chunks(stream, size)
        stream.readline()  # the CRLF after the data


def _content_md5(request: Request) -> str | None:
    """The Content-MD5 header as hex, None without one."""
    value = request.headers.get("Content-MD5")
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        raise S3Error(400, "InvalidDigest", "The Content-MD5 you specified is not valid.") \
            from None


def _completed_parts(request: Request) -> list[tuple[int, str]]:
    body = request.stream.read(MAX_XML_BYTES + 1)
    if len(body) > MAX_XML_BYTES:
        raise S3Error(400, "MalformedXML", "the part list is too large")
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did "
                                           "not validate against our published schema") \
            from None
    parts = []
    for part in root:
        if _local(part.tag) != "Part":
            continue
        fields = {_local(child.tag): (child.text or "") for child in part}
        parts.append((_int(fields.get("PartNumber", ""), "PartNumber"),
                      fields.get("ETag", "")))
    if len(parts) > MAX_PARTS:
        raise S3Error(400, "MalformedXML", f"more than {MAX_PARTS} parts")
    return parts


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise S3Error(400, "InvalidArgument", f"{name} must be an integer") from None


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _xml(root: str, items: list[tuple[str, Any]], status: int = 200) -> Response:
    element = ET.Element(root, xmlns=_NS)
    _fill(element, items)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element)
    return Response(body, status, mimetype="application/xml",
                    headers={"x-amz-request-id": secrets.token_hex(8).upper()})


def _fill(parent: ET.Element, items: list[tuple[str, Any]]) -> None:
    for name, value in items:
        child = ET.SubElement(parent, name)
        if isinstance(value, list):
            _fill(child, value)
        else:
            child.text = value


def _error(error: S3Error, request: Request) -> Response:
    if request.method == "HEAD":  # S3 answers HEAD errors without a body
        return Response(status=error.status)
    element = ET.Element("Error")
    _fill(element, [("Code", error.code), ("Message", error.message),
                    ("Resource", request.path), ("RequestId", secrets.token_hex(8).upper())])
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element)
    return Response(body, error.status, mimetype="application/xml")


def _not_implemented(request: Request) -> S3Error:
    return S3Error(501, "NotImplemented", f"{request.method} {request.full_path} is not part "
                                          "of the local portal's S3 subset")
