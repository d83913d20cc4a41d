"""What each Snakemake job does. Rule scripts call one function here with their ``snakemake``
object; everything a job learns or creates goes into its receipt.

Every job that creates a portal object first looks it up by its deterministic alias, so any
job can be re-run after a crash without making a duplicate.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import runs
from .cromwell import read_metadata_text
from .errors import InputError, InputErrors
from .payloads import (
    Attribution,
    FileFacts,
    alias,
    file_alias,
    file_payload,
    step_run_alias,
    step_run_payload,
)
from .plan import Plan, PlannedFile, leaf_strings
from .portal.client import PortalClient
from .portal.errors import PortalAuthError, PortalValidationError
from .provenance import record_accessioned_files
from .qc import BUILDERS, CALLBACKS, PREFERRED_DEFAULT_VALUE, Metric, QcContext, build
from .receipts import read_receipt, write_receipt
from .storage import Storage, get_storage
from .tracker import connect as connect_tracker
from .upload import upload
from .workflow import Setup, setup_from_config

IGNORED_STATUSES = {"replaced", "revoked", "deleted"}
COUNTED_REPLICATE_STATUSES = {"released", "in progress"}
NEEDS_UPLOAD = {"uploading", "upload failed"}


@dataclass
class Run:
    """Everything a job needs, rebuilt in each job process from the validated config."""

    config: dict[str, Any]
    qc_cache: dict[str, Any] = field(default_factory=dict)  # QC files read once per job

    @cached_property
    def setup(self) -> Setup:
        return setup_from_config(self.config)

    @property
    def plan(self) -> Plan:
        return self.setup.plan

    @cached_property
    def who(self) -> Attribution:
        return Attribution(lab=self.config["lab"], award=self.config["award"])

    @cached_property
    def portal(self) -> PortalClient:
        return PortalClient(self.config["server"])

    @cached_property
    def storage(self) -> Storage:
        return get_storage(self.config.get("s3_endpoint_url"))

    @property
    def workflow_id(self) -> str:
        return self.plan.workflow.id

    @property
    def private(self) -> bool:
        """Asked for in the config, or implied by a redacted-BAM (_pbam) variant."""
        variant = self.setup.variant
        return bool(self.config.get("private")) or bool(variant and variant.private)

    def qc_context(self, planned: PlannedFile, preflight_receipt: dict[str, Any]) -> QcContext:
        return QcContext(self.plan.workflow, planned, self.storage.read_bytes,
                         preflight_receipt["biological_replicates"], self.qc_cache)

    def file_alias(self, planned: PlannedFile, md5: str) -> str:
        return file_alias(self.who.lab, self.workflow_id, planned.uri, md5=md5,
                          private=self.private)


# --- preflight: resolve inputs, checksums, duplicates ------------------------------------

def preflight(run: Run) -> dict[str, Any]:
    """Before anything is posted: find inputs on the portal, checksum every planned file,
    and refuse to go on when a planned file's md5 is already on the portal (unless forced
    or it was posted by an earlier run of this workflow)."""
    plan, portal = run.plan, run.portal
    problems: list[InputError] = []
    for kind, ident in (("lab", run.who.lab_id), ("award", run.who.award_id)):
        if portal.get(ident) is None:
            problems.append(InputError("config", kind, f"{ident} is not on the portal "
                                       f"{run.config['server']}",
                                       f"set `{kind}` (or DCC_{kind.upper()}) to one it knows"))
    if problems:
        raise InputErrors(problems)
    with ThreadPoolExecutor(max_workers=4) as pool:
        uris = [*plan.portal_inputs, *(f.uri for f in plan.files.values())]
        checksums = dict(zip(uris, pool.map(lambda u: (run.storage.md5(u), run.storage.size(u)),
                                            uris), strict=True))
    inputs = {uri: _find_input(portal, uri, checksums[uri][0]) for uri in plan.portal_inputs}
    missing = [InputError(uri, "derived_from", f"no portal file has md5 {checksums[uri][0]}",
                          "post the pipeline inputs and references to the portal first")
               for uri, found in inputs.items() if found is None]
    if missing:
        raise InputErrors(missing)
    dataset = _dataset(run, inputs)
    duplicates = []
    for f in plan.files.values():
        md5 = checksums[f.uri][0]
        mine = run.file_alias(f, md5)
        for match in portal.search("File", {"md5sum": md5}, frame="object"):
            if match.get("status") not in IGNORED_STATUSES and mine not in match.get("aliases", []):
                duplicates.append({"file": f.uri, "portal_file": match["@id"],
                                   "status": match.get("status"),
                                   "dataset": match.get("dataset")})
    if duplicates and not run.config.get("force"):
        raise InputError("preflight", "md5sum",
                         "planned files are already on the portal:\n" + duplicate_table(duplicates),
                         "set force: true to post them anyway")
    return {
        "workflow_id": run.workflow_id,
        "dataset": dataset["@id"],
        "assay_term_name": dataset.get("assay_term_name"),
        **_genome(run, inputs),
        "biological_replicates": _replicate_count(dataset),
        "inputs": inputs,
        "checksums": {u: {"md5": m, "size": s} for u, (m, s) in checksums.items()},
        "duplicates": duplicates,
    }


def _find_input(portal: PortalClient, uri: str, md5: str) -> dict[str, Any] | None:
    matches = [m for m in portal.search("File", {"md5sum": md5}, frame="object")
               if m.get("status") not in IGNORED_STATUSES]
    if not matches:
        return None
    m = matches[0]
    return {k: m.get(k) for k in ("@id", "accession", "dataset", "assembly", "genome_annotation",
                                  "output_type", "status")}


def _dataset(run: Run, inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The Annotation named in the config for the variants that need one; otherwise the
    dataset of the first raw fastq, as the reference tool finds it."""
    variant = run.setup.variant
    if variant and variant.needs_annotation:
        annotation = run.portal.get(run.config["annotation"], frame="embedded")
        if annotation is None:
            raise InputError("config", "annotation",
                             f"{run.config['annotation']} is not on the portal",
                             "set annotation: to an existing Annotation accession")
        return annotation
    steps = run.plan.steps_file
    keys = set(steps.raw_fastqs_keys)
    for f in run.plan.workflow.files.values():
        raw = keys & set(f.keys) and (f.producer is None or steps.raw_fastqs_can_have_task)
        if raw and f.uri in inputs:
            dataset = run.portal.get(inputs[f.uri]["dataset"], frame="embedded")
            if dataset:
                return dataset
    raise InputError(run.plan.workflow.source, "raw_fastqs_keys",
                     f"no raw fastq (keys {sorted(keys)}) of this run is on the portal",
                     "post the fastqs first, or check raw_fastqs_keys in the steps file")


