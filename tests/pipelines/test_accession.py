"""One family at a time, end to end in-process: a synthetic run of a representative variant,
with the QC outputs its pipeline writes, is accessioned into a fresh local portal by the
package's job functions in DAG order (no Snakemake, to stay fast).

QC assertions follow ``encode_accession.qc.BUILDERS``: every QC the steps name and a builder
exists for must be posted and accepted, so the test tightens as builders are added.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pytest

from encode_accession.accession.analysis import analysis
from encode_accession.accession.checksums import checksums
from encode_accession.accession.context import Run
from encode_accession.accession.preflight import preflight
from encode_accession.accession.runner import run_job
from encode_accession.accession.step import run_step
from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
from encode_accession.demo.synthetic import Options, step_version_objects, synthetic_metadata
from encode_accession.localportal import LocalPortal, load_objects
from encode_accession.localportal.demo import DEMO_AWARD, DEMO_LAB, DEMO_REFERENCE
from encode_accession.localportal.types import registry
from encode_accession.metadata.cromwell import parse_metadata
from encode_accession.planning.pipelines import Variant, choose_variant
from encode_accession.planning.plan import Plan
from encode_accession.planning.steps import load_steps
from encode_accession.qc import BUILDERS, build
from encode_accession.run.planfile import load_plan_file
from encode_accession.run.state import FileReceipt, Preflight, StepReceipt, StepRun

from . import qc_inputs
from .qc_inputs import RunEditor

EXPERIMENT = "/experiments/TSTSR100001/"
ANNOTATION = "TSTSR100002"
BIOSAMPLE_TYPE = "/biosample-types/tissue_UBERON_0002107/"


@dataclass(frozen=True)
class Family:
    name: str  # what the user names: choose_variant must pick `steps` for the synthetic run
    steps: str
    assay: str
    add_qc: Callable[[RunEditor], None] | None = None


FAMILIES = [
    Family("tf_chip", "tf_chip", "ChIP-seq", partial(qc_inputs.chip, peak_caller="spp")),
    Family("histone_chip", "histone_chip", "ChIP-seq",
           partial(qc_inputs.chip, peak_caller="macs2")),
    Family("control_chip", "control_chip", "ChIP-seq",
           partial(qc_inputs.chip, peak_caller="spp")),
    Family("mint_chip", "mint_chip", "Mint-ChIP-seq",
           partial(qc_inputs.chip, peak_caller="macs2")),
    Family("bulk_rna", "bulk_rna", "RNA-seq", qc_inputs.bulk_rna),
    Family("long_read_rna", "long_read_rna_one_spikein", "long read RNA-seq",
           qc_inputs.long_read_rna),
    Family("dnase", "dnase", "DNase-seq", qc_inputs.dnase),
    Family("wgbs", "wgbs", "whole-genome shotgun bisulfite sequencing", qc_inputs.wgbs),
    Family("hic", "hic", "HiC", qc_inputs.hic),
    Family("megamap", "megamap", "HiC", qc_inputs.megamap),
    Family("diploidify", "diploidify", "HiC"),
    Family("genophase", "genophase", "HiC"),
    Family("segway", "segway", "DNase-seq", qc_inputs.segway),
    Family("mirna", "mirna", "microRNA-seq", qc_inputs.mirna),
    Family("atac", "atac", "ATAC-seq", qc_inputs.atac),
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_family_accessions_into_the_local_portal(family, tmp_path):
    accession_family(family, tmp_path)


def test_chip_run_with_twelve_replicates_accessions(tmp_path):
    """Replicates 10 and up are keys ``rep10``... of the qc_json, ``N10``... of its
    reproducibility section: each replicate's pseudoreplicate peaks get its own count."""
    family = next(f for f in FAMILIES if f.name == "tf_chip")
    run, qc = accession_family(family, tmp_path, replicates=12)
    counts = {}
    for file_id, planned in run.plan.files.items():
        if planned.call.task == "idr_pr" and "chip_replication" in planned.spec.quality_metrics:
            (replication,) = [q for q in map(run.portal.get, qc[file_id])
                              if "ChipReplicationQualityMetric" in q["@type"]]
            counts[planned.call.inputs["prefix"]] = replication["reproducible_peaks"]
    assert counts == {f"rep{n}-pr1_vs_rep{n}-pr2": 95_000 - 5_000 * n for n in range(1, 13)}


