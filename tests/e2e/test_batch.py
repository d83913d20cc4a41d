"""A batch: three runs in one invocation, one of them broken. With --keep-going the other
two are accessioned, and a table names each run's outcome."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

from encode_accession.demo.run import write_demo_run
from encode_accession.portal.client import PortalClient

from .conftest import snakemake, start_snakemake, write_config


def another_demo_run(folder: Path, workflow_id: str) -> Path:
    """The demo run again with outputs of other bytes (so other md5s) and its own id."""
    metadata = write_demo_run(folder)
    for output in (folder / "atac").rglob("*"):
        if output.is_file():
            output.write_bytes(output.read_bytes() + b"\n")  # JSON QC files stay valid
    data = json.loads(metadata.read_text())
    data["id"] = workflow_id
    metadata.write_text(json.dumps(data))
    return metadata


def test_one_broken_run_does_not_stop_the_others_and_each_is_reported(tmp_path):
    broken = tmp_path / "broken" / "metadata.json"
    broken.parent.mkdir()
    broken.write_text('{"id": "not finished writing')
    config = write_config(
        tmp_path, server=f"local:{tmp_path / 'portal.sqlite'}", lab="encode-awg",
        award="DEMO-AWARD", tracker_db=str(tmp_path / "tracker.db"), verify_timeout=30,
        runs={"first": {"metadata": str(write_demo_run(tmp_path / "one")), "pipeline": "atac"},
              "second": {"metadata": str(another_demo_run(
                  tmp_path / "two", "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00")), "pipeline": "atac"},
              "broken": {"metadata": str(broken), "pipeline": "atac"}})
    result = snakemake(tmp_path, config, "-j", "2", "--keep-going")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    summaries = {name: json.loads((tmp_path / "results" / name / "summary.json").read_text())
                 for name in ("first", "second")}
    assert summaries["first"]["workflow_id"] != summaries["second"]["workflow_id"]
    for summary in summaries.values():
        assert summary["created"] > 30 and not summary["verification"]["failed"]
    assert not (tmp_path / "results/broken/plan.json").exists()
    assert f"{broken}: line 1 column" in output  # the broken run's own message
    table = output[output.rindex("Runs:"):]
    assert "first" in table and "second" in table and "accessioned to /experiments/" in table
    assert "broken" in table and "stopped in planning" in table


def test_a_killed_batch_resumes_and_posts_every_object_of_every_run_exactly_once(tmp_path):
    """A batch's step jobs post and upload in one process each: a SIGKILL of the whole batch
    mid-way, then the same command, leaves every run's files, analysis and metadata document
    on the portal once."""
    runs = {"first": {"metadata": str(write_demo_run(tmp_path / "one")), "pipeline": "atac"},
            "second": {"metadata": str(another_demo_run(
                tmp_path / "two", "0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f00")), "pipeline": "atac"}}
    config = write_config(
        tmp_path, server=f"local:{tmp_path / 'portal.sqlite'}", lab="encode-awg",
        award="DEMO-AWARD", tracker_db=str(tmp_path / "tracker.db"), runs=runs)
    proc = start_snakemake(tmp_path, config, "-j", "2")
    results = tmp_path / "results"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(results.glob("*/files/*/*.json"))) < 10:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not list(results.glob("*/summary.json")), "the batch finished before it was killed"
    assert snakemake(tmp_path, config, "--unlock").returncode == 0
    result = snakemake(tmp_path, config, "-j", "2", "--rerun-incomplete")
    assert result.returncode == 0, result.stderr[-3000:]
    portal = PortalClient(f"local:{tmp_path / 'portal.sqlite'}")
    files = portal.search("File", {"lab.name": "encode-awg"}, frame="object")
    for name in runs:
        summary = json.loads((results / name / "summary.json").read_text())
        prefix = f"encode-awg:{summary['workflow_id']}-"
        aliases = Counter(a for f in files for a in f.get("aliases", [])
                          if a.startswith(prefix))
        planned = len(list((results / name / "files").rglob("*.json")))
        assert len(aliases) == planned > 0 and set(aliases.values()) == {1}
        assert not summary["verification"]["failed"]
        assert all(f["status"] != "uploading" for f in files
                   if any(a.startswith(prefix) for a in f.get("aliases", [])))
    assert len(portal.search("Analysis", None, frame="object")) == len(runs)
    assert len(portal.search("Document", {"document_type": "workflow metadata"},
                             frame="object")) == len(runs)
