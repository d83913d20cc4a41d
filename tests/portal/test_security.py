"""TLS with the generated certificate, server name rules, and secrets never leaking."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from services import serve_portal

from encode_accession.core.errors import InputError
from encode_accession.localportal import FaultConfig, LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal import PortalClient, PortalError, PortalTLSError
from encode_accession.portal.servers import resolve_server

from .conftest import FAST
from .payloads import R1, bam, step_run

SECRET = "s3cr3tn3v3rl3aks"


@pytest.fixture
def https_portal(tmp_path: Path):
    app = PortalApp(LocalPortal(tmp_path / "portal.sqlite"))
    with serve_portal(app, tls_dir=tmp_path / "tls") as (url, cert):
        yield url, cert


def test_https_portal_is_trusted_with_its_certificate_as_ca_bundle(https_portal):
    url, cert = https_portal
    assert url.startswith("https://127.0.0.1:")
    client = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, ca_bundle=str(cert), **FAST)
    assert client.get(R1)["@id"] == R1
    assert client.post("analysis_step_run", step_run())["@id"].startswith("/analysis-step-runs/")


def test_https_portal_without_the_ca_bundle_fails_verification_at_once(https_portal):
    url, _ = https_portal
    client = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST)
    with pytest.raises(PortalTLSError, match="not trusted") as caught:
        client.get(R1)
    assert "ca_bundle" in str(caught.value) and "REQUESTS_CA_BUNDLE" in str(caught.value)
    assert client.request_counts["GET"] == 1


@pytest.mark.parametrize("server", ["http://example.org", "http://10.0.0.1:8000",
                                    "ftp://127.0.0.1", "nonsense"])
def test_plain_http_or_unknown_servers_are_refused(server):
    with pytest.raises(InputError, match="server"):
        PortalClient(server)


@pytest.mark.parametrize(("server", "base"), [
    ("prod", "https://www.encodeproject.org"), ("dev", "https://test.encodedcc.org"),
    ("https://portal.example.org:8443/", "https://portal.example.org:8443"),
    ("http://127.0.0.5:8000", "http://127.0.0.5:8000"), ("http://localhost:1", "http://localhost:1"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_server_names_map_to_base_urls(server, base):
    assert resolve_server(server).base_url == base


def test_bare_local_uses_the_database_named_by_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ENCODE_LOCAL_PORTAL_DB", str(tmp_path / "env.sqlite"))
    monkeypatch.delenv("DCC_API_KEY", raising=False)
    monkeypatch.delenv("DCC_SECRET_KEY", raising=False)
    client = PortalClient("local")
    assert client.embedded.app.portal.db_path == (tmp_path / "env.sqlite").resolve()
    assert client.key_id == DEMO_KEY_ID and client.get(R1)["@id"] == R1


def test_half_a_key_pair_is_an_input_error(monkeypatch):
    monkeypatch.delenv("DCC_SECRET_KEY", raising=False)
    monkeypatch.setenv("DCC_API_KEY", "ONLYKEY1")
    with pytest.raises(InputError, match="DCC_SECRET_KEY"):
        PortalClient("dev")


def test_secret_never_appears_in_messages_logs_or_repr(portal, caplog):
    caplog.set_level(logging.DEBUG)
    portal.portal.add_access_key("LEAKTEST", SECRET)
    client = portal.other_client("LEAKTEST", SECRET, retries=2)
    texts = [repr(client), str(client.post("file", bam()))]
    wrong = portal.other_client("LEAKTEST", SECRET[::-1])
    calls = [
        lambda: client.post("file", bam(output_type="nope")),
        lambda: client.patch(R1, {"submitter_comment": "x"}),
        lambda: wrong.get(R1),
        lambda: client.get("/files/TSTFF000001/?frame=bad&x=" + "y" * 10),
    ]
    for call in calls:
        try:
            call()
        except PortalError as exc:
            texts += [str(exc), repr(exc), str(exc.__cause__), str(exc.body)]
    portal.app.faults.configure(FaultConfig(error_rate=1.0))
    with pytest.raises(PortalError) as exc:
        client.get(R1)
    texts += [str(exc.value), str(exc.value.__cause__)]
    joined = "\n".join([*texts, caplog.text])
    assert "LEAKTEST" in joined
    assert SECRET not in joined and SECRET[::-1] not in joined


def test_access_keys_never_show_their_secret_hash(portal):
    key = portal.client.get(f"/access-keys/{DEMO_KEY_ID}/")
    assert key["access_key_id"] == DEMO_KEY_ID and "secret_access_key_hash" not in key
    found = portal.client.search("AccessKey", fields=["secret_access_key_hash"])
    assert found and all("secret_access_key_hash" not in k for k in found)
    assert "pbkdf2" not in str(portal.client.search("AccessKey", frame="embedded"))
