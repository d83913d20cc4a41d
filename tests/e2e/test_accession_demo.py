"""The main job end to end: real Snakemake accessions the demo run into the local portal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from encode_accession.accession import runs
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.database.sqlite import connect as connect_db
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps
from encode_accession.portal.client import PortalClient

from .conftest import snakemake, start_snakemake, write_config


def demo_config(workdir: Path, **extra) -> Path:
    """No `metadata`: the demo run, into a portal of its own."""
    return write_config(workdir, pipeline="atac", lab="encode-awg", award="DEMO-AWARD",
                        server=f"local:{workdir / 'portal.sqlite'}", results="results",
                        verify_timeout=30, tracker_db=str(workdir / "tracker.db"), **extra)


def posted_files(portal: PortalClient, workflow_id: str) -> list[dict]:
    prefix = f"encode-awg:{workflow_id}-"
    return [f for f in portal.search("File", {"lab.name": "encode-awg"}, frame="object")
            if any(a.startswith(prefix) for a in f.get("aliases", []))]


def demo_plan(workdir: Path):
    metadata = workdir / "results" / "demo" / "metadata.json"
    return build_plan(load_metadata(metadata), load_steps(ACCESSION_RULES / "atac.yaml"))


@pytest.fixture(scope="module")
def accessioned(tmp_path_factory):
    """One full demo run with two parallel jobs, shared by the checks below."""
    workdir = tmp_path_factory.mktemp("demo")
    config = demo_config(workdir)
    result = snakemake(workdir, config, "-j", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, config, result


def test_every_planned_file_is_posted_with_its_parents_and_step_run(accessioned):
    workdir, _config, _result = accessioned
    plan = demo_plan(workdir)
    portal = PortalClient(f"local:{workdir / 'portal.sqlite'}")
    receipts = {f.id: json.loads((workdir / "results/files" / f.step.rule / f"{f.id}.json")
                                 .read_text()) for f in plan.files.values()}
    by_uri = {r["uri"]: r["@id"] for r in receipts.values()}
    inputs = json.loads((workdir / "results/preflight.json").read_text())["inputs"]
    for f in plan.files.values():
        obj = portal.get(receipts[f.id]["@id"], database=True)
        assert obj["md5sum"] == receipts[f.id]["md5sum"]
        applied = receipts[f.id]["callbacks_applied"]  # callbacks may override the template
        assert obj["output_type"] == applied.get("output_type", f.spec.output_type)
        assert obj["dataset"] == "/experiments/TSTSR000001/"
        assert obj["submitted_file_name"] == f.uri
        expected = [by_uri[p.uri] if p.planned_id else inputs[p.uri]["@id"] for p in f.parents]
        assert obj["derived_from"] == list(dict.fromkeys(expected))
        step_run = portal.get(obj["step_run"], database=True)
        assert step_run["analysis_step_version"] == f.step.dcc_step_version
    assert len(posted_files(portal, plan.workflow.id)) == len(plan.files)


def test_every_upload_is_verified_by_the_portal(accessioned):
    workdir, _config, _result = accessioned
    uploads = [json.loads(p.read_text()) for p in (workdir / "results/uploads").glob("*.json")]
    assert len(uploads) == len(demo_plan(workdir).files) and all(u["uploaded"] for u in uploads)
    verification = json.loads((workdir / "results/summary.json").read_text())["verification"]
    assert len(verification["verified"]) == len(uploads)
    assert verification["pending"] == verification["failed"] == []
    assert {v["status"] for v in verification["files"].values()} == {"in progress"}


def test_quality_metrics_are_posted_once_per_file_and_linked_to_it(accessioned):
    workdir, _config, _result = accessioned
    plan = demo_plan(workdir)
    portal = PortalClient(f"local:{workdir / 'portal.sqlite'}")
    steps = [json.loads(p.read_text()) for p in (workdir / "results/steps").glob("*.json")]
    posted_qc = {i: q for s in steps for i, q in s["quality_metrics"]["quality_metrics"].items()}
    for f in plan.files.values():
        posted = posted_qc.get(f.id, [])
        assert len(posted) == len(f.spec.quality_metrics)
        file_id = json.loads((workdir / "results/files" / f.step.rule / f"{f.id}.json")
                             .read_text())["@id"]
        for qc_id in posted:
            qc = portal.get(qc_id, database=True)
            assert qc["quality_metric_of"] == [file_id]
            assert qc["assay_term_name"] == "ATAC-seq"
    nodup = portal.get(json.loads((workdir / "results/files/step01_filter/filter.0.nodup_bam.json")
                                  .read_text())["@id"], database=True)
    types = {portal.get(q, database=True)["@type"][0] for q in nodup["quality_metrics"]}
    # the portal's type names (encoded quality_metric.py: atac_library_complexity_quality_metric
    # is the type AtacLibraryQualityMetric)
    assert types == {"AtacAlignmentQualityMetric", "AtacLibraryQualityMetric",
                     "AtacAlignmentEnrichmentQualityMetric"}


def test_the_analysis_is_linked_to_the_experiment_with_the_metadata_document(accessioned):
    workdir, _config, _result = accessioned
    portal = PortalClient(f"local:{workdir / 'portal.sqlite'}")
    receipt = json.loads((workdir / "results/analysis.json").read_text())
    analysis = portal.get(receipt["@id"], database=True)
    plan = demo_plan(workdir)
    assert len(analysis["files"]) == len(plan.files)
    assert analysis["pipeline_version"] == "2.2.2"
    assert analysis["quality_standard"] == "/quality-standards/encode4-atac-seq/"
    (doc_id,) = analysis["documents"]
    assert portal.get(doc_id, database=True)["document_type"] == "workflow metadata"
    experiment = portal.get("/experiments/TSTSR000001/", database=True)
    assert analysis["@id"] in experiment["analyses"]
    preferred = [f for f in posted_files(portal, plan.workflow.id) if f.get("preferred_default")]
    assert sorted(f["output_type"] for f in preferred) == [
        "pseudoreplicated peaks", "pseudoreplicated peaks", "signal p-value"]
    conservative = [f for f in posted_files(portal, plan.workflow.id)
                    if f["output_type"] == "conservative IDR thresholded peaks"]
    assert len(conservative) == 2  # the true-replicate IDR bed and its bigBed


def test_the_summary_lists_every_object_and_the_run_is_recorded(accessioned):
    workdir, _config, result = accessioned
    summary = json.loads((workdir / "results/summary.json").read_text())
    plan = demo_plan(workdir)
    kinds = Counter(o["kind"] for o in summary["objects"])
    per_file_qcs = sum(len(f.spec.quality_metrics) for f in plan.files.values())
    assert kinds == {"file": len(plan.files), "analysis": 1, "document": 1, "qc": per_file_qcs,
                     "step run": len({s.dcc_step_run for s in plan.steps})}
    assert summary["found"] == 0
    assert f"{summary['created']} objects created" in result.stdout + result.stderr
    with closing(connect_db(workdir / "tracker.db")) as db:
        table = runs.query(db, [plan.workflow.id[:8]])
    assert len(table) == len(plan.files) and table[0][0] == "/experiments/TSTSR000001/"


def test_provenance_shows_a_posted_files_pipeline_file_parents_and_step(accessioned):
    workdir, _config, _result = accessioned
    receipt = json.loads((workdir / "results/files/step01_filter/filter.0.nodup_bam.json")
                         .read_text())
    result = subprocess.run(
        [sys.executable, "-m", "encode_accession.cli.main", "provenance", receipt["accession"],
         "--db", str(workdir / "tracker.db"), "--format", "json"],
        capture_output=True, text=True, check=True)
    text = result.stdout
    assert receipt["uri"] in text  # the pipeline output it was accessioned from
    assert receipt["step_run"] in text
    for parent in receipt["derived_from"]:
        accession = parent.strip("/").rsplit("/", 1)[-1]
        assert accession in text


def test_snakemake_report_of_the_run_includes_the_provenance_report(accessioned):
    workdir, config, _result = accessioned
    report = workdir / "snakemake-report.zip"
    result = snakemake(workdir, config, "--report", str(report))
    assert result.returncode == 0, result.stderr[-2000:]
    names = {Path(n).name for n in zipfile.ZipFile(report).namelist()}
    assert {"report.html", "provenance.json", "ro-crate-metadata.json"} <= names
    prov = json.loads((workdir / "results/provenance/report/provenance.json").read_text())
    posted = json.loads((workdir / "results/summary.json").read_text())
    accessions = {o["@id"].strip("/").rsplit("/", 1)[-1] for o in posted["objects"]
                  if o["kind"] == "file"}
    assert all(a in json.dumps(prov) for a in accessions)


def test_running_again_creates_nothing_new(accessioned):
    workdir, config, _result = accessioned
    portal = PortalClient(f"local:{workdir / 'portal.sqlite'}")
    before = len(portal.search("Item", None, frame="object"))
    for folder in ("files", "uploads", "steps"):
        for receipt in (workdir / "results" / folder).rglob("*.json"):
            receipt.unlink()
    for name in ("plan", "checksums", "preflight", "analysis", "summary"):
        (workdir / "results" / f"{name}.json").unlink()
    result = snakemake(workdir, config, "-j", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"created": true' not in result.stdout + result.stderr
    assert len(portal.search("Item", None, frame="object")) == before


def test_killed_run_resumes_and_posts_every_object_exactly_once(tmp_path):
    config = demo_config(tmp_path)
    proc = start_snakemake(tmp_path, config, "-j", "2")
    files_dir = tmp_path / "results" / "files"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(files_dir.rglob("*.json"))) < 6:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(list(files_dir.rglob("*.json"))) < 30, "the run finished before it was killed"
    assert snakemake(tmp_path, config, "--unlock").returncode == 0
    result = snakemake(tmp_path, config, "-j", "2", "--rerun-incomplete")
    assert result.returncode == 0, result.stderr[-3000:]
    plan = demo_plan(tmp_path)
    portal = PortalClient(f"local:{tmp_path / 'portal.sqlite'}")
    aliases = Counter(a for f in posted_files(portal, plan.workflow.id) for a in f["aliases"])
    assert len(aliases) == len(plan.files) and set(aliases.values()) == {1}
    step_runs = portal.search("AnalysisStepRun", None, frame="object")
    # align and filter share one dcc_step_run, so one step-run object (as the reference)
    assert len(step_runs) == len({s.dcc_step_run for s in plan.steps})
    assert len(portal.search("Analysis", None, frame="object")) == 1
    # quality metrics have no alias: a lost POST would duplicate them, so count them too
    per_file_qcs = sum(len(f.spec.quality_metrics) for f in plan.files.values())
    assert len(portal.search("QualityMetric", None, frame="object")) == per_file_qcs
    assert len(portal.search("Document", {"document_type": "workflow metadata"},
                             frame="object")) == 1


def test_verify_and_info_read_a_finished_run_from_its_results_folder(accessioned):
    workdir, _config, _result = accessioned
    cli = [sys.executable, "-m", "encode_accession.cli.main"]
    verify = subprocess.run([*cli, "verify", "results"], cwd=workdir, capture_output=True,
                            text=True)
    assert verify.returncode == 0, verify.stderr
    assert f"{len(demo_plan(workdir).files)} file(s) verified by the portal" in verify.stdout
    info = subprocess.run([*cli, "info", "--results", "results", "-i", "demo-atac"],
                          cwd=workdir, capture_output=True, text=True)
    assert info.returncode == 0, info.stderr
    assert "/experiments/TSTSR000001/" in info.stdout.splitlines()[1]


def test_the_demo_report_lists_no_problems_and_describes_its_inputs(accessioned):
    """The run's fastqs found on the portal are sources with a role, not `untracked`."""
    workdir, _config, _result = accessioned
    html = (workdir / "results/provenance/report/report.html").read_text()
    problems = html.split("<h2>Problems</h2>", 1)[1].split("<h2>", 1)[0]
    assert '<p class="ok">None found.</p>' in problems and "untracked" not in html
    sources = html.split("<h2>Sources</h2>", 1)[1]
    assert "fastq found on the portal" in sources and "fastq · reads" in sources
