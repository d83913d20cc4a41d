"""Storage against a moto S3 server: md5sum tag, ETags, multipart uploads, errors."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from boto3.s3.transfer import TransferConfig

from encode_accession.core.errors import InputError
from encode_accession.storage.stores import Storage

pytestmark = pytest.mark.usefixtures("aws_env")

MiB = 1 << 20


@pytest.fixture
def s3(moto_s3):
    return moto_s3.client()


@pytest.fixture
def storage(moto_s3) -> Storage:
    return Storage(s3_endpoint_url=moto_s3.endpoint_url)


def put(moto_s3, key: str, data: bytes, **extra) -> str:
    moto_s3.client().put_object(Bucket=moto_s3.bucket, Key=key, Body=data, **extra)
    return f"s3://{moto_s3.bucket}/{key}"


def test_md5sum_tag_wins_over_the_bytes(moto_s3, storage, caplog):
    tag = "0123456789abcdef0123456789abcdef"  # deliberately not the md5 of the bytes
    uri = put(moto_s3, "tagged/r1.bam", b"some bytes", Tagging=f"md5sum={tag}")
    with caplog.at_level(logging.INFO, logger="encode_accession.storage.stores"):
        assert storage.md5(uri) == tag
    assert "hashing" not in caplog.text


def test_malformed_tag_is_ignored(moto_s3, storage):
    data = b"tag is junk"
    uri = put(moto_s3, "tagged/junk.bam", data, Tagging="md5sum=not-an-md5")
    assert storage.md5(uri) == hashlib.md5(data).hexdigest()


def test_single_part_etag_is_the_md5(moto_s3, storage, caplog):
    data = os.urandom(200_000)
    uri = put(moto_s3, "etag/r1.bam", data)
    with caplog.at_level(logging.INFO, logger="encode_accession.storage.stores"):
        assert storage.md5(uri) == hashlib.md5(data).hexdigest()
    assert "hashing" not in caplog.text


def test_multipart_upload_is_streamed_for_the_true_md5(moto_s3, s3, storage, caplog):
    data = os.urandom(11 * MiB)
    parts = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_fileobj(io.BytesIO(data), moto_s3.bucket, "multipart/r1.bam", Config=parts)
    etag = s3.head_object(Bucket=moto_s3.bucket, Key="multipart/r1.bam")["ETag"]
    assert etag.endswith('-3"')  # md5 of the part md5s, not of the file

    uri = f"s3://{moto_s3.bucket}/multipart/r1.bam"
    with caplog.at_level(logging.INFO, logger="encode_accession.storage.stores"):
        assert storage.md5(uri) == hashlib.md5(data).hexdigest()
    assert "is not an md5: hashing" in caplog.text


def test_kms_encrypted_object_is_streamed(moto_s3, storage, caplog):
    """AWS gives SSE-KMS objects a non-md5 ETag (moto does not), so don't trust it."""
    data = b"encrypted with a KMS key"
    uri = put(moto_s3, "kms/r1.bam", data, ServerSideEncryption="aws:kms")
    with caplog.at_level(logging.INFO, logger="encode_accession.storage.stores"):
        assert storage.md5(uri) == hashlib.md5(data).hexdigest()
    assert "is not an md5: hashing" in caplog.text


def test_size_exists_and_open_read_stream_the_bytes(moto_s3, storage):
    data = os.urandom(3 * MiB)
    uri = put(moto_s3, "stream/big.bin", data)

    assert storage.size(uri) == len(data)
    assert storage.exists(uri)
    assert not storage.exists(f"s3://{moto_s3.bucket}/stream/absent.bin")
    with storage.open_read(uri) as stream:
        chunks = list(iter(lambda: stream.read(MiB), b""))
    assert len(chunks) == 3
    assert b"".join(chunks) == data


def test_reads_cromwell_metadata(moto_s3, storage):
    metadata = {"id": "6a6e2b47", "status": "Succeeded", "calls": {}}
    uri = put(moto_s3, "run/metadata.json", json.dumps(metadata).encode())
    assert json.loads(storage.read_bytes(uri)) == metadata


def test_md5_is_cached(moto_s3, s3, storage):
    data = b"cached once"
    uri = put(moto_s3, "cache/x.txt", data)
    first = storage.md5(uri)
    s3.delete_object(Bucket=moto_s3.bucket, Key="cache/x.txt")

    assert storage.md5(uri) == first == hashlib.md5(data).hexdigest()
    with pytest.raises(InputError):
        Storage(s3_endpoint_url=moto_s3.endpoint_url).md5(uri)


