"""The Snakemake DAG: real `snakemake -n` / `--rulegraph` on a real run's plan."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import DATA, REPO, shared_fixture

from encode_accession.cromwell import load_metadata
from encode_accession.plan import build_plan
from encode_accession.steps import load_steps

SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    cfg = workdir / "config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    return subprocess.run([*SNAKEMAKE, "-d", str(workdir), "--configfile", str(cfg), "-j1",
                           *args], capture_output=True, text=True, timeout=300)


def test_dry_run_lists_every_planned_file_as_a_job(tmp_path):
    metadata = shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json")
    steps = DATA / "atac_v1_steps.yaml"
    plan = build_plan(load_metadata(metadata), load_steps(steps))
    result = snakemake(tmp_path, {"metadata": str(metadata), "steps": str(steps)}, "-n")
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    for f in plan.files.values():
        assert f"results/files/{f.step.rule}/{f.id}.json" in out
    counts = dict(re.findall(r"^(step\d\d_\w+)\s+(\d+)$", out, re.M))
    assert counts == {s.rule: str(len(plan.files_of(s))) for s in plan.steps}


def test_rulegraph_orders_steps_by_derived_from(tmp_path):
    metadata = shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json")
    result = snakemake(tmp_path, {"metadata": str(metadata),
                                  "steps": str(DATA / "atac_v1_steps.yaml")}, "--rulegraph")
    assert result.returncode == 0, result.stderr
    labels = dict(re.findall(r'(\d+)\[label = "(\w+)"', result.stdout))
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"(\d+) -> (\d+)", result.stdout)}
    assert ("step01_filter", "step02_macs2") in edges
    assert ("step05_idr", "step06_idr") in edges  # bigBed after its bed
    assert ("step02_macs2", "step01_filter") not in edges


def test_bad_input_stops_snakemake_before_any_job_with_one_message(tmp_path):
    metadata = shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json")
    result = snakemake(tmp_path, {"metadata": str(metadata), "pipeline": "atac"}, "-n")
    assert result.returncode != 0
    assert "task 'align' is not in the metadata" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_is_validated_against_the_schema(tmp_path):
    result = snakemake(tmp_path, {"metadata": "m.json", "pipeline": "atac", "colour": 1}, "-n")
    assert result.returncode != 0
    assert "config: (top level): unknown key 'colour'" in result.stderr
