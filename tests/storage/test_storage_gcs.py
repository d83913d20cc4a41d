"""Storage against gcp-storage-emulator: md5Hash use, composite objects, errors."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading

import pytest
from google.cloud.storage import Blob

from encode_accession.core.errors import InputError
from encode_accession.storage.stores import GCS_RANGE_BYTES, Storage

pytestmark = pytest.mark.usefixtures("gcs_env")


@pytest.fixture
def bucket(gcs_emulator):
    return gcs_emulator.client().bucket(gcs_emulator.bucket)


def upload(bucket, key: str, data: bytes) -> str:
    bucket.blob(key).upload_from_string(data)
    return f"gs://{bucket.name}/{key}"


def test_md5_comes_from_md5hash(bucket, caplog):
    data = os.urandom(100_000)
    uri = upload(bucket, "plain/r1.bam", data)
    assert bucket.get_blob("plain/r1.bam").md5_hash  # the emulator stores one, like GCS

    with caplog.at_level(logging.INFO, logger="encode_accession.storage.stores"):
        assert Storage().md5(uri) == hashlib.md5(data).hexdigest()
    assert "hashing" not in caplog.text


def test_composite_object_md5_is_correct(bucket):
    """Real GCS gives composites no md5Hash; the emulator computes one anyway.

    So here md5 takes the md5Hash path; the next test covers the real-GCS shape.
    """
    parts = [os.urandom(70_000), os.urandom(30_000)]
    for index, part in enumerate(parts):
        upload(bucket, f"composite/part{index}", part)
    composite = bucket.blob("composite/whole.bam")
    composite.compose([bucket.blob(f"composite/part{i}") for i in range(len(parts))])

    assert bucket.get_blob("composite/whole.bam").md5_hash  # emulator differs from GCS here
    uri = f"gs://{bucket.name}/composite/whole.bam"
    assert Storage().md5(uri) == hashlib.md5(b"".join(parts)).hexdigest()


def test_composite_without_md5hash_is_streamed(bucket, caplog):
    parts = [os.urandom(3 << 20), os.urandom(1 << 20)]
    for index, part in enumerate(parts):
        upload(bucket, f"composite-gcs/part{index}", part)
    composite = bucket.blob("composite-gcs/whole.bam")
    composite.compose([bucket.blob(f"composite-gcs/part{i}") for i in range(len(parts))])
    # Make the emulator answer like real GCS for a composite: no md5Hash (it stores "").
    composite.md5_hash = ""
    composite.patch()
    assert not bucket.get_blob("composite-gcs/whole.bam").md5_hash

    uri = f"gs://{bucket.name}/composite-gcs/whole.bam"
    with caplog.at_level(logging.INFO, logger="encode_accession.storage.stores"):
        assert Storage().md5(uri) == hashlib.md5(b"".join(parts)).hexdigest()
    assert "no md5Hash" in caplog.text


def test_size_exists_and_open_read_stream_the_bytes(bucket):
    data = os.urandom(5 << 20)
    uri = upload(bucket, "stream/big.bin", data)
    storage = Storage()

    assert storage.size(uri) == len(data)
    assert storage.exists(uri)
    assert not storage.exists(f"gs://{bucket.name}/stream/absent.bin")
    assert not storage.exists("gs://no-such-bucket/stream/big.bin")
    chunks = []
    with storage.open_read(uri) as stream:
        while chunk := stream.read(1 << 20):
            chunks.append(chunk)
    assert len(chunks) == 5
    assert b"".join(chunks) == data


def test_gcs_objects_are_read_in_large_ranges_a_large_read_in_one_request(bucket,
                                                                          monkeypatch):
    data = os.urandom(GCS_RANGE_BYTES + (3 << 20))
    uri = upload(bucket, "stream/ranges.bin", data)
    ranges = []
    download = Blob.download_as_bytes

    def counted(blob, **kwargs):
        ranges.append((kwargs["start"], kwargs["end"]))
        return download(blob, **kwargs)

    monkeypatch.setattr(Blob, "download_as_bytes", counted)
    storage = Storage()
    with storage.open_read(uri) as stream:  # the upload of a file in one part
        assert stream.read(len(data) + 1) == data and stream.read(1) == b""
    assert ranges == [(0, len(data) - 1)]
    ranges.clear()
    with storage.open_read(uri) as stream:  # small reads (hashing): ranges of the minimum
        chunks = list(iter(lambda: stream.read(1 << 20), b""))
    assert b"".join(chunks) == data
    assert ranges == [(0, GCS_RANGE_BYTES - 1), (GCS_RANGE_BYTES, len(data) - 1)]


def test_reads_cromwell_metadata(bucket):
    metadata = {"id": "6a6e2b47", "status": "Succeeded", "calls": {}}
    uri = upload(bucket, "run/metadata.json", json.dumps(metadata).encode())
    assert json.loads(Storage().read_bytes(uri)) == metadata


def test_md5_is_cached(bucket):
    data = b"cached once"
    uri = upload(bucket, "cache/x.txt", data)
    storage = Storage()
    first = storage.md5(uri)
    bucket.blob("cache/x.txt").delete()

    assert storage.md5(uri) == first == hashlib.md5(data).hexdigest()
    with pytest.raises(InputError):
        Storage().md5(uri)  # a fresh cache really has to ask GCS


def test_md5_and_size_share_one_metadata_request(bucket):
    data = b"one metadata request"
    uri = upload(bucket, "cache/meta.txt", data)
    storage = Storage()
    storage.md5(uri)
    bucket.blob("cache/meta.txt").delete()
    assert storage.size(uri) == len(data)  # from the blob metadata md5 already fetched


@pytest.mark.parametrize("operation", ["md5", "size", "open_read", "read_bytes"])
@pytest.mark.parametrize("uri", ["gs://encode-test/nope/x.bam", "gs://no-such-bucket/x.bam"])
def test_missing_object_is_one_input_error(operation, uri):
    with pytest.raises(InputError) as raised:
        getattr(Storage(), operation)(uri)
    assert raised.value.source == uri
    assert "not found" in raised.value.problem


def test_uri_without_key_is_rejected():
    with pytest.raises(InputError, match="not an object URI"):
        Storage().md5("gs://encode-test")


def test_missing_google_credentials_name_adc(monkeypatch, tmp_path):
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    uri = "gs://encode-test/run/metadata.json"

    with pytest.raises(InputError) as raised:
        Storage().md5(uri)
    assert raised.value.source == uri
    assert "no usable Google credentials" in raised.value.problem
    assert "GOOGLE_APPLICATION_CREDENTIALS" in raised.value.fix


@pytest.fixture
def answering_400(gcs_env, monkeypatch):
    """A loopback endpoint (in place of the emulator) that answers every request as GCS
    does a bad one (not retried)."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    def app(environ, start_response):
        body = json.dumps({"error": {"code": 400, "message": "Invalid bucket name"}})
        return Response(body, 400, content_type="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{server.server_port}")
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.usefixtures("answering_400")
def test_an_error_answer_from_gcs_is_one_input_error():
    uri = "gs://bad_bucket/x.bam"
    with pytest.raises(InputError) as raised:
        Storage().md5(uri)
    assert raised.value.message.startswith(
        f"{uri}: Google Cloud Storage refused to read it (HTTP 400: ")
    assert "Invalid bucket name" in raised.value.problem


def test_no_answer_from_gcs_within_the_retry_deadline_is_one_input_error():
    """The client retries a refused connection for 120 s, then raises RetryError; the
    mapping is checked on that exception itself."""
    from google.api_core.exceptions import RetryError

    uri = "gs://encode-test/x.bam"
    refused = ConnectionRefusedError(111, "Connection refused")
    with pytest.raises(InputError) as raised, Storage()._gcs.errors(uri):
        raise RetryError("Timeout of 120.0s exceeded", refused)
    assert raised.value.message == (
        f"{uri}: no answer from Google Cloud Storage ([Errno 111] Connection refused) (fix: "
        "check the network and the STORAGE_EMULATOR_HOST variable, if set, then run the same "
        "command again)")