def _genome(run: Run, inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Assembly and genome annotation of the portal file behind the pipeline's reference input
    (``ref_fa`` for ATAC/ChIP, ``index`` for bulk RNA, ...), as the reference tool reads them;
    steps files of unknown families fall back to the first parent input that has them."""
    key = reference_filekey(Path(run.plan.steps_file.path).stem.removesuffix("_steps"))
    candidates = list(inputs.values())
    if key:
        wf = run.plan.workflow
        uris = [f.uri for f in wf.files.values() if key in f.keys and f.producer is None]
        if key == "annotation" and not uris:  # long-read RNA: a workflow input
            uris = list(leaf_strings(wf.workflow_input(key)))
        found = [_find_input(run.portal, u, run.storage.md5(u)) for u in uris[:1]]
        candidates = [f for f in found if f] + candidates
    return {k: next((c[k] for c in candidates if c.get(k)), None)
            for k in ("assembly", "genome_annotation")}


def reference_filekey(family: str) -> str | None:
    """The input whose portal file gives a run its assembly (encode-accession-tool.md 1.12)."""
    prefixes = (("atac", "ref_fa"), ("tf_chip", "ref_fa"), ("histone_chip", "ref_fa"),
                ("mint_chip", "ref_fa"), ("control_chip", "ref_fa"), ("chip_map", "ref_fa"),
                ("bulk_rna", "index"), ("mirna", "annotation"),
                ("long_read_rna", "annotation"), ("dnase_starch", "hotspot2_tar_gz"),
                ("dnase", "references.nuclear_chroms_gz"), ("wgbs", "reference"),
                ("hic", "reference_index"), ("megamap", "chrom_sizes"),
                ("diploidify", "chrom_sizes"), ("segway", "chrom_sizes"),
                ("genophase", "reference_fasta"))
    return next((key for prefix, key in prefixes if family.startswith(prefix)), None)

def _replicate_count(dataset: dict[str, Any]) -> int:
    return len({r.get("biological_replicate_number") for r in dataset.get("replicates", [])
                if isinstance(r, dict) and r.get("status") in COUNTED_REPLICATE_STATUSES})


def duplicate_table(rows: list[dict[str, Any]]) -> str:
    header = ("File Path", "Matching Portal Files", "Portal Status", "Portal File Dataset")
    lines = [header] + [(r["file"], r["portal_file"], str(r["status"]), str(r["dataset"]))
                        for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
                     for line in lines)


# --- step runs and files ------------------------------------------------------------------

def get_or_create(portal: PortalClient, collection: str, payload: dict[str, Any]
                  ) -> tuple[dict[str, Any], bool]:
    """Look the object up by its first alias; create it only when it is not there."""
    existing = portal.get(payload["aliases"][0], database=True)
    if existing is not None:
        return existing, False
    return portal.post(collection, payload), True


def step_run(run: Run, rule: str) -> dict[str, Any]:
    step = next(s for s in run.plan.steps if s.rule == rule)
    call = run.plan.files_of(step)[0].call
    payload = step_run_payload(run.who, step, step_run_alias(run.who.lab, step, run.workflow_id,
                                                             call.docker_tag))
    obj, created = get_or_create(run.portal, "analysis_step_run", payload)
    return {"@id": obj["@id"], "alias": payload["aliases"][0], "created": created}


def accession_file(run: Run, file_id: str, preflight_receipt: dict[str, Any],
                   step_run_receipt: dict[str, Any], parent_receipts: dict[str, dict[str, Any]]
                   ) -> dict[str, Any]:
    planned = run.plan.files[file_id]
    checksum = preflight_receipt["checksums"][planned.uri]
    derived_from: dict[str, None] = {}
    for parent in planned.parents:
        if parent.planned_id:
            derived_from[parent_receipts[parent.planned_id]["@id"]] = None
        else:
            derived_from[preflight_receipt["inputs"][parent.uri]["@id"]] = None
    facts = FileFacts(md5=checksum["md5"], size=checksum["size"],
                      dataset=preflight_receipt["dataset"],
                      assembly=preflight_receipt["assembly"] if _takes_assembly(planned) else None,
                      genome_annotation=preflight_receipt["genome_annotation"],
                      derived_from=tuple(derived_from), step_run=step_run_receipt["@id"])
    ctx = run.qc_context(planned, preflight_receipt)
    extra: dict[str, Any] = {}
    for name in planned.spec.callbacks:
        if name in CALLBACKS:
            extra.update(CALLBACKS[name](ctx))
    payload = file_payload(run.who, planned, facts, run.file_alias(planned, facts.md5),
                           private=run.private, extra=extra)
    obj, created = get_or_create(run.portal, "file", payload)
    return {"id": file_id, "@id": obj["@id"], "accession": obj.get("accession"),
            "alias": payload["aliases"][0], "uri": planned.uri, "md5sum": facts.md5,
            "file_size": facts.size, "status": obj.get("status"), "created": created,
            "derived_from": list(derived_from), "step_run": facts.step_run,
            "callbacks_applied": extra,
            "callbacks_not_implemented": [c for c in planned.spec.callbacks
                                          if c not in CALLBACKS]}


def _takes_assembly(planned: PlannedFile) -> bool:
    """Raw output types must not carry an assembly (the portal refuses it)."""
    return planned.spec.output_type not in {"reads", "rejected reads", "filtered reads"}


# --- uploads ------------------------------------------------------------------------------

def upload_file(run: Run, file_receipt: dict[str, Any], *, timeout: float = 60.0
                ) -> dict[str, Any]:
    """Upload when the portal still waits for the bytes, then check what it recorded."""
    portal = run.portal
    status = file_receipt.get("status")  # as the file job saw it; saves a GET per file
    if status not in NEEDS_UPLOAD:
        status = (portal.get(file_receipt["@id"], database=True) or {}).get("status")
    uploaded = False
    if status in NEEDS_UPLOAD:
        try:
            credentials = portal.regenerate_upload_credentials(file_receipt["@id"])
        except PortalAuthError:
            # refused when an earlier attempt's upload already moved the file on
            current = portal.get(file_receipt["@id"], database=True) or {}
            if current.get("status") in NEEDS_UPLOAD:
                raise
        else:
            upload(run.storage, file_receipt["uri"], file_receipt["file_size"], credentials)
            uploaded = True
    deadline = time.monotonic() + timeout
    while True:
        current = portal.get(file_receipt["@id"], database=True) or {}
        if current.get("status") not in NEEDS_UPLOAD or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    status = current.get("status")
    if status == "content error":
        raise RuntimeError(f"{file_receipt['@id']}: the portal found a content error: "
                           f"{current.get('content_error_detail')}")
    if current.get("md5sum") != file_receipt["md5sum"] or (
            current.get("file_size") not in (None, file_receipt["file_size"])):
        raise RuntimeError(f"{file_receipt['@id']}: the portal's md5/size differ from "
                           f"{file_receipt['uri']}")
    return {"@id": file_receipt["@id"], "uploaded": uploaded, "status": status,
            "verified": status not in NEEDS_UPLOAD}


# --- quality metrics ------------------------------------------------------------------------

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


# --- the analysis ---------------------------------------------------------------------------

def analysis(run: Run, preflight_receipt: dict[str, Any], file_receipts: list[dict[str, Any]],
             metadata_text: str) -> dict[str, Any]:
    """Workflow-metadata document, the analysis object, and the dataset's link to it."""
    portal, who, wf_id = run.portal, run.who, run.workflow_id
    documents = []
    if not run.private:
        accession = preflight_receipt["dataset"].strip("/").rsplit("/", 1)[-1]
        encoded = base64.b64encode(metadata_text.encode()).decode()
        doc, _ = get_or_create(portal, "document", {
            "aliases": [alias(who.lab, "cromwell-metadata", wf_id)],
            "document_type": "workflow metadata",
            "attachment": {"download": f"{accession}_{wf_id}_metadata.json",
                           "type": "application/json",
                           "href": f"data:application/json;base64,{encoded}"},
            **who.fields()})
        documents.append(doc["@id"])
    payload: dict[str, Any] = {"aliases": [alias(who.lab, wf_id)],
                               "files": [r["@id"] for r in file_receipts],
                               "documents": documents, **who.fields()}
    version = pipeline_version(run.plan.workflow.submitted.get("workflow", ""))
    if version:
        payload["pipeline_version"] = version
    if run.plan.steps_file.quality_standard:
        payload["quality_standard"] = run.plan.steps_file.quality_standard
    obj, created = get_or_create(portal, "analysis", payload)
    portal.patch(preflight_receipt["dataset"], {"analyses": [obj["@id"]]}, extend_arrays=True)
    preferred = preferred_defaults(run, preflight_receipt, file_receipts)
    for file_id in preferred:
        portal.patch(file_id, {"preferred_default": True})
    return {"@id": obj["@id"], "created": created, "documents": documents,
            "dataset": preflight_receipt["dataset"], "files": payload["files"],
            "preferred_default": preferred}


def preferred_defaults(run: Run, preflight_receipt: dict[str, Any],
                       file_receipts: list[dict[str, Any]]) -> list[str]:
    """Among files flagged ``maybe_preferred_default``, the best of each format/type/output
    type by the pipeline's QC value (e.g. aligned reads for microRNA-seq)."""
    flagged = [f for f in run.plan.files.values() if f.spec.maybe_preferred_default]
    if not flagged:
        return []
    family = Path(run.plan.steps_file.path).stem.removesuffix("_steps")
    value = PREFERRED_DEFAULT_VALUE.get(family)
    if value is None:
        print(f"preferred_default: no QC value for pipeline '{family}' yet; none chosen")
        return []
    ids = {r["id"]: r["@id"] for r in file_receipts}
    best: dict[tuple[Any, ...], tuple[float, str]] = {}
    for f in flagged:
        key = (f.spec.file_format, f.spec.file_format_type, f.spec.output_type)
        score = value(run.qc_context(f, preflight_receipt))
        if key not in best or score > best[key][0]:
            best[key] = (score, ids[f.id])
    return [file_id for _score, file_id in best.values()]


def pipeline_version(wdl: str) -> str | None:
    """``version`` from the WDL's meta section (``v2.2.2`` -> ``2.2.2``)."""
    match = re.search(r"""version\s*:\s*["']v?(\d+\.\d+\.\d+)["']""", wdl)
    return match.group(1) if match else None


# --- the run summary -------------------------------------------------------------------------

def summary(run: Run, preflight_receipt: dict[str, Any], step_runs: list[dict[str, Any]],
            files: list[dict[str, Any]], uploads: list[dict[str, Any]],
            qc_receipt: dict[str, Any], analysis_receipt: dict[str, Any]) -> dict[str, Any]:
    """Every object created or found, with its status; the run goes into the runs database."""
    upload_status = {u["@id"]: u["status"] for u in uploads}
    created_step_runs: dict[str, bool] = {}  # steps may share one step run; either made it
    for r in step_runs:
        created_step_runs[r["@id"]] = created_step_runs.get(r["@id"], False) or r["created"]
    objects = [{"kind": "step run", "@id": i, "created": c, "status": None}
               for i, c in created_step_runs.items()]
    objects += [{"kind": "file", "@id": f["@id"], "created": f["created"],
                 "status": upload_status.get(f["@id"], f["status"]), "uri": f["uri"]}
                for f in files]
    qc_by_file = {f["@id"]: qc_receipt["quality_metrics"].get(f["id"], []) for f in files}
    objects += [{"kind": "qc", "@id": q, "created": q in qc_receipt["created"], "status": None}
                for q in dict.fromkeys(q for qs in qc_by_file.values() for q in qs)]
    objects += [{"kind": "document", "@id": d, "created": None, "status": None}
                for d in analysis_receipt["documents"]]
    objects.append({"kind": "analysis", "@id": analysis_receipt["@id"],
                    "created": analysis_receipt["created"], "status": None})
    with closing(connect_tracker(run.config.get("tracker_db"))) as conn:
        record_accessioned_files(conn, [dict(
            uri=f["uri"], md5=f["md5sum"], size=f["file_size"], accession=f["accession"],
            portal_id=f["@id"], derived_from=f["derived_from"], step_run=f["step_run"],
            workflow_id=run.workflow_id, docker_image=run.plan.files[f["id"]].call.docker,
            server=run.config["server"], lab=run.who.lab) for f in files])
    with runs.connect(run.config.get("runs_db")) as db:
        runs.record_run(db, experiment=preflight_receipt["dataset"], workflow_id=run.workflow_id,
                        labels=run.plan.workflow.labels, status="succeeded",
                        files=[runs.FileRecord(o["@id"], o["status"], bool(o["created"]),
                                               tuple(qc_by_file[o["@id"]]))
                               for o in objects if o["kind"] == "file"])
    return {"workflow_id": run.workflow_id, "dataset": preflight_receipt["dataset"],
            "analysis": analysis_receipt["@id"], "objects": objects,
            "created": sum(1 for o in objects if o["created"]),
            "found": sum(1 for o in objects if o["created"] is False)}


def format_summary(result: dict[str, Any]) -> str:
    lines = [f"Accessioned workflow {result['workflow_id']} to {result['dataset']}: "
             f"{result['created']} objects created, {result['found']} already there.",
             f"Analysis: {result['analysis']}"]
    for o in result["objects"]:
        state = {True: "created", False: "found", None: ""}[o["created"]]
        lines.append(f"  {o['kind']:<9} {o['@id']:<48} {state:<8} {o['status'] or ''}")
    return "\n".join(lines)


# --- entry points for rule scripts --------------------------------------------------------

def run_job(smk: Any) -> None:
    """Run one job; bad input or a portal refusal ends it with one message, no traceback."""
    try:
        _run_job(smk)
    except InputError as e:
        sys.exit(f"encode-accession {smk.params.job}: {e.message}")
    except (PortalAuthError, PortalValidationError) as e:
        sys.exit(f"encode-accession {smk.params.job}: {e}")


def _run_job(smk: Any) -> None:
    """Dispatch on ``params.job``; each branch reads its inputs and writes one receipt."""
    run = Run(dict(smk.config))
    job = smk.params.job
    if job == "preflight":
        result = preflight(run)
    elif job == "step_run":
        result = step_run(run, smk.params.step)
    elif job == "file":
        parents = {Path(p).stem: read_receipt(p) for p in smk.input.parents}
        result = accession_file(run, smk.wildcards.file_id, read_receipt(smk.input.preflight),
                                read_receipt(smk.input.step_run), parents)
    elif job == "upload":
        result = upload_file(run, read_receipt(smk.input.file),
                             timeout=float(run.config.get("upload_timeout", 60)))
    elif job == "quality_metrics":
        receipts = {Path(p).stem: read_receipt(p) for p in smk.input.files}
        result = quality_metrics(run, read_receipt(smk.input.preflight), receipts)
    elif job == "analysis":
        receipts = [read_receipt(p) for p in smk.input.files]
        result = analysis(run, read_receipt(smk.input.preflight), receipts,
                          read_metadata_text(run.plan.workflow.source))
    elif job == "summary":
        result = summary(run, read_receipt(smk.input.preflight),
                         [read_receipt(p) for p in smk.input.step_runs],
                         [read_receipt(p) for p in smk.input.files],
                         [read_receipt(p) for p in smk.input.uploads],
                         read_receipt(smk.input.quality_metrics), read_receipt(smk.input.analysis))
        print(format_summary(result))
    else:
        raise ValueError(f"unknown job {job}")
    write_receipt(smk.output[0], result)
    print(json.dumps({"job": job, **{k: result[k] for k in ("@id", "created") if k in result}}))
