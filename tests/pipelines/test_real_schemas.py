"""What the project posts is what the real portal accepts, for every one of the 32 variants.

Each variant's synthetic run (``encode_accession.demo.synthetic``, with the QC outputs its pipeline
writes: ``qc_inputs``) goes through the package's own payload builders: step runs, files with
their callbacks, every quality metric, the workflow-metadata document, the analysis, and the
PATCHes (the dataset's ``analyses``, ``preferred_default``). Every payload is then judged by
the real portal's profiles (../shared/fixtures/encoded-schemas, with the portal's rules:
dependencies, permissions, ...): none may be refused. No portal is involved; links are the
@ids the jobs would have found.

Redacted output types (``redacted alignments``...) are historical on the portal: only DCC
accounts (``import_items``) may submit them, as the DCC does when it accessions the private
``_pbam`` runs, so those variants are judged as DCC submissions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_fixture

from encode_accession.accession.analysis import default_score, pipeline_version, preferred_defaults
from encode_accession.accession.context import Run
from encode_accession.accession.payloads import (
    alias,
    analysis_payload,
    quality_metric_payload,
    step_run_alias,
    step_run_payload,
    workflow_document_payload,
)
from encode_accession.accession.quality import collect_metrics, metric_alias
from encode_accession.accession.runner import plan_run
from encode_accession.accession.step import build_file_payload, resolve_derived_from
from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
from encode_accession.demo.synthetic import Options, synthetic_metadata
from encode_accession.planning.pipelines import VARIANTS
from encode_accession.planning.steps import load_steps
from encode_accession.qc import build
from encode_accession.run.state import Checksum, FileReceipt, PortalInput, Preflight

from . import qc_inputs
from .qc_inputs import RunEditor

LAB, AWARD = "/labs/j-michael-cherry/", "/awards/U24HG009397/"
EXPERIMENT, ANNOTATION = "/experiments/ENCSR000AAA/", "/annotations/ENCSR000BBB/"
# the portal's assay_term_name (mixins.json "assay") of each variant's experiment
ASSAYS = {"atac": "ATAC-seq", "chip": "ChIP-seq", "mint": "Mint-ChIP-seq", "bulk": "RNA-seq",
          "long": "long read RNA-seq", "mirna": "microRNA-seq", "dnase": "DNase-seq",
          "wgbs": "whole-genome shotgun bisulfite sequencing", "hic": "HiC",
          "diploidify": "HiC"}  # segway, genophase, megamap: an Annotation, no assay


def assay(variant: str) -> str:
    key = "mint" if variant.startswith("mint") else "chip" if "chip" in variant else \
        variant.split("_")[0]
    return ASSAYS[key]


Payload = tuple[str, str, dict[str, Any]]  # (what, portal item type, e.g. "file", payload)


def variant_run(variant: str, folder: Path) -> tuple[Run, Preflight]:
    """The variant's synthetic run with its pipeline's QC outputs, as the jobs see it, and
    what the preflight would have found on the portal (links are plausible @ids)."""
    steps_path = RULES_DIR / f"{variant}.yaml"
    metadata = synthetic_metadata(load_steps(steps_path), Options(replicates=2, folder=folder))
    add_qc = qc_inputs.FOR_VARIANT.get(variant)
    if add_qc:
        add_qc(RunEditor(metadata, folder))
    metadata_path = folder / "metadata.json"
    metadata_path.write_text(json.dumps(metadata))
    run = plan_run(folder / "results", {
        "metadata": str(metadata_path), "steps": str(steps_path),
        "server": f"local:{folder / 'unused.sqlite'}", "lab": "j-michael-cherry",
        "award": "U24HG009397", "annotation": "ENCSR000BBB"})
    plan = run.plan
    facts = plan.steps_file.facts
    rna = facts.reference_input in ("index", "annotation")
    pre = Preflight(
        run.workflow_id, run.settings.server,
        dataset=ANNOTATION if facts.annotation_dataset else EXPERIMENT,
        assay_term_name=None if facts.annotation_dataset else assay(variant),
        biological_replicates=2, assembly="GRCh38", genome_annotation="V29" if rna else None,
        checksums={f.uri: checksum(f.uri) for f in plan.files.values()},
        inputs={uri: PortalInput(f"/files/ENCFF{n:06d}IN/")
                for n, uri in enumerate(plan.portal_inputs)},
        input_matches={}, same_as={}, duplicates=())
    return run, pre


def variant_payloads(variant: str, folder: Path) -> Iterator[Payload]:
    """Every payload the jobs would send for the variant's synthetic run, in job order."""
    run, pre = variant_run(variant, folder)
    plan, who = run.plan, run.who
    facts = plan.steps_file.facts
    metadata_text = run.loaded.metadata_text

    step_runs = {}
    for n, step in enumerate(plan.steps):
        call = plan.files_of(step)[0].call
        payload = step_run_payload(who, step, step_run_alias(who.lab, step, run.workflow_id,
                                                             call.docker_tag))
        step_runs[step.rule] = f"/analysis-step-runs/{n:08d}-0000-4000-8000-000000000000/"
        yield f"step run {step.rule}", "analysis_step_run", payload

    receipts: dict[str, FileReceipt] = {}
    payloads: dict[str, dict[str, Any]] = {}
    order = TopologicalSorter({f: plan.planned_parents(f) for f in plan.files}).static_order()
    for n, file_id in enumerate(order):
        planned = plan.files[file_id]
        derived_from = resolve_derived_from(run, planned, pre, receipts)
        payload, extra = build_file_payload(run, planned, pre, step_runs[planned.step.rule],
                                            derived_from)
        payloads[file_id] = payload
        receipts[file_id] = FileReceipt(
            run.workflow_id, run.settings.server, id=file_id,
            portal_id=f"/files/ENCFF{n:06d}XX/", accession=None, alias=payload["aliases"][0],
            uri=planned.uri, md5sum=payload["md5sum"], file_size=payload["file_size"],
            status="uploading", created=True, output_type=payload["output_type"],
            derived_from=tuple(derived_from), step_run=step_runs[planned.step.rule],
            callbacks_applied=extra, default_score=default_score(run, planned, pre))
        yield f"file {file_id}", "file", payload

    metrics = collect_metrics(run, pre, list(plan.files.values()))
    for metric, ids in metrics:
        kind = metric.profile.replace("-", "_")
        yield f"QC {metric.profile} of {', '.join(ids)}", kind, quality_metric_payload(
            who, metric.properties, metric_alias(run, metric, ids),
            quality_metric_of=[receipts[i].portal_id for i in ids],
            step_run=receipts[ids[0]].step_run, assay_term_name=pre.assay_term_name)

    documents = []
    if not run.private:
        yield "document", "document", workflow_document_payload(
            who, alias(who.lab, "cromwell-metadata", run.workflow_id), "ENCSR000AAA",
            run.workflow_id, metadata_text)
        documents.append("/documents/00000000-0000-4000-8000-00000000d0c0/")
    yield "analysis", "analysis", analysis_payload(
        who, alias(who.lab, run.workflow_id), files=[r.portal_id for r in receipts.values()],
        documents=documents,
        pipeline_version=pipeline_version(plan.workflow.submitted.get("workflow", "")),
        quality_standard=plan.steps_file.quality_standard)

    dataset_type = "annotation" if facts.annotation_dataset else "experiment"
    dataset = {"lab": LAB, "award": AWARD, **(
        {"annotation_type": "chromatin state"} if facts.annotation_dataset else
        {"assay_term_name": pre.assay_term_name,
         "biosample_ontology": "/biosample-types/cell_line_EFO_0002067/"})}
    yield "PATCH dataset analyses", dataset_type, {
        **dataset, "analyses": ["/analyses/ENCAN000AAA/"]}
    by_id = {r.portal_id: r for r in receipts.values()}
    for file_id in preferred_defaults(run, list(receipts.values())):
        yield f"PATCH {by_id[file_id].id} preferred_default", "file", {
            **payloads[by_id[file_id].id], "preferred_default": True}


