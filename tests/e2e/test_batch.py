"""A batch: three runs in one invocation, one of them broken. With --keep-going the other
two are accessioned, and a table names each run's outcome."""

from __future__ import annotations

import json
from pathlib import Path

from encode_accession.demo.run import write_demo_run

from .conftest import snakemake, write_config


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
