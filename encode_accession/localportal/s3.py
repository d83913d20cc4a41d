"""The portal's own S3 endpoint: the part of the S3 REST API the upload credentials allow.

Path-style (`<portal>/_s3/<bucket>/<key>`). The real portal's credentials are a federation
token whose policy allows ``s3:PutObject`` on the one object key and nothing else
(ENCODE-DCC/encoded ``upload_credentials.py``; its GetObject statements name external
buckets, never the upload bucket). This endpoint enforces the same policy, so an uploader
that works here works there: PutObject, CreateMultipartUpload, UploadPart and
CompleteMultipartUpload (all ``s3:PutObject``) on that key are served; ListParts,
ListMultipartUploads, AbortMultipartUpload, HeadObject, GetObject, DeleteObject and copies
(UploadPartCopy and CopyObject also need ``s3:GetObject`` on their source) answer S3's
403 ``AccessDenied`` XML naming the action, as AWS does. A request is accepted only with the
access key id the portal issued for that object key (read from the SigV4 `Authorization`
header or a presigned query; the signature is not verified) and only until those
credentials expire. When an object is complete the portal runs its file check for it
(checkfiles), reading its store directly.
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
from urllib.parse import unquote

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
# object subresources: (the action reading them needs, the action writing them needs)
_SUBRESOURCES = {"tagging": ("s3:GetObjectTagging", "s3:PutObjectTagging"),
                 "acl": ("s3:GetObjectAcl", "s3:PutObjectAcl"),
                 "retention": ("s3:GetObjectRetention", "s3:PutObjectRetention"),
                 "legal-hold": ("s3:GetObjectLegalHold", "s3:PutObjectLegalHold"),
                 "attributes": ("s3:GetObjectAttributes", "s3:GetObjectAttributes")}


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
        action, resource = _action(request, bucket, key)
        grant = self._authorize(request, bucket, key) if key else None
        if (action, resource) != ("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}"):
            raise _denied(action, resource, grant)  # all but the upload policy's one
        objects = self.portal.uploads.objects
        args, method = request.args, request.method
        upload_id = args.get("uploadId")
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
        raise _not_implemented(request)

    def _authorize(self, request: Request, bucket: str, key: str) -> dict[str, Any]:
        """The credentials issued for this object, when the request is signed with their
        access key id (the signature is not verified) and they have not expired."""
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
        return grant

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

    @staticmethod
    def _completed(request: Request, bucket: str, key: str, stored: Stored) -> Response:
        return _xml("CompleteMultipartUploadResult", [
            ("Location", f"{request.host_url.rstrip('/')}{request.script_root}/{bucket}/{key}"),
            ("Bucket", bucket), ("Key", key), ("ETag", f'"{stored.etag}"')])


def _action(request: Request, bucket: str, key: str) -> tuple[str, str]:
    """The IAM action a request needs and the resource it needs it on (AWS's names: S3's
    "Actions, resources, and condition keys" table). A copy needs s3:PutObject on its
    target, which the upload policy grants, and s3:GetObject on its source, which it does
    not grant on this bucket: the source is what it is refused for."""
    method, args = request.method, request.args
    if not key:
        return {"PUT": "s3:CreateBucket", "DELETE": "s3:DeleteBucket",
                "POST": "s3:DeleteObject"}.get(method, "s3:ListBucketMultipartUploads"
                                               if "uploads" in args else "s3:ListBucket"), \
            f"arn:aws:s3:::{bucket}"
    resource = f"arn:aws:s3:::{bucket}/{key}"
    reading = method in ("GET", "HEAD")
    for sub, (read, write) in _SUBRESOURCES.items():
        if sub in args:
            return read if reading else write, resource
    if method == "PUT" and "x-amz-copy-source" in request.headers:
        source = unquote(request.headers["x-amz-copy-source"].partition("?")[0]).lstrip("/")
        return "s3:GetObject", f"arn:aws:s3:::{source}"
    if method == "PUT" or (method == "POST" and ("uploads" in args or "uploadId" in args)):
        return "s3:PutObject", resource
    if method == "GET" and "uploadId" in args:
        return "s3:ListMultipartUploadParts", resource
    if method == "DELETE":
        return "s3:AbortMultipartUpload" if "uploadId" in args else "s3:DeleteObject", resource
    return "s3:RestoreObject" if "restore" in args else "s3:GetObject", resource


def _denied(action: str, resource: str, grant: dict[str, Any] | None) -> S3Error:
    """AWS's answer to an action the credentials' policy does not allow (naming the user
    when the request is on their object: a bucket-level one is refused before it is placed)."""
    user = grant.get("federated_user_arn") if grant else None
    if not user:
        return S3Error(403, "AccessDenied", f'Access Denied: {action} on resource: '
                                            f'"{resource}" is not allowed')
    return S3Error(403, "AccessDenied", f"User: {user} is not authorized to perform: "
                                        f'{action} on resource: "{resource}" because no '
                                        f"session policy allows the {action} action")


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
