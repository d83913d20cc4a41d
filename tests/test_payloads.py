"""Deterministic aliases and file payloads, including private (_pbam) runs."""

from __future__ import annotations

import pytest

from encode_accession.accession.payloads import (
    Attribution,
    FileFacts,
    alias,
    file_alias,
    file_payload,
    step_run_alias,
)
from encode_accession.metadata.cromwell import parse_metadata
from encode_accession.planning.config import check_config
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import parse_steps

WHO = Attribution(lab="encode-awg", award="DEMO-AWARD")


def planned_bam():
    wf = parse_metadata({"id": "wf-1", "calls": {"wf.align": [{
        "shardIndex": 0, "attempt": 1, "executionStatus": "Done",
        "inputs": {}, "outputs": {"bam": "gs://bucket/run/call-align/rep1.bam"}}]}})
    steps = parse_steps({"accession.steps": [{
        "dcc_step_run": "/analysis-steps/align-step-v-1/", "wdl_task_name": "align",
        "wdl_files": [{"filekey": "bam", "file_format": "bam", "output_type": "alignments",
                       "filter_type": "mapping quality", "filter_value": 30,
                       "derived_from_files": []}]}]}, "s.json")
    return build_plan(wf, steps).files["align.0.bam"]


FACTS = FileFacts(md5="0" * 32, size=10, dataset="/experiments/ENCSR1/", assembly="GRCh38",
                  genome_annotation=None, derived_from=("/files/ENCFF1/",),
                  step_run="/analysis-step-runs/u/")


def test_aliases_use_the_bucket_path_and_replace_characters_the_portal_refuses():
    planned = planned_bam()
    assert file_alias("encode-awg", "wf-1", planned.uri, md5="x", private=False) == \
        "encode-awg:wf-1-bucket-run-call-align-rep1.bam"
    assert alias("lab", "/analysis-steps/align-step-v-1/", "wf", "v1.2") == \
        "lab:analysis-steps-align-step-v-1-wf-v1.2"
    assert alias("lab", "a b#c") == "lab:a-b-c"


def test_file_payload_carries_every_field_and_callbacks_override():
    planned = planned_bam()
    payload = file_payload(WHO, planned, FACTS, "encode-awg:a", private=False,
                           extra={"output_type": "conservative IDR thresholded peaks"})
    assert payload["submitted_file_name"] == planned.uri
    assert payload["derived_from"] == ["/files/ENCFF1/"]
    assert payload["filter_type"] == "mapping quality" and payload["filter_value"] == 30
    assert payload["lab"] == "/labs/encode-awg/" and payload["award"] == "/awards/DEMO-AWARD/"
    assert payload["output_type"] == "conservative IDR thresholded peaks"
    assert "genome_annotation" not in payload  # unknown values are left out, not null


def test_private_runs_leak_no_file_name():
    planned = planned_bam()
    private_alias = file_alias("encode-awg", "wf-1", planned.uri, md5=FACTS.md5, private=True)
    assert private_alias == f"encode-awg:wf-1-{FACTS.md5}"
    payload = file_payload(WHO, planned, FACTS, private_alias, private=True)
    assert "submitted_file_name" not in payload
    assert "rep1" not in str(payload)


def test_lab_and_award_default_from_the_environment(monkeypatch):
    monkeypatch.setenv("DCC_LAB", "env-lab")
    monkeypatch.setenv("DCC_AWARD", "ENV-AWARD")
    config = {"metadata": "m.json", "pipeline": "atac", "lab": "config-lab", "server": "dev"}
    check_config(config)
    assert config["lab"] == "config-lab" and config["award"] == "ENV-AWARD"
    assert config["server"] == "dev" and config["results"] == "results"


def test_an_invalid_config_exits_with_the_key_named():
    with pytest.raises(SystemExit, match="config: force: 'maybe' is not of type 'boolean'"):
        check_config({"metadata": "m.json", "pipeline": "atac", "force": "maybe"})


@pytest.mark.parametrize(("lab", "award"), [("demo-lab", "DEMO-AWARD"),
                                            ("/labs/demo-lab/", "/awards/DEMO-AWARD/"),
                                            ("/labs/demo-lab", "/awards/DEMO-AWARD")])
def test_lab_and_award_as_name_or_at_id_give_the_same_payload_and_alias_prefix(lab, award):
    who = Attribution(lab=lab, award=award)
    assert who.fields() == {"lab": "/labs/demo-lab/", "award": "/awards/DEMO-AWARD/"}
    assert step_run_alias(who.lab, planned_bam().step, "wf-1", "v1").startswith("demo-lab:")
