"""A run's exit code tells the truth: real Snakemake, the demo run, the local portal.

A results folder holding another workflow is refused before any POST; a run that did not get
everything onto the portal (a task that failed, a file the portal holds with other bytes)
exits non-zero after its summary, saying what is missing and why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from encode_accession.accession.payloads import file_alias
from encode_accession.demo.run import WORKFLOW_ID, write_demo_run
from encode_accession.portal.client import PortalClient
from encode_accession.run.planfile import load_plan_file

from .conftest import snakemake
from .test_accession_demo import demo_config, posted_files

OTHER_WORKFLOW = "0e0e0e0e-1111-4222-8333-444444444444"


def demo_metadata(folder: Path, **changes) -> Path:
    """The demo run's metadata.json, written under ``folder`` with ``changes`` applied."""
    path = write_demo_run(folder)
    metadata = json.loads(path.read_text())
    metadata.update(changes)
    path.write_text(json.dumps(metadata))
    return path


def config_with(workdir: Path, name: str, **changes) -> Path:
    """The demo config of ``workdir`` with ``changes``, as another config file."""
    config = yaml.safe_load(demo_config(workdir).read_text())
    path = workdir / name
    path.write_text(yaml.safe_dump({**config, **changes}))
    return path


def test_a_results_folder_holding_another_workflow_is_refused_before_any_post(tmp_path):
    first = snakemake(tmp_path, demo_config(tmp_path), "-j", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    portal = PortalClient(f"local:{tmp_path / 'portal.sqlite'}")
    before = len(portal.search("Item", None, frame="object"))
    plan_before = (tmp_path / "results/plan.json").read_bytes()

    other = demo_metadata(tmp_path / "other", id=OTHER_WORKFLOW)
    second = snakemake(tmp_path, config_with(tmp_path, "other.yaml", metadata=str(other)),
                       "-j", "2")

    assert second.returncode != 0
    output = second.stdout + second.stderr
    assert f"results/: holds a run of workflow {WORKFLOW_ID}, but the config now names " \
           f"workflow {OTHER_WORKFLOW}" in output
    assert "set `results:` to a new folder for this run, or remove results/" in output
    assert "Traceback" not in output
    assert len(portal.search("Item", None, frame="object")) == before  # nothing posted
    assert posted_files(portal, OTHER_WORKFLOW) == []
    # the first run's plan file survives the refusal (Snakemake's update flag)
    assert (tmp_path / "results/plan.json").read_bytes() == plan_before


def test_a_task_whose_every_attempt_failed_fails_the_run_after_posting_the_rest(tmp_path):
    """A Succeeded workflow whose idr task never finished: the other files are posted and
    verified, the plan and summary logs say which step was lost and why, rc is non-zero."""
    metadata = json.loads(write_demo_run(tmp_path / "run").read_text())
    for attempt in metadata["calls"]["atac.idr"]:
        attempt["executionStatus"] = "Failed"
    path = tmp_path / "run" / "failed_idr.json"
    path.write_text(json.dumps(metadata))
    result = snakemake(tmp_path, config_with(tmp_path, "failed.yaml", metadata=str(path)),
                       "-j", "2")

    assert result.returncode != 0
    plan_log = (tmp_path / "results/logs/plan.log").read_text()
    assert "skipped accession.steps[" in plan_log and "(idr): no attempt of idr" in plan_log
    summary_log = (tmp_path / "results/logs/summary.log").read_text()
    assert "NOT ON THE PORTAL" in summary_log and "(idr): no attempt of idr" in summary_log
    assert "allow_unsucceeded: true" in summary_log
    assert "encode-accession summary: the run is incomplete" in result.stdout + result.stderr
    plan = load_plan_file(tmp_path / "results/plan.json").plan
    assert not [f for f in plan.files.values() if f.call.task == "idr"]
    portal = PortalClient(f"local:{tmp_path / 'portal.sqlite'}")
    assert len(posted_files(portal, WORKFLOW_ID)) == len(plan.files)  # the rest is there


def test_a_file_the_portal_holds_with_other_bytes_fails_the_run_and_verify(tmp_path):
    """An earlier run posted this output with other bytes (it changed since): the portal's
    file is not this run's, so the run fails after its summary, and verify says so too."""
    config = demo_config(tmp_path)
    planned = snakemake(tmp_path, config, "-j", "1", "results/plan.json")
    assert planned.returncode == 0, planned.stderr[-3000:]
    plan = load_plan_file(tmp_path / "results/plan.json").plan
    target = plan.files["filter.0.nodup_bam"]
    portal = PortalClient(f"local:{tmp_path / 'portal.sqlite'}")
    other_md5 = "0123456789abcdef0123456789abcdef"
    earlier = portal.post("file", {
        "aliases": [file_alias("encode-awg", plan.workflow.id, target.uri, md5=other_md5,
                               private=False)],
        "dataset": "/experiments/TSTSR000001/", "file_format": "bam",
        "output_type": "alignments", "assembly": "GRCh38", "md5sum": other_md5,
        "file_size": 12, "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"})

    result = snakemake(tmp_path, config, "-j", "2")

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "encode-accession summary: the run is incomplete: 1 thing(s)" in output
    assert f"file {earlier['@id']} ({target.uri})" in output
    verify = subprocess.run([sys.executable, "-m", "encode_accession.cli.main", "verify",
                             "results"], cwd=tmp_path, capture_output=True, text=True)
    assert verify.returncode == 1
    assert f"FAILED  {earlier['@id']}" in verify.stdout
