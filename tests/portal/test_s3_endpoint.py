"""The local portal's own S3 endpoint, driven by boto3 itself with the credentials the portal
issues: put and multipart (boto3's TransferConfig) work; everything else the real portal's
upload policy denies (list parts and uploads, abort, head, get, delete, copy, tagging) is
403 AccessDenied; only the access key issued for an object is accepted, and objects appear
whole or not at all."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import time_limit

from encode_accession.localportal.objects import PART_MIN_BYTES, ObjectStore
from encode_accession.localportal.portal import UPLOAD_SHEET

from .payloads import bam

MIB = 1 << 20
STRICT = Config(request_checksum_calculation="when_required",
                response_checksum_validation="when_required")


def posted(portal, content: bytes, alias: str = "encode-awg:s3-1") -> dict:
    return portal.client.post("file", bam(alias, md5sum=hashlib.md5(content).hexdigest(),
                                          file_size=len(content)))


def s3_for(credentials: dict, config: Config | None = STRICT, **overrides):
    """A boto3 client as an uploader makes it from the portal's credentials."""
    return boto3.client("s3", endpoint_url=credentials["endpoint_url"], region_name="us-east-1",
                        aws_access_key_id=overrides.get("access_key", credentials["access_key"]),
                        aws_secret_access_key=credentials["secret_key"],
                        aws_session_token=credentials["session_token"], config=config)


def where(credentials: dict) -> tuple[str, str]:
    target = urlparse(credentials["upload_url"])
    return target.netloc, target.path.lstrip("/")


def status(portal, file: dict) -> str:
    return portal.client.get(file["@id"], database=True)["status"]


def error_code(exc: pytest.ExceptionInfo) -> tuple[int, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


@pytest.mark.parametrize("config", [STRICT, None], ids=["checksums-when-required",
                                                        "boto3-defaults"])
def test_put_object_stores_the_bytes_and_the_portal_checks_them(portal, config):
    content = b"alignment bytes\n" * 1000
    file = posted(portal, content)
    creds = file["upload_credentials"]
    bucket, key = where(creds)
    s3 = s3_for(creds, config)
    put = s3.put_object(Bucket=bucket, Key=key, Body=content)
    assert put["ETag"] == f'"{hashlib.md5(content).hexdigest()}"'
    etag, size, _ = portal.portal.uploads.objects.head(key)
    assert (etag, size) == (hashlib.md5(content).hexdigest(), len(content))
    assert status(portal, file) == "in progress"
    download = portal.client._session.get(portal.client.server + file["href"], timeout=10)
    assert download.content == content


def test_boto3_multipart_upload_through_transfer_config(portal):
    content = bytes(range(256)) * (11 * MIB // 256)  # 11 MiB: parts of 5, 5 and 1
    file = posted(portal, content)
    creds = file["upload_credentials"]
    bucket, key = where(creds)
    s3 = s3_for(creds)
    s3.upload_fileobj(io.BytesIO(content), bucket, key,
                      Config=TransferConfig(multipart_threshold=5 * MIB,
                                            multipart_chunksize=5 * MIB, max_concurrency=3))
    assert portal.portal.uploads.objects.head(key)[0].endswith("-3")
    assert status(portal, file) == "in progress"
    assert portal.app.s3.bytes_received == len(content)


def unfinished(portal) -> list[str]:
    """The store's unfinished multipart uploads (read on disk: the endpoint lists none)."""
    folder = portal.portal.uploads.objects.root / ".multipart"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_upload_policy_denies_all_but_put_and_multipart_on_its_key(portal):
    file = posted(portal, b"x" * (6 * MIB))
    creds = file["upload_credentials"]
    bucket, key = where(creds)
    s3 = s3_for(creds)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    first = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                           Body=b"x" * (5 * MIB))
    ids = {"Bucket": bucket, "Key": key}
    denied = {
        "s3:ListMultipartUploadParts": lambda: s3.list_parts(**ids, UploadId=upload_id),
        "s3:ListBucketMultipartUploads": lambda: s3.list_multipart_uploads(Bucket=bucket,
                                                                           Prefix=key),
        "s3:AbortMultipartUpload": lambda: s3.abort_multipart_upload(**ids,
                                                                      UploadId=upload_id),
        "s3:GetObject": lambda: s3.get_object(**ids),
        "s3:DeleteObject": lambda: s3.delete_object(**ids),
        "s3:PutObjectTagging": lambda: s3.put_object_tagging(
            **ids, Tagging={"TagSet": [{"Key": "md5sum", "Value": "0" * 32}]}),
        "s3:ListBucket": lambda: s3.list_objects_v2(Bucket=bucket),
    }
    for action, call in denied.items():
        with pytest.raises(ClientError) as refused:
            call()
        assert error_code(refused) == (403, "AccessDenied"), action
        assert action in refused.value.response["Error"]["Message"], action
        if "List" not in action or "Parts" in action:  # on the key: AWS names the user
            assert creds["federated_user_arn"] in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as head:
        s3.head_object(**ids)
    assert error_code(head)[0] == 403  # HEAD answers have no body, hence no code
    for copy in (lambda: s3.copy_object(**ids, CopySource={"Bucket": bucket, "Key": key}),
                 lambda: s3.upload_part_copy(**ids, UploadId=upload_id, PartNumber=2,
                                             CopySource={"Bucket": bucket, "Key": key})):
        with pytest.raises(ClientError) as refused:
            copy()
        assert error_code(refused) == (403, "AccessDenied")
        assert f's3:GetObject on resource: "arn:aws:s3:::{bucket}/{key}"' in \
            refused.value.response["Error"]["Message"]  # the source may not be read
    assert unfinished(portal) == [upload_id]  # the abort did nothing
    assert portal.portal.uploads.objects.head(key) is None  # parts stay invisible
    assert status(portal, file) == "uploading"
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, Body=b"x" * MIB)
    s3.complete_multipart_upload(**ids, UploadId=upload_id, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": first["ETag"]},
        {"PartNumber": 2, "ETag": f'"{hashlib.md5(b"x" * MIB).hexdigest()}"'}]})
    assert unfinished(portal) == [] and status(portal, file) == "in progress"


