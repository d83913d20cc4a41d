"""The synthetic run generator's rules, on small steps files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from encode_accession.demo.synthetic import Options, main, synthetic_metadata, task_shapes
from encode_accession.metadata.cromwell import parse_metadata
from encode_accession.planning.plan import PlanOptions, build_plan
from encode_accession.planning.steps import parse_steps


def step(task: str, *files: dict, replicated: bool = False) -> dict:
    return {"dcc_step_run": f"{task}-run", "dcc_step_version": f"/analysis-step-versions/{task}/",
            "wdl_task_name": task, "wdl_files": list(files), "requires_replication": replicated}


def out(filekey: str, *derived_from: dict) -> dict:
    return {"filekey": filekey, "file_format": "bam", "output_type": "alignments",
            "derived_from_files": list(derived_from)}


def parent(task: str, filekey: str, **flags) -> dict:
    return {"derived_from_task": task, "derived_from_filekey": filekey, **flags}


def steps_of(*steps: dict, raw: tuple[str, ...] = ("fastqs",)):
    return parse_steps({"raw_fastqs_keys": list(raw), "accession.steps": list(steps)},
                       "demo_steps.json")


def planned(tmp_path: Path, steps, replicates: int = 2):
    metadata = synthetic_metadata(steps, Options(replicates=replicates, folder=tmp_path))
    return metadata, build_plan(parse_metadata(metadata), steps, PlanOptions(replicated=True))


def test_replicated_steps_are_one_pooled_call_and_others_one_call_per_replicate(tmp_path):
    steps = steps_of(
        step("align", out("bam", parent("align", "fastqs", derived_from_inputs=True),
                          parent("align", "index", derived_from_inputs=True))),
        step("pool", out("pooled", parent("align", "bam")), replicated=True))
    metadata, plan = planned(tmp_path, steps, replicates=3)
    assert [c["shardIndex"] for c in metadata["calls"]["demo.align"]] == [0, 1, 2]
    assert [c["shardIndex"] for c in metadata["calls"]["demo.pool"]] == [-1]
    assert len(plan.planned_parents("pool.pooled")) == 3  # pooled from every replicate
    fastqs = [c["inputs"]["fastqs"] for c in metadata["calls"]["demo.align"]]
    indexes = {c["inputs"]["index"] for c in metadata["calls"]["demo.align"]}
    assert len({f for shard in fastqs for f in shard}) == 3  # raw data: a list per replicate
    assert all(len(shard) == 1 for shard in fastqs) and len(indexes) == 1  # one reference


def test_shard_i_derives_from_shard_i(tmp_path):
    steps = steps_of(
        step("align", out("bam", parent("align", "fastqs", derived_from_inputs=True))),
        step("filter", out("nodup_bam", parent("align", "bam"))))
    _, plan = planned(tmp_path, steps)
    assert plan.planned_parents("filter.1.nodup_bam") == ["align.1.bam"]


def test_nested_filekeys_become_nested_outputs_and_inputs(tmp_path):
    steps = steps_of(step("dnase", out(
        "analysis.nuclear_bam",
        parent("dnase", "replicate.pe_fastqs", derived_from_inputs=True),
        parent("dnase", "references.bwa_index", derived_from_inputs=True))),
        raw=("replicate.pe_fastqs",))
    metadata, plan = planned(tmp_path, steps, replicates=1)
    call = metadata["calls"]["demo.dnase"][0]
    assert set(call["outputs"]["analysis"]) == {"nuclear_bam"}
    assert set(call["inputs"]) == {"replicate", "references"}
    assert Path(plan.files["dnase.0.analysis.nuclear_bam"].uri).is_file()


def test_search_down_puts_a_consumer_below_the_file(tmp_path):
    steps = steps_of(step("filter", out(
        "nodup_bam", parent("annot_enrich", "blacklist", derived_from_inputs=True,
                            should_search_down=True))))
    metadata, plan = planned(tmp_path, steps)
    consumer = metadata["calls"]["demo.annot_enrich"][0]["inputs"]
    assert consumer["nodup_bam"] == plan.files["filter.0.nodup_bam"].uri
    assert plan.files["filter.0.nodup_bam"].derived_from == [consumer["blacklist"]]


def test_workflow_inputs_to_match_list_one_file_per_group(tmp_path):
    match = {"derived_from_inputs": True}
    steps = steps_of(step("minimap2", out(
        "bam", parent("combined_reference", "files", workflow_inputs_to_match=["genome"], **match),
        parent("combined_reference", "files", workflow_inputs_to_match=["spikeins"], **match))))
    metadata, plan = planned(tmp_path, steps, replicates=1)
    genome, spikeins = metadata["inputs"]["genome"], metadata["inputs"]["spikeins"]
    assert len(genome) == len(spikeins) == 1 and genome != spikeins
    assert plan.files["minimap2.0.bam"].derived_from == [*genome, *spikeins]


def test_every_file_has_unique_content(tmp_path):
    steps = steps_of(step("align", out("bam", parent("align", "fastqs", derived_from_inputs=True)),
                          out("log", parent("align", "fastqs", derived_from_inputs=True))))
    synthetic_metadata(steps, Options(replicates=2, folder=tmp_path))
    contents = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert len(contents) == 6 and len(set(contents)) == 6


def test_rules_that_make_a_cycle_are_refused():
    steps = steps_of(step("a", out("x", parent("b", "y"))), step("b", out("y", parent("a", "x"))))
    with pytest.raises(ValueError, match="cycle"):
        task_shapes(steps)


def test_command_line_writes_metadata_that_plans(tmp_path, capsys):
    main(["mirna", str(tmp_path), "--replicates", "1"])
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert [c["shardIndex"] for c in metadata["calls"]["mirna.star"]] == [0]
    assert "encode-accession plan -m" in capsys.readouterr().out


def test_command_line_errors_are_one_message(tmp_path):
    with pytest.raises(SystemExit, match="synthetic: .*no such steps file"):
        main(["no_such_pipeline", str(tmp_path)])
    with pytest.raises(SystemExit, match="replicates must be at least 1"):
        main(["mirna", str(tmp_path), "--replicates", "0"])