def accession_family(family: Family, tmp_path: Path, replicates: int = 2
                     ) -> tuple[Run, dict[str, list[str]]]:
    """Accession a synthetic run of the family; returns the run and its QC @ids by file."""
    run, variant = prepare(family, tmp_path, replicates)
    pre = preflight(run, checksums(run).checksums)
    assert pre.dataset == (f"/annotations/{ANNOTATION}/" if variant.needs_annotation
                           else EXPERIMENT)

    steps = accession_steps(run, pre)
    step_runs = {rule: s.step_run for rule, s in steps.items()}
    receipts = {f.id: f for s in steps.values() for f in s.files}
    qc = {i: q for s in steps.values() for i, q in s.quality_metrics.quality_metrics.items()}
    result = analysis(run, pre, list(receipts.values()))

    assert_files_posted(run, pre, step_runs, receipts)
    assert_quality_metrics_posted(run, pre, receipts, qc)
    assert set(result.files) == {r.portal_id for r in receipts.values()}
    assert result.portal_id in run.portal.get(pre.dataset, database=True)["analyses"]
    return run, qc


def prepare(family: Family, tmp_path: Path, replicates: int = 2) -> tuple[Run, Variant]:
    """The synthetic run with its QC outputs, a portal that has its inputs, and a config that
    names the family, so the run itself picks the variant (and privacy, and the dataset)."""
    steps = load_steps(RULES_DIR / f"{family.steps}.yaml")
    folder = tmp_path / "run"
    metadata = synthetic_metadata(steps, Options(replicates=replicates, folder=folder))
    if family.add_qc:
        family.add_qc(RunEditor(metadata, folder))
    metadata_path = folder / "metadata.json"
    metadata_path.write_text(json.dumps(metadata, indent=1))
    variant = choose_variant(family.name, parse_metadata(metadata, str(metadata_path)))
    assert variant.steps_name == family.steps, variant.reason

    db = tmp_path / "portal.sqlite"
    settings = {"metadata": str(metadata_path), "pipeline": family.name,
                "server": f"local:{db}", "lab": "encode-awg", "award": "DEMO-AWARD",
                "name": "results", "rundir": str(tmp_path / "results"), "force": False,
                **({"annotation": ANNOTATION} if variant.needs_annotation else {})}
    run_job("plan", tmp_path / "results", None, json.dumps(settings))
    run = Run(load_plan_file(tmp_path / "results" / "plan.json"))
    assert run.private is variant.private
    load_objects(LocalPortal(db), portal_objects(run.plan, family.assay, replicates))
    return run, variant


def accession_steps(run: Run, pre: Preflight) -> dict[str, StepReceipt]:
    """Every step job, parents first (a refusal by the portal's profiles fails the test)."""
    plan = run.plan
    order = TopologicalSorter({s.rule: plan.parent_steps(s.rule) for s in plan.steps
                               if plan.files_of(s)}).static_order()
    steps: dict[str, StepReceipt] = {}
    for rule in order:
        steps[rule] = run_step(run, rule, pre, [steps[p] for p in plan.parent_steps(rule)])
    return steps


