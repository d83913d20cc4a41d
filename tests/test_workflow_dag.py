"""The Snakemake DAG on a real run: the plan checkpoint, then one job per accessioning step
ordered by derived_from, each with its upload job beside the steps after it (real
`snakemake`, nothing posted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import DATA, REPO, shared_fixture

from encode_accession.metadata.cromwell import load_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps

SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    cfg = workdir / "config.yaml"
    cfg.write_text(yaml.safe_dump({"server": f"local:{workdir / 'portal.sqlite'}",
                                   "lab": "encode-awg", "award": "DEMO-AWARD", **config}))
    return subprocess.run([*SNAKEMAKE, "-d", str(workdir), "--configfile", str(cfg), "-j1",
                           *args], capture_output=True, text=True, timeout=300)


def real_atac(tmp_path: Path) -> tuple[dict, object]:
    metadata = shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json")
    steps = DATA / "atac_v1_steps.yaml"
    return ({"metadata": str(metadata), "steps": str(steps)},
            build_plan(load_metadata(metadata), load_steps(steps)))


def test_after_the_plan_checkpoint_each_step_is_one_job_whatever_its_files(tmp_path):
    config, plan = real_atac(tmp_path)
    first = snakemake(tmp_path, config, "-n")
    assert first.returncode == 0, first.stderr
    assert "checkpoint" in first.stdout and "\nplan " in first.stdout
    assert not (tmp_path / "results").exists()  # a dry run writes nothing, not even the plan
    planned = snakemake(tmp_path, config, "results/plan.json")
    assert planned.returncode == 0, planned.stderr
    result = snakemake(tmp_path, config, "-n")
    assert result.returncode == 0, result.stderr
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.M))
    assert int(counts["step"]) == int(counts["upload"]) == len(plan.steps) < len(plan.files)
    assert {counts[r] for r in ("preflight", "summary")} == {"1"}
    assert "checksums" not in counts  # a GCS run: the preflight reads the objects' md5Hash
    assert "analysis" not in counts  # a stage of the summary job, not a job of its own
    for step in plan.steps:
        assert f"results/steps/{step.rule}.json" in result.stdout


def test_plain_snakemake_plans_a_local_run_before_its_dag_so_no_plan_job_runs(tmp_path):
    config, plan = real_atac(tmp_path)
    result = snakemake(tmp_path, config, "results/plan.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "results/plan.json").read_text())["workflow_id"] == \
        plan.workflow.id
    assert "Rule: plan" not in result.stderr and "Nothing to be done" in result.stderr
    again = snakemake(tmp_path, config, "-n")  # the DAG has every step, with no plan job
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", again.stdout, re.M))
    assert int(counts["step"]) == len(plan.steps) and "plan" not in counts


def test_a_chain_of_steps_runs_the_preflight_in_the_first_job_and_the_last_uploads_itself(
        tmp_path):
    metadata = shared_fixture("cromwell/mirna_replicated_metadata.json")
    config = {"metadata": str(metadata), "pipeline": "mirna"}
    assert snakemake(tmp_path, config, "results/plan.json").returncode == 0
    result = snakemake(tmp_path, config, "-n", "-p")
    assert result.returncode == 0, result.stderr
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.M))
    assert "preflight" not in counts and int(counts["step"]) == 2
    commands = re.findall(r"encode_accession\.accession (\S+) results (step\w+)", result.stdout)
    assert sorted(c for c in commands if c[0] != "upload") == [
        ("preflight,step", "step00_star"), ("step,upload", "step01_wigtobigwig")]
    # the first step's bytes upload beside the step after it; no step waits for the last's
    assert [s for job, s in commands if job == "upload"] == ["step00_star"]
    assert int(counts["upload"]) == 1 and counts["summary"] == "1"


def test_a_batch_runs_each_run_in_one_job_per_step_its_sink_step_ending_with_the_summary(
        tmp_path):
    """Two microRNA runs (`runs:`): per run a job per step with its uploads, the second
    (every other step comes before it) ending with the analysis and summary; no upload or
    summary job of its own."""
    metadata = str(shared_fixture("cromwell/mirna_replicated_metadata.json"))
    config = {"runs": {name: {"metadata": metadata, "pipeline": "mirna"}
                       for name in ("one", "two")}}
    for name in ("one", "two"):
        assert snakemake(tmp_path, config, f"results/{name}/plan.json").returncode == 0
    result = snakemake(tmp_path, config, "-n", "-p")
    assert result.returncode == 0, result.stderr
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.M))
    assert counts["step"] == "2" and counts["summary"] == "2"
    assert "upload" not in counts and "preflight" not in counts
    commands = re.findall(r"encode_accession\.accession (\S+) results/(\w+) (step\w+)",
                          result.stdout)
    assert sorted(commands) == [
        ("preflight,step,upload", "one", "step00_star"),
        ("preflight,step,upload", "two", "step00_star"),
        ("step,upload,analysis,summary", "one", "step01_wigtobigwig"),
        ("step,upload,analysis,summary", "two", "step01_wigtobigwig")]


def test_step_jobs_wait_for_the_steps_their_files_derive_from(tmp_path):
    config, _plan = real_atac(tmp_path)
    assert snakemake(tmp_path, config, "results/plan.json").returncode == 0
    result = snakemake(tmp_path, config, "--dag")
    assert result.returncode == 0, result.stderr
    labels = {n: step for n, step in re.findall(r'(\d+)\[label = "step\\nstep: (\w+)"',
                                                 result.stdout)}
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"(\d+) -> (\d+)", result.stdout)
             if a in labels and b in labels}
    assert ("step01_filter", "step02_macs2") in edges
    assert ("step05_idr", "step06_idr") in edges  # bigBed after its bed
    assert ("step02_macs2", "step01_filter") not in edges


def test_a_steps_upload_job_runs_beside_the_steps_after_it_and_the_summary_waits_for_all(
        tmp_path):
    config, plan = real_atac(tmp_path)
    assert snakemake(tmp_path, config, "results/plan.json").returncode == 0
    result = snakemake(tmp_path, config, "--dag")
    assert result.returncode == 0, result.stderr
    nodes = {n: (rule, step or "") for n, rule, step in re.findall(
        r'(\d+)\[label = "(\w+)(?:\\n\w+: (\w+))?', result.stdout)}
    edges = re.findall(r"(\d+) -> (\d+)", result.stdout)
    uploads = [n for n, (rule, _) in nodes.items() if rule == "upload"]
    into = {n: [nodes[a] for a, b in edges if b == n] for n in uploads}
    out_of = {n: [nodes[b] for a, b in edges if a == n] for n in uploads}
    assert sorted(step for sources in into.values() for _, step in sources) == \
        sorted(s.rule for s in plan.steps)  # each step's job, and only it, before its upload
    assert all(rule == "step" for sources in into.values() for rule, _ in sources)
    assert all(targets == [("summary", "")] for targets in out_of.values())  # no step waits
    assert any(nodes[a] == ("step", "step01_filter") and nodes[b] == ("step", "step02_macs2")
               for a, b in edges)


def test_bad_input_stops_in_the_plan_job_with_one_message_and_posts_nothing(tmp_path):
    metadata = shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json")
    result = snakemake(tmp_path, {"metadata": str(metadata), "pipeline": "atac"})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "encode-accession plan: " in output and "task 'align' is not in the metadata" in output
    assert "Traceback" not in output
    assert not (tmp_path / "results/preflight.json").exists()


def test_config_is_validated_against_the_schema(tmp_path):
    result = snakemake(tmp_path, {"metadata": "m.json", "pipeline": "atac", "colour": 1}, "-n")
    assert result.returncode != 0
    assert "config: (top level): unknown key 'colour'" in result.stderr
