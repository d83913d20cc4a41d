"""A local portal (in-process, demo data) that every built QC payload is posted to, so the
tests check the payloads against the portal's own schemas and attachment rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from encode_accession.portal import PortalClient
from encode_accession.portal.types import type_name
from encode_accession.qc import Metric

ATTRIBUTION = {"lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"}
DEMO_FILE = "/files/TSTFF000001/"


@pytest.fixture(scope="session")
def portal_accepts(tmp_path_factory: pytest.TempPathFactory
                   ) -> Callable[[Metric], dict[str, Any]]:
    """Post a metric as the quality job does (profile -> collection) and return the stored object;
    the client raises on a 422, naming the property the portal refused."""
    client = PortalClient(f"local:{tmp_path_factory.mktemp('portal') / 'p.sqlite'}")
    step_run = client.post("analysis_step_run", {
        "analysis_step_version": "/analysis-step-versions/atac-seq-alignment-step-v-2-1/",
        **ATTRIBUTION})["@id"]

    def post(metric: Metric) -> dict[str, Any]:
        payload = {**metric.properties, "step_run": step_run, "quality_metric_of": [DEMO_FILE],
                   **ATTRIBUTION}
        stored = client.post(metric.profile.replace("-", "_"), payload)
        assert stored["@type"][0] == type_name(metric.profile)
        assert stored["quality_metric_of"] == [DEMO_FILE]
        for prop, value in metric.properties.items():
            if isinstance(value, dict):  # attachments: kept with the type they were sent as
                assert stored[prop]["type"] == value["type"], prop
            else:
                assert stored[prop] == value, prop
        return stored

    return post
