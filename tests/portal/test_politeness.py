"""Politeness: one request-rate limit across a client's threads, and 429s retried after
their Retry-After, against the local portal served over loopback HTTP."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

import pytest
from services import serve_portal

from encode_accession.localportal import FaultConfig, LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal import PortalClient, PortalUnavailable

from .payloads import R1, step_run


def record_arrivals(monkeypatch, app) -> list[float]:
    """Times at which the portal received requests (the server's view of the rate)."""
    arrivals: list[float] = []
    handle = app.handle

    def recording(request):
        arrivals.append(time.monotonic())
        return handle(request)

    monkeypatch.setattr(app, "handle", recording)
    return arrivals


def test_one_rate_limit_holds_across_threads(http_portal, monkeypatch):
    rate, threads, per_thread = 20, 6, 5
    client = http_portal.other_client(DEMO_KEY_ID, DEMO_SECRET, rate_limit=rate)
    arrivals = record_arrivals(monkeypatch, http_portal.app)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: [client.get(R1, frame="object") for _ in range(per_thread)],
                      range(threads)))
    total = threads * per_thread
    assert len(arrivals) == total
    assert arrivals[-1] - arrivals[0] >= (total - 1) / rate * 0.9
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1) for start in arrivals)
    assert busiest <= rate + 1


@pytest.mark.parametrize(("server", "rate"), [
    ("prod", 10), ("dev", 10), ("https://portal.example.org", 10),
    ("http://127.0.0.1:8000", 0), ("local:portal.sqlite", 0)])
def test_remote_portals_default_to_ten_requests_per_second_local_ones_to_none(
        server, rate, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert PortalClient(server).rate_limit == rate
    assert PortalClient(server, rate_limit=3).rate_limit == 3


def test_the_config_sets_the_rate_limit_and_ca_bundle(tmp_path, monkeypatch):
    monkeypatch.setenv("DCC_API_KEY", DEMO_KEY_ID)
    monkeypatch.setenv("DCC_SECRET_KEY", DEMO_SECRET)
    with serve_portal(PortalApp(LocalPortal(tmp_path / "p.sqlite")),
                      tls_dir=tmp_path / "tls") as (url, cert):
        client = PortalClient.from_config({"server": url, "rate_limit": 2.5,
                                           "ca_bundle": str(cert)})
        assert client.get(R1)["@id"] == R1  # trusted through the config's CA bundle
    assert client.rate_limit == 2.5


def test_a_429_is_retried_after_its_retry_after_seconds(http_portal):
    http_portal.app.faults.configure(FaultConfig(error_rate=1.0, error_status=429,
                                                 retry_after="2"))
    threading.Timer(0.5, http_portal.app.faults.configure, [FaultConfig()]).start()
    start = time.monotonic()
    assert http_portal.client.get(R1)["@id"] == R1
    assert time.monotonic() - start >= 2.0
    assert http_portal.client.request_counts["GET"] == 2  # one wait, not a quick poll


def test_a_429_with_an_http_date_is_retried_after_that_date(http_portal):
    http_portal.app.faults.configure(FaultConfig(
        error_rate=1.0, error_status=429, retry_after=formatdate(time.time() + 2, usegmt=True)))
    threading.Timer(0.3, http_portal.app.faults.configure, [FaultConfig()]).start()
    start = time.monotonic()
    assert http_portal.client.get(R1)["@id"] == R1
    assert time.monotonic() - start >= 0.9  # the date has whole seconds
    assert http_portal.client.request_counts["GET"] == 2


def test_a_throttled_post_is_retried_and_creates_one_object(http_portal):
    before = http_portal.portal.store.count("AnalysisStepRun")
    http_portal.app.faults.configure(FaultConfig(error_rate=1.0, error_status=429,
                                                 retry_after="1"))
    threading.Timer(0.3, http_portal.app.faults.configure, [FaultConfig()]).start()
    created = http_portal.client.post("analysis_step_run", step_run())
    assert created["@id"].startswith("/analysis-step-runs/")
    assert http_portal.portal.store.count("AnalysisStepRun") - before == 1


def test_a_retry_after_too_long_to_wait_ends_the_call_with_a_message(http_portal):
    http_portal.app.faults.configure(FaultConfig(error_rate=1.0, error_status=429,
                                                 retry_after="3600"))
    start = time.monotonic()
    with pytest.raises(PortalUnavailable, match="wait 3600 s"):
        http_portal.client.get(R1)
    assert time.monotonic() - start < 5


def test_throttling_that_outlasts_the_retries_is_portal_unavailable(http_portal):
    http_portal.app.faults.configure(FaultConfig(error_rate=1.0, error_status=429))
    client = http_portal.other_client(DEMO_KEY_ID, DEMO_SECRET, retries=2)
    with pytest.raises(PortalUnavailable, match="429"):
        client.get(R1)
    assert client.request_counts["GET"] == 3

