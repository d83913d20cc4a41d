"""Upload credentials (`@@upload`), uploading bytes to the portal's S3 (its own or moto),
checkfiles, and downloads."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config
from conftest import time_limit
from services import serve_portal

from encode_accession.localportal import LocalPortal, PortalApp, UploadConfig
from encode_accession.portal import PortalAuthError

from .conftest import FAST
from .payloads import R1, bam

CONTENT = b"alignment bytes\n"


def _bam_for(content: bytes, alias: str = "encode-awg:bam-1") -> dict:
    return bam(alias, md5sum=hashlib.md5(content).hexdigest(), file_size=len(content))


def _s3_upload(credentials: dict, content: bytes) -> None:
    """What an uploader does with the portal's credentials."""
    target = urlparse(credentials["upload_url"])
    s3 = boto3.client("s3", endpoint_url=credentials["endpoint_url"], region_name="us-east-1",
                      aws_access_key_id=credentials["access_key"],
                      aws_secret_access_key=credentials["secret_key"],
                      aws_session_token=credentials["session_token"],
                      config=Config(request_checksum_calculation="when_required",
                                    response_checksum_validation="when_required"))
    s3.put_object(Bucket=target.netloc, Key=target.path.lstrip("/"), Body=content)


def _status_once_checked(client, at_id: str) -> dict:
    """The file once the portal's checkfiles judged it (an external bucket is checked
    between requests, within a second)."""
    deadline = time.monotonic() + time_limit(10)
    while True:
        current = client.get(at_id, database=True)
        if current["status"] != "uploading" or time.monotonic() > deadline:
            return current
        time.sleep(0.05)


def _set_status(portal, at_id: str, status: str) -> None:
    """As an admin would (the submitter API refuses it)."""
    store = portal.portal.store
    item = store.by_at_id(at_id)
    item.props["status"] = status
    store.save(item, store.keys_of(item.uuid))


