"""Bad input stops the run before any POST, with one message naming what is wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from encode_accession.demo import write_demo_run
from encode_accession.portal.client import PortalClient

from .conftest import snakemake, write_config


def config_for(workdir: Path, metadata: Path | None = None, **overrides) -> Path:
    values = {"pipeline": "atac", "lab": "encode-awg", "award": "DEMO-AWARD",
              "server": f"local:{workdir / 'portal.sqlite'}", "results": "results"}
    values.update({"metadata": str(metadata)} if metadata else {})  # none: the demo run
    values.update(overrides)
    return write_config(workdir, **values)


def nothing_posted(workdir: Path) -> bool:
    db = workdir / "portal.sqlite"
    if not db.exists():
        return True
    portal = PortalClient(f"local:{db}")
    return not portal.search("AnalysisStepRun", None) and not [
        f for f in portal.search("File", None) if f.get("status") == "uploading"]


def run_failing(workdir: Path, config: Path, env: dict | None = None) -> str:
    result = snakemake(workdir, config, "-j", "2", env=env)
    assert result.returncode != 0
    assert nothing_posted(workdir)
    return result.stdout + result.stderr


def test_wrong_portal_keys_are_named_without_the_secret(tmp_path):
    env = {**os.environ, "DCC_API_KEY": "WRONGKEY", "DCC_SECRET_KEY": "topsecretvalue12"}
    out = run_failing(tmp_path, config_for(tmp_path), env)
    assert "did not accept access key id 'WRONGKEY'" in out
    assert "topsecretvalue12" not in out
    assert "topsecretvalue12" not in "".join(
        p.read_text() for p in (tmp_path / "results").rglob("*.json"))


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lab", "no-such-lab", "config: lab: /labs/no-such-lab/ is not on the portal"),
    ("award", "NO-AWARD", "config: award: /awards/NO-AWARD/ is not on the portal"),
])
def test_a_lab_or_award_the_portal_does_not_know(tmp_path, key, value, message):
    out = run_failing(tmp_path, config_for(tmp_path, **{key: value}))
    assert message in out


def test_a_missing_output_file_is_named_before_anything_is_posted(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    gone = tmp_path / "run/atac" / json.loads(metadata.read_text())["id"] / \
        "call-filter/shard-1/execution/rep2.nodup.bam"
    gone.unlink()
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    assert f"{gone}: file not found" in out


def test_malformed_metadata_stops_snakemake_at_parse_time(tmp_path):
    bad = tmp_path / "metadata.json"
    bad.write_text('{"id": "x", "calls": ')
    out = run_failing(tmp_path, config_for(tmp_path, bad))
    assert f"{bad}: line 1 column 22: not valid JSON" in out
    assert "Traceback" not in out


def test_a_steps_file_that_does_not_validate_stops_at_parse_time(tmp_path):
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps({"accession.steps": [{"dcc_step_run": "x",
                                                      "wdl_task_name": "align"}]}))
    metadata = write_demo_run(tmp_path / "run")
    out = run_failing(tmp_path, config_for(tmp_path, metadata, steps=str(steps)))
    assert f"{steps}: accession.steps[0]: 'wdl_files' is required" in out
