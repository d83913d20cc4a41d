"""Quality metrics: built per file, posted once by alias; shared metrics once for all files."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..payloads import (
    alias,
)
from ..qc import BUILDERS, Metric, build
from .context import Run, get_or_create


def quality_metrics(run: Run, preflight_receipt: dict[str, Any],
                    file_receipts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Build every QC the steps name and post each once, by a deterministic alias; metrics
    shared by several files (replicate correlation) become one object for all of them."""
    per_file: list[tuple[Metric, list[str]]] = []
    shared: dict[tuple[str, str], list[str]] = {}
    skipped: list[str] = []
    for planned in run.plan.files.values():
        ctx = run.qc_context(planned, preflight_receipt)
        for name in planned.spec.quality_metrics:
            if name not in BUILDERS:
                skipped.append(f"{planned.id}: {name} (no builder yet)")
                continue
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
    posted: dict[str, list[str]] = {}
    created: list[str] = []
    for metric, ids in per_file:
        digest = hashlib.sha1(json.dumps(metric.properties, sort_keys=True).encode())
        tail = digest.hexdigest()[:12] if metric.shared else ids[0]
        payload = {**metric.properties,
                   "aliases": [alias(run.who.lab, "qc", metric.profile, run.workflow_id, tail)],
                   "quality_metric_of": [file_receipts[i]["@id"] for i in ids],
                   "step_run": file_receipts[ids[0]]["step_run"], **run.who.fields()}
        if preflight_receipt.get("assay_term_name"):
            payload["assay_term_name"] = preflight_receipt["assay_term_name"]
        obj, new = get_or_create(run.portal, metric.profile.replace("-", "_"), payload)
        if new:
            created.append(obj["@id"])
        for i in ids:
            posted.setdefault(i, []).append(obj["@id"])
    if skipped:
        print("quality metrics without a builder, not posted:\n  " + "\n  ".join(skipped))
    return {"quality_metrics": posted, "created": created, "skipped": skipped}
