"""Quality metrics of one step's files: built per file, posted once by alias, concurrently;
metrics shared by several files (replicate correlation) become one object for all of them.

A file that already has a quality metric of a type (posted by anyone: an earlier run, or the
reference ``accession`` tool, which posts QCs without aliases) gets no second one of that
type, as the reference's ``has_qc`` check does. Only files this run found on the portal
rather than created can have one, so only they are looked at: a fresh run makes no extra
request.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

from encode_accession.accession.context import Run
from encode_accession.accession.payloads import alias, quality_metric_payload
from encode_accession.planning.plan import PlannedFile
from encode_accession.portal.client import PortalClient
from encode_accession.portal.types import type_name
from encode_accession.qc import Metric, build
from encode_accession.run.state import FileReceipt, Preflight, QualityMetrics


def collect_metrics(run: Run, preflight: Preflight, files: list[PlannedFile]
                    ) -> list[tuple[Metric, list[str]]]:
    """Every QC the steps name for ``files``, built, with the planned file ids each describes;
    metrics shared by several files (replicate correlation) once for all of them."""
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
    return per_file + [(Metric(profile, json.loads(props), True), ids)
                       for (profile, props), ids in shared.items()]


def metric_alias(run: Run, metric: Metric, ids: list[str]) -> str:
    digest = hashlib.sha1(json.dumps(metric.properties, sort_keys=True).encode())
    tail = digest.hexdigest()[:12] if metric.shared else ids[0]
    return alias(run.who.lab, "qc", metric.profile, run.workflow_id, tail)


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


def quality_metrics(run: Run, preflight: Preflight, files: list[PlannedFile],
                    receipts: dict[str, FileReceipt]) -> QualityMetrics:
    """Post the QCs of ``files`` (their receipts by id) that are not on the portal yet;
    returns the QC @ids by file id, those this call created, and those already there."""
    metrics = collect_metrics(run, preflight, [f for f in files
                                               if not receipts[f.id].duplicate_of])
    found_files = [i for i, r in receipts.items() if not r.created and
                   not r.duplicate_of and any(i in ids for _m, ids in metrics)]
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        existing = dict(zip(found_files, pool.map(
            lambda i: existing_quality_metrics(run.portal, receipts[i].portal_id), found_files),
            strict=True))

    posted: dict[str, list[str]] = {}
    already: dict[str, list[str]] = {}
    todo: list[tuple[Metric, list[str]]] = []
    for metric, ids in metrics:
        kind = type_name(metric.profile) if existing else None
        have = {i: existing[i][kind] for i in ids if kind in existing.get(i, {})}
        for i, qc_id in have.items():
            already.setdefault(i, []).append(qc_id)
            posted.setdefault(i, []).append(qc_id)
        if [i for i in ids if i not in have]:
            todo.append((metric, [i for i in ids if i not in have]))

    def post(item: tuple[Metric, list[str]]) -> tuple[str, bool]:
        metric, ids = item
        of = [receipts[i].portal_id for i in ids]
        payload = quality_metric_payload(
            run.who, metric.properties, metric_alias(run, metric, ids), quality_metric_of=of,
            step_run=receipts[ids[0]].step_run, assay_term_name=preflight.assay_term_name)
        obj, created = run.portal.create(metric.profile.replace("-", "_"), payload)
        if not created and metric.shared and not set(of) <= set(obj.get("quality_metric_of", [])):
            # made by another step's job for its files: add ours
            run.portal.patch(obj["@id"], {"quality_metric_of": of}, extend_arrays=True)
        return obj["@id"], created

    created: list[str] = []
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        for (_metric, ids), (qc_id, new) in zip(todo, pool.map(post, todo), strict=True):
            if new:
                created.append(qc_id)
            for i in ids:
                posted.setdefault(i, []).append(qc_id)
    if already:
        print(f"quality metrics already on the portal, not posted again: "
              f"{sum(map(len, already.values()))} (files that have a QC of that type)")
    return QualityMetrics(quality_metrics={i: tuple(q) for i, q in posted.items()},
                          created=tuple(created),
                          already_on_portal={i: tuple(q) for i, q in already.items()})
