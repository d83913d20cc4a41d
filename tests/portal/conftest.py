"""Local portals for the client tests: over real HTTP on loopback, and in-process (`local:`).

Each test gets a fresh database seeded with the demo data. The `portal` fixture runs every
test that uses it against both transports, so the client behaves the same over a socket and
through the in-process adapter.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from encode_accession.portal import PortalClient
from encode_accession.portal.local import LocalPortal, PortalApp, UploadConfig
from encode_accession.portal.local.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal.local.server import create_server

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
FAST = {"backoff": 0.001, "timeout": 10}


def shared_fixture(relative: str) -> Path:
    path = SHARED / "fixtures" / relative
    if not path.exists():
        pytest.skip(f"shared fixture not available: {relative}")
    return path


@contextmanager
def serving(app: PortalApp, tls_dir: Path | None = None) -> Iterator[tuple[str, Path | None]]:
    """Serve `app` on a free loopback port in a thread; yields (base URL, CA bundle)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server, url, cert = create_server(app, "127.0.0.1", 0, tls_dir=tls_dir)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield url, cert
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Target:
    """A client and the local portal app it talks to (to inspect the store or set faults)."""

    kind: str
    client: PortalClient
    app: PortalApp
    url: str

    @property
    def portal(self) -> LocalPortal:
        return self.app.portal

    def other_client(self, key: str | None, secret: str | None, **kwargs) -> PortalClient:
        server = self.url if self.kind == "http" else f"local:{self.portal.db_path}"
        return PortalClient(server, key, secret, **{**FAST, **kwargs})


@contextmanager
def running(kind: str, db: Path, uploads: UploadConfig | None = None) -> Iterator[Target]:
    """A fresh demo portal at `db`, reached over loopback HTTP ("http") or in-process."""
    if kind == "local":
        client = PortalClient(f"local:{db}", DEMO_KEY_ID, DEMO_SECRET, **FAST)
        yield Target(kind, client, client.local_app, f"local:{db}")
        return
    app = PortalApp(LocalPortal(db, uploads=uploads))
    with serving(app) as (url, _):
        yield Target(kind, PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST), app, url)


@pytest.fixture(params=["http", "local"])
def portal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    with running(request.param, tmp_path / "portal.sqlite") as target:
        yield target


@pytest.fixture
def http_portal(tmp_path: Path) -> Iterator[Target]:
    with running("http", tmp_path / "portal.sqlite") as target:
        yield target


@dataclass(frozen=True)
class MotoS3:
    endpoint_url: str

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield MotoS3(f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
                        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}.items():
        monkeypatch.setenv(name, value)
