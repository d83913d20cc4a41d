"""Quality metrics: built per file, posted once by alias; shared metrics once for all files.

A file that already has a quality metric of a type (posted by anyone: an earlier run, or the
reference ``accession`` tool, which posts QCs without aliases) gets no second one of that type,
as the reference's ``has_qc`` check does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..payloads import (
    alias,
    quality_metric_payload,
)
from ..portal.client import PortalClient
from ..portal.local.types import registry
from ..qc import BUILDERS, Metric, build
from .context import Run


def collect_metrics(run: Run, preflight_receipt: dict[str, Any]
                    ) -> tuple[list[tuple[Metric, list[str]]], list[str]]:
    """Every QC the steps name, built, with the planned file ids each describes; metrics
    shared by several files (replicate correlation) once for all of them. Also the QC names
    no builder exists for."""
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
    return per_file, skipped


def metric_alias(run: Run, metric: Metric, ids: list[str]) -> str:
    digest = hashlib.sha1(json.dumps(metric.properties, sort_keys=True).encode())
    tail = digest.hexdigest()[:12] if metric.shared else ids[0]
    return alias(run.who.lab, "qc", metric.profile, run.workflow_id, tail)


def type_name(profile: str) -> str:
    """The portal @type of a QC profile, from the portal's own type table (encoded's
    src/encoded/types): ``chip-alignment-samstat-quality-metric`` is ChipAlignmentQualityMetric,
    not its CamelCase; a profile the table lacks is CamelCased."""
    item_type = registry().lookup(profile)
    return item_type.name if item_type else "".join(p.capitalize() for p in profile.split("-"))


def existing_quality_metrics(portal: PortalClient, file_id: str) -> dict[str, str]:
    """@type -> @id of the quality metrics already describing a portal file."""
    found: dict[str, str] = {}
    portal_file = portal.get(file_id, frame="embedded", database=True) or {}
    for qc in portal_file.get("quality_metrics") or []:
        if isinstance(qc, str):  # a frame that lists @ids only
            qc = portal.get(qc, database=True) or {}
        for name in qc.get("@type", [])[:1]:
            found.setdefault(name, qc["@id"])
    return found


def quality_metrics(run: Run, preflight_receipt: dict[str, Any],
                    file_receipts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Build every QC the steps name and post each once, by a deterministic alias, for the
    files that have no QC of its type yet."""
    metrics, skipped = collect_metrics(run, preflight_receipt)
    existing = {i: existing_quality_metrics(run.portal, r["@id"])
                for i, r in file_receipts.items()}
    posted: dict[str, list[str]] = {}
    created: list[str] = []
    already: dict[str, list[str]] = {}
    for metric, ids in metrics:
        ids = [i for i in ids if not file_receipts[i].get("duplicate_of")]  # QC'd as original
        if not ids:
            continue
        payload = quality_metric_payload(
            run.who, metric.properties, metric_alias(run, metric, ids),
            quality_metric_of=[file_receipts[i]["@id"] for i in ids],
            step_run=file_receipts[ids[0]]["step_run"],
            assay_term_name=preflight_receipt.get("assay_term_name"))
        obj = run.portal.get(payload["aliases"][0], database=True)  # ours, from a re-run
        if obj is None:
            kind = type_name(metric.profile)
            have = {i: existing[i][kind] for i in ids if kind in existing[i]}
            for i, qc_id in have.items():
                already.setdefault(i, []).append(qc_id)
                posted.setdefault(i, []).append(qc_id)
            ids = [i for i in ids if i not in have]
            if not ids:
                continue
            payload["quality_metric_of"] = [file_receipts[i]["@id"] for i in ids]
            payload["step_run"] = file_receipts[ids[0]]["step_run"]
            obj = run.portal.post(metric.profile.replace("-", "_"), payload)
            created.append(obj["@id"])
        for i in ids:
            posted.setdefault(i, []).append(obj["@id"])
    if skipped:
        print("quality metrics without a builder, not posted:\n  " + "\n  ".join(skipped))
    if already:
        print(f"quality metrics already on the portal, not posted again: "
              f"{sum(map(len, already.values()))} (files that have a QC of that type)")
    return {"quality_metrics": posted, "created": created, "skipped": skipped,
            "already_on_portal": already}
