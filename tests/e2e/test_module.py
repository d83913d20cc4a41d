"""The workflow inside a lab's own: a parent Snakefile whose first rule writes the run's
metadata.json (standing in for Caper) uses this workflow as a Snakemake module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from encode_accession.demo.run import write_demo_run

from .conftest import REPO

PARENT = '''
ENCODE = {{"metadata": "caper/metadata.json", "pipeline": "atac",
          "server": "local:{portal}", "lab": "encode-awg", "award": "DEMO-AWARD",
          "tracker_db": "{tracker}"}}

module encode:
    snakefile: "{snakefile}"
    config: ENCODE

use rule * from encode as encode_*

rule caper:
    output: "caper/metadata.json"
    localrule: True
    log: "logs/caper.log"
    shell: "cp {source} {{output}} 2> {{log}}"

rule all:
    default_target: True
    input: rules.encode_all.input
'''


def parent_workflow(tmp_path: Path) -> Path:
    source = write_demo_run(tmp_path / "pipeline_outputs")
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text(PARENT.format(portal=tmp_path / "portal.sqlite",
                                       tracker=tmp_path / "tracker.db",
                                       snakefile=REPO / "Snakefile", source=source))
    return snakefile


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "-d", str(workdir), "-s",
                           str(workdir / "Snakefile"), *args], capture_output=True, text=True,
                          timeout=600)


def test_a_parent_workflow_makes_the_metadata_then_accessions_it_as_a_module(tmp_path):
    parent_workflow(tmp_path)
    dry = snakemake(tmp_path, "-n", "-j", "2")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "caper" in dry.stdout and "encode_plan" in dry.stdout  # planned after the metadata
    result = snakemake(tmp_path, "-j", "2")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    summary = json.loads((tmp_path / "results/summary.json").read_text())
    assert summary["created"] > 30 and summary["found"] == 0
    assert not summary["verification"]["failed"]


def test_every_rule_that_talks_to_the_portal_or_a_database_stays_local_in_a_module(tmp_path):
    parent_workflow(tmp_path)
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DeploymentSettings,
        OutputSettings,
        ResourceSettings,
        StorageSettings,
        WorkflowSettings,
    )

    with SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(), config_settings=ConfigSettings(),
            storage_settings=StorageSettings(), workflow_settings=WorkflowSettings(),
            deployment_settings=DeploymentSettings(), snakefile=tmp_path / "Snakefile",
            workdir=tmp_path)
        rules = {r.name for r in workflow._workflow.rules}
        local = set(workflow._workflow._localrules)  # what the executors read
    accessioning = {f"encode_{r}" for r in ("plan", "preflight", "step", "summary")}
    assert accessioning <= rules and accessioning <= local
    assert "encode_checksums" in rules and "encode_checksums" not in local  # a compute job
