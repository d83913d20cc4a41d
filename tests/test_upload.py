"""Uploads into the local portal's own S3, whose upload credentials may not list, head or
abort anything (as on the real portal): a multipart upload killed half-way continues from
its journal without re-sending the parts S3 confirmed (the endpoint counts the bytes it
receives), with the same or regenerated credentials; an upload S3 no longer knows starts
afresh; bytes that are not the planned ones are never completed; the endpoint over TLS is
trusted through the portal's CA bundle."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import time_limit
from services import serve_portal

from encode_accession.accession.journal import Journal
from encode_accession.accession.upload import ONE_PUT_BYTES, Planned, _s3_client, upload
from encode_accession.core.errors import InputError
from encode_accession.localportal import FaultConfig, LocalPortal, PortalApp, UploadConfig
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal import PortalClient
from encode_accession.run.receipts import load
from encode_accession.run.state import SentPart, UploadJournal
from encode_accession.storage.stores import Storage

MIB = 1 << 20
PART = 8 * MIB  # payloads.part_size of files under 78 GiB
PARTS = ONE_PUT_BYTES // PART + 1  # of the smallest file uploaded in parts

UPLOADER = """
import json, sys
from pathlib import Path
from encode_accession.accession.journal import Journal
from encode_accession.accession.upload import Planned, upload
from encode_accession.storage.stores import Storage
path, md5, size, creds = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
folder = Path(sys.argv[5])
journal = Journal(folder / "rep1-bam.parts.json", folder, workflow_id="wf-1",
                  server="local:test", file_id="rep1-bam", portal_id="/files/X/")
upload(Storage(), path, Planned(md5, size), creds, journal=journal)
"""


def journal_for(folder: Path, file_id: str = "rep1-bam", portal_id: str = "/files/X/",
                workflow_id: str = "wf-1") -> Journal:
    """The journal a run's upload job keeps for one file, in ``folder``."""
    return Journal(folder / f"{file_id}.parts.json", folder, workflow_id=workflow_id,
                   server="local:test", file_id=file_id, portal_id=portal_id)


def journaled(folder: Path) -> UploadJournal | None:
    path = folder / "rep1-bam.parts.json"
    return load(path, UploadJournal, folder) if path.exists() else None


@pytest.fixture
def portal(tmp_path):
    return PortalClient(f"local:{tmp_path / 'portal.sqlite'}")


