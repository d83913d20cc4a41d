"""The served local portal refuses oversized (413), malformed and too deeply nested (400)
bodies with its JSON error envelope, never a 500, and stays up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from services import serve_portal

from encode_accession.localportal import LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET

from .payloads import R1


@pytest.fixture
def small_portal(tmp_path: Path):
    app = PortalApp(LocalPortal(tmp_path / "portal.sqlite"), max_body_bytes=4096)
    with serve_portal(app) as (url, _):
        yield url, app


def post(url: str, body: bytes) -> requests.Response:
    return requests.post(f"{url}/analysis_step_run/", data=body, auth=(DEMO_KEY_ID, DEMO_SECRET),
                         headers={"Content-Type": "application/json"}, timeout=30)


def count_items(app: PortalApp) -> int:
    return sum(app.portal.store.count(t.name) for t in app.portal.types.all)


def test_a_body_over_the_limit_is_413_before_it_is_read(small_portal):
    url, app = small_portal
    before = count_items(app)
    response = post(url, json.dumps({"aliases": ["x" * 5000]}).encode())
    assert response.status_code == 413
    assert response.json()["@type"][0] == "HTTPRequestEntityTooLarge"
    assert count_items(app) == before
    assert requests.get(f"{url}{R1}", auth=(DEMO_KEY_ID, DEMO_SECRET), timeout=30).ok


@pytest.mark.parametrize(("what", "body"), [
    ("malformed", b'{"aliases": ['),
    ("not UTF-8", b'{"aliases": ["\xff"]}'),
    ("deeply nested", b"[" * 3000 + b"]" * 3000),
    ("deeply nested object", b'{"a":' * 3000 + b"1" + b"}" * 3000),
])
def test_bodies_that_are_not_usable_json_are_400(small_portal, what, body):
    url, app = small_portal
    app.max_body_bytes = 1 << 20
    response = post(url, body)
    assert response.status_code == 400, what
    assert response.json()["@type"][0] == "HTTPBadRequest"
