"""Quality metrics of one step's files: built per file, posted once by alias, concurrently;
metrics shared by several files (replicate correlation) become one object for all of them."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..payloads import alias
from ..plan import PlannedFile
from ..qc import Metric, build
from .context import Run


def quality_metrics(run: Run, preflight: dict[str, Any], files: list[PlannedFile],
                    receipts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Build every QC the steps name for ``files`` and post each once; returns the QC @ids
    by file id and those this call created."""
    per_file: list[tuple[Metric, list[str]]] = []
    shared: dict[tuple[str, str], list[str]] = {}
    for planned in files:
        ctx = run.qc_context(planned, preflight)
        for name in planned.spec.quality_metrics:
            metric = build(name, ctx)
            if metric is None:
                continue
            if metric.shared:
                key = (metric.profile, json.dumps(metric.properties, sort_keys=True))
                shared.setdefault(key, []).append(planned.id)
            else:
                per_file.append((metric, [planned.id]))
    per_file += [(Metric(profile, json.loads(props), True), ids)
                 for (profile, props), ids in shared.items()]

    def post(item: tuple[Metric, list[str]]) -> tuple[str, bool]:
        metric, ids = item
        digest = hashlib.sha1(json.dumps(metric.properties, sort_keys=True).encode())
        tail = digest.hexdigest()[:12] if metric.shared else ids[0]
        of = [receipts[i]["@id"] for i in ids]
        payload = {**metric.properties,
                   "aliases": [alias(run.who.lab, "qc", metric.profile, run.workflow_id, tail)],
                   "quality_metric_of": of, "step_run": receipts[ids[0]]["step_run"],
                   **run.who.fields()}
        if preflight.get("assay_term_name"):
            payload["assay_term_name"] = preflight["assay_term_name"]
        obj, created = run.portal.create(metric.profile.replace("-", "_"), payload)
        if not created and metric.shared and not set(of) <= set(obj.get("quality_metric_of", [])):
            # made by another step's job for its files: add ours
            run.portal.patch(obj["@id"], {"quality_metric_of": of}, extend_arrays=True)
        return obj["@id"], created

    posted: dict[str, list[str]] = {}
    created: list[str] = []
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        for (_metric, ids), (qc_id, new) in zip(per_file, pool.map(post, per_file), strict=True):
            if new:
                created.append(qc_id)
            for i in ids:
                posted.setdefault(i, []).append(qc_id)
    return {"quality_metrics": posted, "created": created}