def portal_objects(plan: Plan, assay: str, replicates: int = 2) -> list[dict[str, Any]]:
    """An experiment with its replicates (and an Annotation), the analysis steps of the
    steps file, and every input the run's files derive from, found by md5."""
    common = {"lab": DEMO_LAB, "award": DEMO_AWARD, "date_created": "2024-01-01T00:00:00+00:00"}
    objects: list[dict[str, Any]] = [
        {"@id": EXPERIMENT, "@type": ["Experiment", "Dataset", "Item"], "accession": "TSTSR100001",
         "assay_term_name": assay, "biosample_ontology": BIOSAMPLE_TYPE,
         "status": "in progress", **common},
        {"@id": f"/annotations/{ANNOTATION}/",
         "@type": ["Annotation", "FileSet", "Dataset", "Item"], "accession": ANNOTATION,
         "annotation_type": "chromatin state", "status": "in progress", **common}]
    objects += [{"@id": f"/replicates/{uuid.uuid5(uuid.NAMESPACE_URL, f'{EXPERIMENT}{n}')}/",
                 "@type": ["Replicate", "Item"], "experiment": EXPERIMENT,
                 "biological_replicate_number": n, "technical_replicate_number": 1,
                 "status": "released"} for n in range(1, replicates + 1)]
    objects += step_version_objects(plan.steps_file)
    objects += [input_file(plan, uri, n) for n, uri in enumerate(plan.portal_inputs)]
    if plan.steps_file.quality_standard:  # the analysis links to it
        name = plan.steps_file.quality_standard.strip("/").rsplit("/", 1)[-1]
        objects.append({"@id": plan.steps_file.quality_standard,
                        "@type": ["QualityStandard", "Item"], "name": name,
                        "definitions": [], "status": "released"})
    return objects


def input_file(plan: Plan, uri: str, n: int) -> dict[str, Any]:
    """Raw data on the experiment, references (with an assembly) on the demo Reference."""
    content = Path(uri).read_bytes()
    raw = bool(set(plan.workflow.files[uri].keys) & set(plan.steps_file.raw_fastqs_keys))
    kind = ({"dataset": EXPERIMENT, "file_format": "fastq", "output_type": "reads"} if raw else
            {"dataset": DEMO_REFERENCE, "file_format": "tar", "output_type": "genome index",
             "assembly": "GRCh38"})
    accession = f"TSTFF{900000 + n}"
    return {"@id": f"/files/{accession}/", "@type": ["File", "Item"], "accession": accession,
            "md5sum": hashlib.md5(content).hexdigest(), "file_size": len(content),
            "submitted_file_name": Path(uri).name, "status": "released",
            "lab": DEMO_LAB, "award": DEMO_AWARD, **kind}


def assert_files_posted(run: Run, pre: Preflight, step_runs: dict[str, StepRun],
                        receipts: dict[str, FileReceipt]) -> None:
    for file_id, planned in run.plan.files.items():
        posted = run.portal.get(receipts[file_id].portal_id, database=True)
        assert posted is not None, file_id
        expected = {receipts[p.planned_id].portal_id if p.planned_id
                    else pre.inputs[p.uri].portal_id for p in planned.parents}
        assert set(posted.get("derived_from", [])) == expected, file_id
        if not all(rule.allow_empty for rule in planned.spec.derived_from):
            assert expected, file_id
        assert posted["step_run"] == step_runs[planned.step.rule].portal_id, file_id


def assert_quality_metrics_posted(run: Run, pre: Preflight, receipts: dict[str, FileReceipt],
                                  qc: dict[str, tuple[str, ...]]) -> None:
    """Each QC the steps name and a builder exists for is on the portal, of the builder's type
    and describing the file (with two replicates and every QC output, all of them apply)."""
    for file_id, planned in run.plan.files.items():
        posted = [run.portal.get(q, database=True)
                  for q in qc.get(file_id, ())]
        for name in planned.spec.quality_metrics:
            if name not in BUILDERS:
                continue
            metric = build(name, run.qc_context(planned, pre))
            assert metric is not None, f"{file_id}: {name} built nothing"
            type_name = registry().lookup(metric.profile).name
            assert any(type_name in q["@type"] and receipts[file_id].portal_id in
                       q["quality_metric_of"] for q in posted), f"{file_id}: {name}"