def test_md5_and_size_share_one_head_request(moto_s3, s3, storage):
    data = b"one head_object"
    uri = put(moto_s3, "cache/head.txt", data)
    storage.md5(uri)  # no md5sum tag: the single-part ETag, read with head_object
    s3.delete_object(Bucket=moto_s3.bucket, Key="cache/head.txt")
    assert storage.size(uri) == len(data)  # answered from that same head_object


def test_endpoint_from_environment(moto_s3, monkeypatch):
    monkeypatch.setenv("ENCODE_S3_ENDPOINT_URL", moto_s3.endpoint_url)
    uri = put(moto_s3, "env/x.txt", b"via env")
    assert Storage().size(uri) == len(b"via env")


@pytest.mark.parametrize("operation", ["md5", "size", "open_read", "read_bytes"])
@pytest.mark.parametrize("uri", ["s3://encode-test/nope/x.bam", "s3://no-such-bucket/x.bam"])
def test_missing_object_is_one_input_error(storage, operation, uri):
    with pytest.raises(InputError) as raised:
        getattr(storage, operation)(uri)
    assert raised.value.source == uri
    assert "not found" in raised.value.problem


def test_a_missing_bucket_is_named(storage):
    with pytest.raises(InputError) as raised:
        storage.md5("s3://no-such-bucket/x.bam")
    assert raised.value.problem == "bucket no-such-bucket not found (NoSuchBucket)"
    assert "s3_endpoint_url" in raised.value.fix


def test_an_endpoint_that_does_not_answer_is_one_input_error():
    with socket.socket() as probe:  # a free port: nothing listens there
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    uri = "s3://encode-test/x.bam"
    with pytest.raises(InputError) as raised:
        Storage(s3_endpoint_url=endpoint).md5(uri)
    assert raised.value.message.startswith(
        f"{uri}: no answer from S3 at {endpoint} (Could not connect to the endpoint URL: ")
    assert raised.value.fix == ("check the network and the s3_endpoint_url setting "
                                "(ENCODE_S3_ENDPOINT_URL), then run the same command again")


def test_missing_credentials_name_the_env_vars(moto_s3, storage, monkeypatch):
    uri = put(moto_s3, "creds/x.txt", b"x")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(InputError) as raised:
        storage.md5(uri)
    assert raised.value.source == uri
    assert "no usable AWS credentials" in raised.value.problem
    assert "AWS_ACCESS_KEY_ID" in raised.value.fix


def test_unknown_access_key_is_access_denied(moto_s3, storage):
    uri = put(moto_s3, "creds/y.txt", b"y")
    with moto_s3.iam_auth(), pytest.raises(InputError) as raised:
        storage.size(uri)
    assert raised.value.source == uri
    assert "access denied" in raised.value.problem
    assert "AWS_ACCESS_KEY_ID" in raised.value.fix


def test_reader_without_tagging_permission_falls_back_to_etag(moto_s3, monkeypatch):
    """Read-only roles often lack s3:GetObjectTagging; the ETag must still serve."""
    data = b"readable, tags are not"
    uri = put(moto_s3, "perm/x.txt", data, Tagging="md5sum=0123456789abcdef0123456789abcdef")
    iam = moto_s3.client("iam")
    iam.create_user(UserName="reader")
    policy = {
        "Version": "2012-10-17",
        # AWS authorizes HeadObject as s3:GetObject; moto >= 5.2.6 asks for s3:HeadObject
        # (not an IAM action on AWS). Either way the role lacks s3:GetObjectTagging.
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:HeadObject"],
                       "Resource": "*"}],
    }
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])

    with moto_s3.iam_auth():
        assert Storage(s3_endpoint_url=moto_s3.endpoint_url).md5(uri) == \
            hashlib.md5(data).hexdigest()


def test_threads_share_one_storage(moto_s3, storage):
    """Preflight checksums from a thread pool; the lazy client must survive that."""
    data = [os.urandom(10_000 + i) for i in range(16)]
    uris = [put(moto_s3, f"threads/{i}.bin", blob) for i, blob in enumerate(data)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        md5s = list(pool.map(storage.md5, uris))
    assert md5s == [hashlib.md5(blob).hexdigest() for blob in data]