@pytest.fixture
def aws_keys(monkeypatch):
    """What Storage reads s3:// sources on moto with."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)


def post_file(portal: PortalClient, path: Path, alias: str = "encode-awg:upload-1") -> dict:
    content = path.read_bytes()
    return portal.post("file", {
        "aliases": [alias], "dataset": "/experiments/TSTSR000001/", "file_format": "bam",
        "output_type": "alignments", "assembly": "GRCh38", "lab": "/labs/encode-awg/",
        "award": "/awards/DEMO-AWARD/", "md5sum": hashlib.md5(content).hexdigest(),
        "file_size": len(content), "derived_from": ["/files/TSTFF000001/"]})


@pytest.mark.parametrize("credentials", ["same", "regenerated"])
def test_a_multipart_upload_killed_half_way_resumes_without_resending_its_parts(
        portal, tmp_path, credentials):
    content = os.urandom(PARTS * PART)
    path = tmp_path / "big.bam"
    path.write_bytes(content)
    file = post_file(portal, path)
    creds, md5 = file["upload_credentials"], file["md5sum"]
    runs = tmp_path / "run"
    app = portal.embedded.app
    app.faults.configure(FaultConfig(latency_ms=1000))  # every S3 request waits 1 s first
    uploader = subprocess.Popen([sys.executable, "-c", UPLOADER, str(path), md5,
                                 str(len(content)), json.dumps(creds), str(runs)])
    deadline = time.monotonic() + time_limit(60)
    while len(getattr(journaled(runs), "parts", ())) < 3 and uploader.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    uploader.send_signal(signal.SIGKILL)
    uploader.wait()
    app.faults.configure(FaultConfig())
    journal = journaled(runs)
    assert journal is not None and 3 <= len(journal.parts) < PARTS, "not killed half-way"
    assert portal.get(file["@id"], database=True)["status"] == "uploading"
    s3 = _s3_client(creds, None)
    with pytest.raises(Exception, match="AccessDenied"):  # as on the real portal
        s3.list_parts(Bucket=urlparse(creds["upload_url"]).netloc,
                      Key=urlparse(creds["upload_url"]).path[1:], UploadId=journal.upload_id)
    if credentials == "regenerated":
        creds = portal.regenerate_upload_credentials(file["@id"])
        assert creds["access_key"] != file["upload_credentials"]["access_key"]
    time.sleep(1.1)  # requests still in their latency have been served meanwhile
    received = app.s3.bytes_received
    upload(Storage(), str(path), Planned(md5, len(content)), creds,
           journal=journal_for(runs))
    resent = app.s3.bytes_received - received
    assert resent == (PARTS - len(journal.parts)) * PART  # only the parts not confirmed
    assert journaled(runs) is None  # complete: nothing left to continue
    current = portal.get(file["@id"], database=True)
    assert current["status"] == "in progress" and current["file_size"] == len(content)
    download = portal._session.get(portal.server + file["href"], timeout=30)
    assert hashlib.md5(download.content).hexdigest() == md5


def test_an_upload_s3_no_longer_knows_starts_afresh(portal, tmp_path):
    content = os.urandom(ONE_PUT_BYTES + 10)
    path = tmp_path / "out.bam"
    path.write_bytes(content)
    file = post_file(portal, path)
    creds = file["upload_credentials"]
    s3 = _s3_client(creds, None)
    bucket, key = urlparse(creds["upload_url"]).netloc, urlparse(creds["upload_url"]).path[1:]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    journal = journal_for(tmp_path, portal_id=file["@id"])
    journal.begin(creds["upload_url"], file["md5sum"], len(content), PART, upload_id)
    parts = []
    for number, start in enumerate(range(0, len(content), PART), 1):
        body = content[start:start + PART]
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                              Body=body)["ETag"].strip('"')
        journal.confirm(SentPart(number, len(body), etag, hashlib.md5(body).hexdigest()))
        parts.append({"PartNumber": number, "ETag": f'"{etag}"'})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                 MultipartUpload={"Parts": parts})  # by a concurrent run
    received = portal.embedded.app.s3.bytes_received
    upload(Storage(), str(path), Planned(file["md5sum"], len(content)), creds,
           journal=journal_for(tmp_path, portal_id=file["@id"]))
    assert portal.embedded.app.s3.bytes_received - received == len(content)  # afresh
    assert not journal.path.exists()
    assert portal.get(file["@id"], database=True)["status"] == "in progress"


def test_a_journal_of_another_run_file_or_bytes_is_not_continued(tmp_path):
    mine = journal_for(tmp_path)
    mine.begin("s3://b/k", "a" * 32, 100, PART, "upload-1")
    assert journal_for(tmp_path).resume("s3://b/k", "a" * 32, 100, PART) is not None
    for other in (journal_for(tmp_path, workflow_id="wf-2"),
                  journal_for(tmp_path, portal_id="/files/Y/")):
        assert other.resume("s3://b/k", "a" * 32, 100, PART) is None
    for url, md5, size, part in (("s3://b/other", "a" * 32, 100, PART),
                                 ("s3://b/k", "b" * 32, 100, PART),
                                 ("s3://b/k", "a" * 32, 101, PART),
                                 ("s3://b/k", "a" * 32, 100, 2 * PART)):
        assert journal_for(tmp_path).resume(url, md5, size, part) is None


@pytest.mark.parametrize("size", [1000, ONE_PUT_BYTES + 5], ids=["one-part", "multipart"])
def test_an_output_changed_after_its_checksum_is_not_uploaded(portal, tmp_path, size):
    path = tmp_path / "out.bam"
    path.write_bytes(b"a" * size)
    file = post_file(portal, path)
    path.write_bytes(b"b" * size)  # changed after its checksum was taken
    with pytest.raises(InputError, match="changed after its checksum was taken") as exc:
        upload(Storage(), str(path), Planned(file["md5sum"], size), file["upload_credentials"],
               journal=journal_for(tmp_path))
    assert str(path) in exc.value.message and "--forcerun checksums" in exc.value.message
    unfinished = portal.embedded.app.portal.uploads.objects.root / ".multipart"
    if size > PART:  # not completed; the credentials may not abort it
        assert "not completed" in exc.value.message and "lifecycle" in exc.value.message
        assert len(list(unfinished.iterdir())) == 1
    else:
        assert "nothing was uploaded" in exc.value.message and not unfinished.exists()
    assert portal.get(file["@id"], database=True)["status"] == "uploading"


def test_a_grown_output_is_not_uploaded(portal, tmp_path):
    path = tmp_path / "out.bam"
    path.write_bytes(b"a" * 1000)
    file = post_file(portal, path)
    with path.open("ab") as out:
        out.write(b"more")
    with pytest.raises(InputError, match="more than 1000 bytes"):
        upload(Storage(), str(path), Planned(file["md5sum"], 1000), file["upload_credentials"],
               journal=journal_for(tmp_path))


def test_the_portals_own_s3_over_tls_is_trusted_through_the_portals_ca_bundle(tmp_path):
    app = PortalApp(LocalPortal(tmp_path / "portal.sqlite"))
    with serve_portal(app, tls_dir=tmp_path / "tls") as (url, cert):
        portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, ca_bundle=str(cert))
        path = tmp_path / "out.bam"
        path.write_bytes(b"over tls\n")
        file = post_file(portal, path)
        assert file["upload_credentials"]["endpoint_url"] == f"{url}/_s3"
        assert portal.verify == str(cert)
        upload(Storage(), str(path), Planned(file["md5sum"], 9), file["upload_credentials"],
               journal=journal_for(tmp_path), verify=portal.verify)
        assert portal.get(file["@id"], database=True)["status"] == "in progress"


def test_an_s3_source_on_another_service_is_streamed_to_the_portals_s3(
        portal, tmp_path, moto_s3, aws_keys):
    content = os.urandom(PART + 100)  # two parts
    moto_s3.client().put_object(Bucket=moto_s3.bucket, Key="run/out.bam", Body=content)
    local = tmp_path / "out.bam"
    local.write_bytes(content)
    file = post_file(portal, local)
    storage = Storage(s3_endpoint_url=moto_s3.endpoint_url)
    upload(storage, f"s3://{moto_s3.bucket}/run/out.bam", Planned(file["md5sum"], len(content)),
           file["upload_credentials"], journal=journal_for(tmp_path))
    assert portal.embedded.app.s3.bytes_received == len(content)  # through this process
    assert portal.get(file["@id"], database=True)["status"] == "in progress"


def test_an_s3_source_on_the_same_service_is_copied_server_side(tmp_path, moto_s3, aws_keys,
                                                                 monkeypatch):
    content = os.urandom(1000)
    s3 = moto_s3.client()
    s3.put_object(Bucket=moto_s3.bucket, Key="run/copied.bam", Body=content)
    bucket = "uploads-same-service"
    uploads = UploadConfig(tmp_path / "up", moto_s3.endpoint_url, bucket)
    with serve_portal(PortalApp(LocalPortal(tmp_path / "p.sqlite", uploads=uploads))) as (url, _):
        s3.create_bucket(Bucket=bucket)
        portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET)
        local = tmp_path / "copied.bam"
        local.write_bytes(content)
        file = post_file(portal, local)
        storage = Storage(s3_endpoint_url=moto_s3.endpoint_url)
        monkeypatch.setattr(storage, "open_read", lambda uri: pytest.fail("streamed"))
        upload(storage, f"s3://{moto_s3.bucket}/run/copied.bam",
               Planned(file["md5sum"], len(content)), file["upload_credentials"],
               journal=journal_for(tmp_path))
    key = urlparse(file["upload_credentials"]["upload_url"]).path.lstrip("/")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == content
