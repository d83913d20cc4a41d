"""Injected faults: retries with backoff, and no duplicate objects from lost POST responses."""

from __future__ import annotations

import time

import pytest

from encode_accession.localportal import FaultConfig, Faults
from encode_accession.localportal.demo import DEMO_AWARD, DEMO_LAB
from encode_accession.portal import PortalUnavailable

from .payloads import R1, bam, md5_of, step_run

N = 25


def _count(portal, type_name: str) -> int:
    return portal.portal.store.count(type_name)


def test_many_posts_under_errors_and_drops_create_no_duplicates(portal):
    runs_before, files_before = _count(portal, "AnalysisStepRun"), _count(portal, "File")
    portal.client.retries = 10  # a lookup by alias is two requests (301 to the @id), each may fail
    portal.app.faults.configure(FaultConfig(error_rate=0.2, drop_rate=0.3, seed=7))
    runs = [portal.client.post("analysis_step_run", step_run(f"encode-awg:run-{i}"))
            for i in range(N)]
    files = [portal.client.post("file", bam(f"encode-awg:bam-{i}")) for i in range(N)]
    portal.app.faults.configure(FaultConfig())
    assert portal.client.request_counts["POST"] > 2 * N  # faults did happen
    assert _count(portal, "AnalysisStepRun") - runs_before == N
    assert _count(portal, "File") - files_before == N
    assert len({r["@id"] for r in runs}) == N and len({f["@id"] for f in files}) == N
    for i, created in enumerate(files):
        assert portal.client.get(f"encode-awg:bam-{i}", database=True)["@id"] == created["@id"]


def test_posts_without_aliases_are_recognised_by_md5_after_a_drop(portal):
    before = _count(portal, "File")
    portal.app.faults.configure(FaultConfig(drop_rate=0.5, seed=3))
    created = [portal.client.post("file", bam(f"f{i}", aliases=None, md5sum=md5_of(f"f{i}")))
               for i in range(10)]
    portal.app.faults.configure(FaultConfig())
    assert _count(portal, "File") - before == 10
    assert [c["md5sum"] for c in created] == [md5_of(f"f{i}") for i in range(10)]


def test_post_with_no_lookup_key_is_not_retried_after_a_drop(portal):
    run = portal.client.post("analysis_step_run", step_run())
    before = _count(portal, "QualityMetric")
    portal.app.faults.configure(FaultConfig(drop_rate=1.0))
    with pytest.raises(PortalUnavailable, match="not retried"):
        portal.client.post("samtools_flagstats_quality_metric", {
            "step_run": run["@id"], "quality_metric_of": [R1], "lab": DEMO_LAB,
            "award": DEMO_AWARD, "mapped": 10})
    assert _count(portal, "QualityMetric") - before == 1


def test_reads_and_patches_are_retried_through_503s(portal):
    created = portal.client.post("analysis_step_run", step_run())
    portal.app.faults.configure(FaultConfig(error_rate=0.5, seed=11))
    for _ in range(10):
        assert portal.client.get(R1)["@id"] == R1
    patched = portal.client.patch(created["@id"], {"aliases": ["encode-awg:renamed"]})
    assert patched["aliases"] == ["encode-awg:renamed"]
    assert portal.client.request_counts["GET"] > 10


def test_retries_give_up_with_portal_unavailable(portal):
    portal.app.faults.configure(FaultConfig(error_rate=1.0))
    with pytest.raises(PortalUnavailable, match="503"):
        portal.client.get(R1)
    assert portal.client.request_counts["GET"] == portal.client.retries + 1
    with pytest.raises(PortalUnavailable, match="503"):
        portal.client.post("analysis_step_run", step_run())
    assert portal.client.request_counts["POST"] == 1  # then the lookup by alias gave up


def test_latency_is_added_to_every_request(portal):
    portal.app.faults.configure(FaultConfig(latency_ms=60))
    started = time.monotonic()
    portal.client.get(R1)
    assert time.monotonic() - started >= 0.06


def test_fault_sequences_are_reproducible_from_the_seed():
    def sequence(seed: int) -> list:
        faults = Faults(FaultConfig(error_rate=0.5, drop_rate=0.5, seed=seed))
        return [(faults.before_request(), faults.drop_after_commit("POST")) for _ in range(30)]

    assert sequence(5) == sequence(5)
    assert sequence(5) != sequence(6)
    assert {status for status, _ in sequence(5)} == {None, 503}
