"""A batch at `-j 8` keeps one request rate: every step job of every run reserves its
requests from the one schedule this host keeps for the portal, so the portal's request log
shows no second busier than the configured rate."""

from __future__ import annotations

import json
import os

from services import serve_portal

from encode_accession.demo.run import write_demo_run
from encode_accession.localportal import LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.localportal.requestlog import (
    busiest_second,
    request_arrivals,
)

from .conftest import snakemake, write_config
from .test_batch import another_demo_run


def test_a_batch_at_eight_jobs_keeps_the_configured_rate_in_the_portals_request_log(tmp_path):
    """Two runs (about 200 requests) at the portal's own 10/s: several step jobs post at once,
    each alone could send 10/s (tests/portal/test_shared_rate.py checks 5/s with processes)."""
    rate = 10
    log = tmp_path / "requests.log"
    runs = {"first": {"metadata": str(write_demo_run(tmp_path / "one")), "pipeline": "atac"},
            "second": {"metadata": str(another_demo_run(
                tmp_path / "two", "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00")), "pipeline": "atac"}}
    with serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite")), request_log=log) \
            as (url, _):
        config = write_config(tmp_path, server=url, lab="encode-awg", award="DEMO-AWARD",
                              tracker_db=str(tmp_path / "tracker.db"), rate_limit=rate,
                              runs=runs)
        result = snakemake(tmp_path, config, "-j", "8", env={
            **os.environ, "DCC_API_KEY": DEMO_KEY_ID, "DCC_SECRET_KEY": DEMO_SECRET})
    assert result.returncode == 0, result.stderr[-3000:]
    for name in runs:
        assert json.loads((tmp_path / "results" / name / "summary.json").read_text())["created"]
    arrivals = request_arrivals(log)
    # slots are exactly 1/rate apart, but a request reaches the portal (served by a thread of
    # this busy test process) some time after its slot: a delay under one interval lets a
    # second hold one request more, and a busy machine's delays can reach two intervals.
    # Unshared, the batch's jobs would send several times the rate.
    assert busiest_second(arrivals) <= rate + 2, f"{len(arrivals)} requests"
    # the rate held the jobs back (unthrottled, the batch takes a few seconds on loopback)
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) / rate * 0.95