def test_get_upload_credentials_returns_the_stored_ones(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    assert portal.client.get_upload_credentials(created["@id"]) == created["upload_credentials"]


def test_regenerated_credentials_are_fresh_and_valid_36_hours(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    fresh = portal.client.regenerate_upload_credentials(created["accession"])
    old = created["upload_credentials"]
    assert fresh["access_key"] != old["access_key"] and fresh["upload_url"] == old["upload_url"]
    assert {"access_key", "secret_key", "session_token", "expiration", "upload_url"} <= set(fresh)
    expires = datetime.fromisoformat(fresh["expiration"])
    assert abs(expires - datetime.now(UTC) - timedelta(hours=36)) < timedelta(minutes=1)
    day = datetime.now(UTC).strftime("%Y/%m/%d")
    assert f"/{day}/{created['uuid']}/{created['accession']}.bam" in fresh["upload_url"]


def test_new_credentials_need_status_uploading(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    _set_status(portal, created["@id"], "in progress")
    with pytest.raises(PortalAuthError) as exc:
        portal.client.regenerate_upload_credentials(created["@id"])
    assert exc.value.status == 403
    assert exc.value.body["detail"] == 'status must be "uploading" to issue new credentials'


def test_credentials_of_released_files_are_not_for_submitters(portal):
    for call in (portal.client.regenerate_upload_credentials,
                 portal.client.get_upload_credentials):
        with pytest.raises(PortalAuthError, match="'released' may only be edited by admins"):
            call(R1)


def test_new_credentials_reset_upload_failed_to_uploading(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    _set_status(portal, created["@id"], "upload failed")
    portal.client.regenerate_upload_credentials(created["@id"])
    assert portal.client.get(created["@id"], database=True)["status"] == "uploading"


def test_credentials_only_in_the_database_object_frame(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    assert "upload_credentials" in portal.client.get(created["@id"], database=True)
    assert "upload_credentials" not in portal.client.get(created["@id"])


def test_credentials_point_at_the_portals_own_s3_endpoint(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    credentials = created["upload_credentials"]
    assert credentials["upload_url"].startswith("s3://encoded-files-dev/")
    assert credentials["endpoint_url"] == portal.client.server + "/_s3"
    assert portal.client.get_upload_credentials(created["@id"])["endpoint_url"] == \
        credentials["endpoint_url"]


def test_a_completed_upload_is_checked_at_once_and_reads_never_check(portal, monkeypatch):
    created = portal.client.post("file", _bam_for(CONTENT))
    checks = []
    monkeypatch.setattr(portal.portal, "check_upload",
                        lambda item: checks.append(item) or item)
    portal.client.search("File", {"status": "uploading"})
    assert portal.client.get(created["@id"], database=True)["status"] == "uploading"
    _s3_upload(created["upload_credentials"], CONTENT)
    checked = portal.client.get(created["@id"], database=True)
    assert checked["status"] == "in progress" and checked["file_size"] == len(CONTENT)
    assert "upload_credentials" not in checked
    assert checks == []  # neither the search nor the GETs re-checked anything


def test_checkfiles_flags_wrong_content_as_content_error(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    _s3_upload(created["upload_credentials"], b"something else\n")
    current = portal.client.get(created["@id"], database=True)
    assert current["status"] == "content error"
    assert current["content_error_detail"].startswith(
        f"File checksum {hashlib.md5(b'something else' + bytes([10])).hexdigest()} does not match")


def test_download_serves_the_uploaded_bytes(portal):
    created = portal.client.post("file", _bam_for(CONTENT))
    _s3_upload(created["upload_credentials"], CONTENT)
    response = portal.client._session.get(portal.client.server + created["href"], timeout=10)
    assert response.status_code == 200 and response.content == CONTENT


@pytest.fixture
def s3_portal(tmp_path, moto_s3, aws_env):
    bucket = f"uploads-{tmp_path.name.lower().replace('_', '-')}"[:60]
    portal = LocalPortal(tmp_path / "portal.sqlite",
                         uploads=UploadConfig(tmp_path / "up", moto_s3.endpoint_url, bucket))
    portal.uploads.ensure_bucket()
    with serve_portal(PortalApp(portal)) as (url, _):
        from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
        from encode_accession.portal import PortalClient

        yield PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST), bucket, portal


def test_upload_to_an_external_s3_is_checked_between_requests(s3_portal, moto_s3):
    client, bucket, _ = s3_portal
    created = client.post("file", _bam_for(CONTENT))
    credentials = client.regenerate_upload_credentials(created["@id"])
    assert credentials["upload_url"].startswith(f"s3://{bucket}/")
    assert credentials["endpoint_url"] == moto_s3.endpoint_url
    assert client.get(created["@id"], database=True)["status"] == "uploading"
    _s3_upload(credentials, CONTENT)
    assert _status_once_checked(client, created["@id"])["status"] == "in progress"
    download = client._session.get(client.server + created["href"], timeout=10)  # its lab's
    assert download.history[0].status_code == 307 and download.content == CONTENT


def test_s3_upload_with_the_wrong_md5_is_a_content_error(s3_portal):
    client, _, _ = s3_portal
    created = client.post("file", _bam_for(CONTENT))
    _s3_upload(created["upload_credentials"], b"truncated")
    current = _status_once_checked(client, created["@id"])
    assert current["status"] == "content error"
    assert "does not match item md5sum" in current["content_error_detail"]


def test_an_external_upload_is_checked_once_and_never_by_searches(s3_portal, monkeypatch):
    client, _, portal = s3_portal
    checked: list[str] = []
    check = portal.check_upload
    monkeypatch.setattr(portal, "check_upload",
                        lambda item: checked.append(item.uuid) or check(item))
    waiting = client.post("file", _bam_for(b"never uploaded", "encode-awg:bam-waiting"))
    created = client.post("file", _bam_for(CONTENT))
    _s3_upload(created["upload_credentials"], CONTENT)
    assert _status_once_checked(client, created["@id"])["status"] == "in progress"
    for _ in range(3):  # the server's next passes, and searches, check nothing again
        client.search("File", {"status": "uploading"})
        time.sleep(0.6)
    assert checked == [created["uuid"]]
    assert client.get(waiting["@id"], database=True)["status"] == "uploading"