def checksum(uri: str) -> Checksum:
    content = Path(uri).read_bytes()
    return Checksum(hashlib.md5(content).hexdigest(), len(content))


@pytest.fixture(scope="module")
def profiles():
    """The real portal's validation (the local portal's own, loaded from the schemas)."""
    module = pytest.importorskip("encode_accession.portal.profiles")
    return module.Profiles.load(shared_fixture("encoded-schemas"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_payload_of_the_variant_is_accepted_by_the_real_portal_profiles(
        variant, tmp_path, profiles):
    payloads = list(variant_payloads(variant, tmp_path / "run"))
    kinds = {kind for _what, kind, _payload in payloads}
    assert {"analysis_step_run", "file", "analysis"} <= kinds
    dcc = load_steps(RULES_DIR / f"{variant}.yaml").facts.private_filenames
    refused = {what: errors for what, kind, payload in payloads
               if (errors := profiles.errors(kind, payload, submitter=not dcc))}
    assert refused == {}, f"{len(refused)} of {len(payloads)} payloads refused"


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_variant_s_qc_inputs_make_every_qc_its_steps_name(variant, tmp_path):
    """With two replicates and its pipeline's QC outputs, every QC named applies."""
    run, pre = variant_run(variant, tmp_path / "run")
    for planned in run.plan.files.values():
        ctx = run.qc_context(planned, pre)
        for name in planned.spec.quality_metrics:
            assert build(name, ctx) is not None, f"{planned.id}: {name}"