def test_completing_with_a_part_that_is_not_there_is_refused(portal):
    file = posted(portal, b"y" * 10)
    bucket, key = where(file["upload_credentials"])
    s3 = s3_for(file["upload_credentials"])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"y" * 10)
    with pytest.raises(ClientError) as wrong:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                 "ETag": '"0" * 32'}]})
    assert error_code(wrong) == (400, "InvalidPart")
    assert status(portal, file) == "uploading"


def test_only_the_key_id_issued_for_the_object_is_accepted(portal):
    mine = posted(portal, b"mine", "encode-awg:s3-mine")
    other = posted(portal, b"other", "encode-awg:s3-other")
    bucket, key = where(mine["upload_credentials"])
    for creds in (other["upload_credentials"],
                  {**mine["upload_credentials"], "access_key": "ASIANEVERISSUED0000"}):
        with pytest.raises(ClientError) as refused:
            s3_for(creds).put_object(Bucket=bucket, Key=key, Body=b"mine")
        assert error_code(refused) == (403, "AccessDenied")
        with pytest.raises(ClientError) as listing:
            s3_for(creds).list_multipart_uploads(Bucket=bucket, Prefix=key)
        assert error_code(listing) == (403, "AccessDenied")
    assert status(portal, mine) == "uploading"


def test_expired_credentials_are_refused(portal):
    file = posted(portal, b"late")
    store = portal.portal.store
    uuid = file["uuid"]
    creds = store.get_sheet(uuid, UPLOAD_SHEET)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    store.put_sheet(uuid, UPLOAD_SHEET, {**creds, "expiration": past})
    bucket, key = where(file["upload_credentials"])
    with pytest.raises(ClientError) as expired:
        s3_for(file["upload_credentials"]).put_object(Bucket=bucket, Key=key, Body=b"late")
    assert error_code(expired) == (403, "ExpiredToken")


def test_a_put_cut_off_mid_body_leaves_no_object(portal):
    content = b"z" * 100_000
    file = posted(portal, content)
    creds = file["upload_credentials"]
    bucket, key = where(creds)
    endpoint = urlparse(creds["endpoint_url"])
    with socket.create_connection((endpoint.hostname, endpoint.port)) as conn:
        conn.sendall(
            f"PUT {endpoint.path}/{bucket}/{key} HTTP/1.1\r\nHost: {endpoint.netloc}\r\n"
            f"Authorization: AWS4-HMAC-SHA256 Credential={creds['access_key']}/20250101/"
            "us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n"
            f"Content-Length: {len(content)}\r\n\r\n".encode() + content[:40_000])
    incoming = portal.portal.uploads.objects.root / ".incoming"
    deadline = time.monotonic() + time_limit(10)
    # the bytes sent were read (so the temporary file was made), then it is removed
    while (portal.app.s3.bytes_received < 40_000 or any(incoming.iterdir())) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert portal.app.s3.bytes_received == 40_000
    assert not any(incoming.iterdir()), "the server did not drop the partial body"
    assert portal.portal.uploads.objects.head(key) is None
    assert status(portal, file) == "uploading"  # not a content error


def test_a_content_md5_that_does_not_match_the_body_is_refused(portal):
    file = posted(portal, b"abc")
    bucket, key = where(file["upload_credentials"])
    s3 = s3_for(file["upload_credentials"])
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=bucket, Key=key, Body=b"abc",
                      ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")  # the md5 of no bytes
    assert error_code(refused) == (400, "BadDigest")
    assert status(portal, file) == "uploading"


@pytest.mark.parametrize("kernel_copy", [True, False], ids=["copy_file_range", "plain-write"])
def test_completed_parts_join_into_the_object_with_its_md5(tmp_path, monkeypatch, kernel_copy):
    if not kernel_copy:
        monkeypatch.delattr("os.copy_file_range", raising=False)
    objects = ObjectStore(tmp_path)
    upload_id = objects.create_upload("2025/01/01/u/A.bam")
    first, second = os.urandom(PART_MIN_BYTES), os.urandom(1000)
    etags = [objects.put_part(upload_id, 1, [first]), objects.put_part(upload_id, 2, [second])]
    key, stored = objects.complete(upload_id, list(zip([1, 2], etags, strict=True)))
    assert stored.md5 == hashlib.md5(first + second).hexdigest()
    assert stored.size == len(first) + len(second) and stored.etag.endswith("-2")
    assert b"".join(objects.read(key)) == first + second
    assert list((tmp_path / ".multipart").iterdir()) == []


def test_bytes_left_by_a_process_that_died_writing_them_are_swept(tmp_path):
    incoming = tmp_path / ".incoming"
    incoming.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (incoming / f"{dead}-cafe").write_bytes(b"partial")
    (incoming / f"{os.getpid()}-beef").write_bytes(b"being written")
    ObjectStore(tmp_path)
    assert sorted(p.name for p in incoming.iterdir()) == [f"{os.getpid()}-beef"]
