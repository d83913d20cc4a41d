"""Local portals for the client tests: served by the test (`serve_portal`) and `local:` (served
by the client's own process through the entry point).

Each test gets a fresh database seeded with the demo data. The `portal` fixture runs every
test that uses it against both, so the client behaves the same whoever serves the portal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from accounts import ADMIN, ADMIN_KEYS
from services import serve_portal

from encode_accession.localportal import LocalPortal, PortalApp, UploadConfig, load_objects
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal import PortalClient

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
FAST = {"backoff": 0.001, "timeout": 10}
# The workbook's own access key (encoded-inserts access_key.json, whose description gives the
# secret), an admin's: the workbook's unreleased items are for admins and their viewing groups.
WORKBOOK_ADMIN = ("foobar", "bazqux")


def shared_fixture(relative: str) -> Path:
    path = SHARED / "fixtures" / relative
    if not path.exists():
        pytest.skip(f"shared fixture not available: {relative}")
    return path


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

    def admin_client(self) -> PortalClient:
        """A client with an admin's key pair (the admin is added to this portal first)."""
        load_objects(self.portal, ADMIN)
        return self.other_client(*ADMIN_KEYS)


@contextmanager
def running(kind: str, db: Path, uploads: UploadConfig | None = None) -> Iterator[Target]:
    """A fresh demo portal at `db`, served by the test ("http") or as `local:` ("local")."""
    if kind == "local":
        client = PortalClient(f"local:{db}", DEMO_KEY_ID, DEMO_SECRET, **FAST)
        yield Target(kind, client, client.embedded.app, f"local:{db}")
        return
    app = PortalApp(LocalPortal(db, uploads=uploads))
    with serve_portal(app) as (url, _):
        yield Target(kind, PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST), app, url)


@pytest.fixture(params=["http", "local"])
def portal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    with running(request.param, tmp_path / "portal.sqlite") as target:
        yield target


@pytest.fixture
def http_portal(tmp_path: Path) -> Iterator[Target]:
    with running("http", tmp_path / "portal.sqlite") as target:
        yield target


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
                        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}.items():
        monkeypatch.setenv(name, value)
