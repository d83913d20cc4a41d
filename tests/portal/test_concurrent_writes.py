"""Concurrent writers extending one array: every value is kept.

The portal's PATCH replaces a whole array, so clients that read the same list each drop the
others' values; ``PortalClient.patch(..., extend_arrays=True)`` reads again after its write
and writes again until its values are there.
"""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import time_limit
from services import serve_portal

from encode_accession.localportal import LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_AWARD, DEMO_EXPERIMENT, PIPELINE_LAB
from encode_accession.portal import PortalClient, PortalConflict
from encode_accession.portal.client import EXTEND_ATTEMPTS

from .conftest import FAST
from .payloads import bam, step_run
from .test_portal_cli import serve

WRITERS = 8


def _analyses(client: PortalClient, count: int) -> list[str]:
    """``count`` analyses of the demo experiment, each with a file of its own."""
    ids = []
    for n in range(count):
        file = client.post("file", bam(f"encode-processing-pipeline:bam-{n}", lab=PIPELINE_LAB))
        ids.append(client.post("analysis", {
            "aliases": [f"encode-processing-pipeline:wf-{n}"], "files": [file["@id"]],
            "pipeline_version": "2.1.0", "lab": PIPELINE_LAB, "award": DEMO_AWARD})["@id"])
    return ids


def _extend_at_once(url: str, item: str, key: str, values: list[str]) -> list[dict]:
    """One client per value, each in its own thread, all PATCHing at the same moment."""
    start = threading.Barrier(len(values))

    def link(value: str) -> dict:
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", **FAST)
        start.wait(timeout=time_limit(30))
        return client.patch(item, {key: [value]}, extend_arrays=True)

    with ThreadPoolExecutor(max_workers=len(values)) as pool:
        return list(pool.map(link, values))


def test_eight_concurrent_clients_extending_analyses_keep_all_eight(tmp_path):
    # latency widens the read-to-PATCH window in which writers overwrite each other
    with serve("--db", str(tmp_path / "p.sqlite"), "--latency-ms", "20") as line:
        url = line.split("serving at ")[1].split()[0]
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", **FAST)
        analyses = _analyses(client, WRITERS)
        results = _extend_at_once(url, DEMO_EXPERIMENT, "analyses", analyses)
        kept = client.get(DEMO_EXPERIMENT, database=True)["analyses"]
        assert sorted(kept) == sorted(analyses), f"{len(set(kept) & set(analyses))} of 8 kept"
        assert all(a in r["analyses"] for a, r in zip(analyses, results, strict=True))


def test_steps_sharing_one_quality_metric_keep_every_file_it_describes(tmp_path):
    """A replicate correlation is posted once and extended by every step job it describes
    files of (accession/quality.py), possibly at once."""
    with serve("--db", str(tmp_path / "p.sqlite"), "--latency-ms", "20") as line:
        url = line.split("serving at ")[1].split()[0]
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", **FAST)
        files = [client.post("file", bam(f"encode-awg:bam-{n}"))["@id"] for n in range(4)]
        qc = client.post("atac_replication_quality_metric", {
            "step_run": client.post("analysis_step_run", step_run())["@id"],
            "quality_metric_of": [files[0]], "lab": "/labs/encode-awg/", "award": DEMO_AWARD,
            "assay_term_name": "ATAC-seq", "reproducible_peaks": 1000})
        _extend_at_once(url, qc["@id"], "quality_metric_of", files[1:])
        assert sorted(client.get(qc["@id"], database=True)["quality_metric_of"]) == sorted(files)


def test_extending_with_values_already_there_writes_nothing(tmp_path):
    with serve("--db", str(tmp_path / "p.sqlite")) as line:
        url = line.split("serving at ")[1].split()[0]
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", **FAST)
        (analysis,) = _analyses(client, 1)
        client.patch(DEMO_EXPERIMENT, {"analyses": [analysis]}, extend_arrays=True)
        before = client.request_counts["PATCH"]
        again = client.patch(DEMO_EXPERIMENT, {"analyses": [analysis]}, extend_arrays=True)
        assert again["analyses"] == [analysis]
        assert client.request_counts["PATCH"] == before


class RivalAlwaysWins:
    """WSGI middleware standing for a writer that never stops resetting the experiment's
    analyses: every PATCH of them that reaches the portal carries the rival's list instead
    (its write landed right after ours), so an extension can never see its value kept. A
    thread racing the client did this by timing, which a busy machine does not keep."""

    def __init__(self, app, path: str, theirs: list[str]) -> None:
        self.app, self.path, self.theirs = app, path, theirs

    def __getattr__(self, name: str):  # the server reads the app's portal and its S3
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "PATCH" and environ["PATH_INFO"] == self.path:
            body = json.dumps({"analyses": self.theirs}).encode()
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.app(environ, start_response)


def test_a_writer_that_keeps_replacing_the_list_makes_the_extension_give_up_naming_it(
        tmp_path):
    """Bounded: against a writer that never stops resetting the list, the extension stops
    after its last write with one message instead of retrying for ever."""
    portal = PortalApp(LocalPortal(tmp_path / "p.sqlite"))
    with serve_portal(portal) as (url, _):
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", **FAST)
        analysis, theirs = _analyses(client, 2)
    with serve_portal(RivalAlwaysWins(portal, DEMO_EXPERIMENT, [theirs])) as (url, _):
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", **FAST)
        with pytest.raises(PortalConflict) as raised:
            client.patch(DEMO_EXPERIMENT, {"analyses": [analysis]}, extend_arrays=True)
        assert str(raised.value) == (
            f"PATCH {DEMO_EXPERIMENT}: analyses still lacked values after {EXTEND_ATTEMPTS} "
            "writes, as other writers kept replacing the list; run again to add them (nothing "
            "posted is lost)")
        assert client.request_counts["PATCH"] == EXTEND_ATTEMPTS
