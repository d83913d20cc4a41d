"""The Cromwell metadata model: calls, shards, subworkflows and the file graph."""

from __future__ import annotations

import pytest
from conftest import shared_fixture, write_json

from encode_accession.core.errors import InputError
from encode_accession.metadata.cromwell import load_metadata, parse_metadata


def call(shard=-1, attempt=1, status="Done", inputs=None, outputs=None, **extra):
    return {"shardIndex": shard, "attempt": attempt, "executionStatus": status,
            "inputs": inputs or {}, "outputs": outputs or {}, **extra}


def test_keeps_last_done_attempt_per_shard_and_drops_failed_ones():
    wf = parse_metadata({"id": "w", "calls": {"wf.align": [
        call(0, 1, "RetryableFailure", outputs={"bam": "gs://b/0-try1.bam"}),
        call(0, 2, "Done", outputs={"bam": "gs://b/0-try2.bam"}),
        call(1, 1, "Done", outputs={"bam": "gs://b/1.bam"}),
        call(2, 1, "Failed", outputs={"bam": "gs://b/2.bam"}),
    ]}})
    shards = {(c.shard, c.attempt) for c in wf.tasks("align")}
    assert shards == {(0, 2), (1, 1)}
    assert "gs://b/0-try1.bam" not in wf.files and "gs://b/2.bam" not in wf.files


def test_files_are_deduplicated_by_uri_with_every_key_producer_and_consumers():
    wf = parse_metadata({"id": "w", "calls": {
        "wf.align": [call(outputs={"bam": "s3://b/x.bam", "log": "not a file"})],
        "wf.filter": [call(inputs={"bam": "s3://b/x.bam"},
                           outputs={"analysis": {"nodup_bam": "/data/x.nodup.bam"}})],
        "wf.peaks": [call(inputs={"in_bams": [["s3://b/x.bam"], ["/data/x.nodup.bam"]]})],
    }})
    bam = wf.files["s3://b/x.bam"]
    assert bam.keys == ["bam", "in_bams"]
    assert bam.producer.task == "align"
    assert [c.task for c in bam.consumers] == ["filter", "peaks"]
    nested = wf.files["/data/x.nodup.bam"]
    assert nested.keys == ["analysis.nodup_bam", "in_bams"]
    assert set(wf.files) == {"s3://b/x.bam", "/data/x.nodup.bam"}


def test_inputs_are_found_by_bare_or_qualified_key_and_labels_are_optional():
    wf = parse_metadata({"id": "w", "workflowName": "rna", "calls": {},
                         "inputs": {"rna.index": "gs://i.tar"},
                         "submittedFiles": {"inputs": '{"rna.index": "gs://i.tar"}',
                                            "labels": "{}"}})
    assert wf.workflow_input("index") == "gs://i.tar"
    assert wf.workflow_input("rna.index") == "gs://i.tar"
    assert wf.submitted["inputs"] == {"rna.index": "gs://i.tar"}
    assert wf.backend is None


def test_docker_falls_back_to_runtime_attributes_for_call_cache_hits():
    wf = parse_metadata({"id": "w", "calls": {"wf.t": [
        call(runtimeAttributes={"docker": "quay.io/encode-dcc/atac:v2.1.0"})]}})
    (c,) = wf.tasks("t")
    assert c.docker == "quay.io/encode-dcc/atac:v2.1.0"
    assert c.docker_tag == "v2.1.0"


@pytest.mark.parametrize(("text", "expected"), [
    ("{not json", "line 1 column 2"),
    ('{"calls": {}}', "missing 'id'"),
    ("[1, 2]", "expected a JSON object"),
])
def test_malformed_metadata_gives_one_message_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "metadata.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_metadata(path)
    assert str(path) in err.value.message and expected in err.value.message


def test_missing_metadata_file_says_how_to_get_one(tmp_path):
    with pytest.raises(InputError, match="caper metadata"):
        load_metadata(tmp_path / "nope.json")


def test_malformed_submitted_files_json_string_names_the_key(tmp_path):
    path = write_json(tmp_path / "m.json", {"id": "w", "calls": {},
                                            "submittedFiles": {"options": "{oops"}})
    with pytest.raises(InputError, match="submittedFiles.options"):
        load_metadata(path)


# --- real runs in ../shared/fixtures/cromwell -------------------------------------------

@pytest.mark.parametrize(("name", "call_names", "calls", "backend"), [
    ("ENCSR609OHJ_metadata_2reps.json", 26, 38, None),
    ("mirna_replicated_metadata.json", 4, 7, "gcp"),
    ("mirna_unreplicated_metadata.json", 3, 3, "gcp"),
    ("bulkrnameta.json", 8, 15, "gcp"),
    ("ENCSR416YFB_bulkrna_meta.json", 6, 11, "gcp"),
])
def test_real_runs_parse_with_every_call(name, call_names, calls, backend):
    wf = load_metadata(shared_fixture(f"cromwell/{name}"))
    assert len(wf.calls) == call_names
    assert sum(len(v) for v in wf.calls.values()) == calls
    assert wf.backend == backend
    assert all(c.docker for v in wf.calls.values() for c in v)


def test_real_atac_run_links_filter_to_its_own_bowtie2_shard():
    wf = load_metadata(shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json"))
    assert wf.id == "2099edd0-0399-46ba-941c-abdcea355c1c"
    for f_call in wf.tasks("filter"):
        (bam,) = [f for f in wf.input_files(f_call) if "bam" in f.keys]
        assert bam.producer.task == "bowtie2" and bam.producer.shard == f_call.shard
    fastqs = wf.workflow_input("fastqs")
    assert len(fastqs) == 2  # two replicates, qualified key atac.fastqs found by bare name


def test_wdl1_bulk_rna_inputs_have_bare_keys():
    wf = load_metadata(shared_fixture("cromwell/bulkrnameta.json"))
    assert "align_index" in wf.inputs
    assert wf.workflow_input("align_index") == wf.inputs["align_index"]


def test_nested_subworkflows_become_tasks_with_stable_qualified_names():
    wf = load_metadata(shared_fixture("cromwell/croo_subworkflow_metadata.json"))
    assert sorted(wf.calls) == [
        "main.sub.subsub.t_subsub_1", "main.sub.t_sub_1", "main.sub2.t_sub2_1",
        "main.sub2_alias.t_sub2_1", "main.t_main_1", "main.t_main_1_alias"]
    deep = wf.calls["main.sub.subsub.t_subsub_1"]
    # 2 shards of main.sub x 2 shards of sub.subsub x 2 shards of the task
    assert sorted((c.scatter, c.shard) for c in deep) == [
        ((i, j), k) for i in (0, 1) for j in (0, 1) for k in (0, 1)]
    assert len({c.label for c in deep}) == 8
    assert all(f.producer is not None for f in wf.files.values())


def test_scatter_pseudo_calls_are_transparent():
    wf = load_metadata(shared_fixture("cromwell/croo_nested_scatter_metadata.json"))
    assert list(wf.calls) == ["nested_scatter.t_nested_scatter_1"]
    calls = wf.tasks("t_nested_scatter_1")
    assert sorted(c.label for c in calls) == [
        "t_nested_scatter_1[0.0]", "t_nested_scatter_1[0.1]",
        "t_nested_scatter_1[1.0]", "t_nested_scatter_1[1.1]"]
    assert len(wf.files) == 4 and all(f.producer for f in wf.files.values())


def test_only_cloud_uris_and_absolute_paths_count_as_files():
    wf = load_metadata(shared_fixture("cromwell/mirna_replicated_metadata.json"))
    assert wf.files
    assert all(u.startswith(("gs://", "s3://", "/")) for u in wf.files)
    mixed = parse_metadata({"id": "w", "calls": {"wf.t": [call(
        inputs={"a": "rel/path.bam", "prefix": "rep1_vs_rep2"},
        outputs={"b": "gs://x/y.bam", "c": "ENCFF000AAA", "d": "https://example.org/x"})]}})
    assert list(mixed.files) == ["gs://x/y.bam"]


def test_a_relative_output_path_is_named_in_the_metadata_not_blamed_on_the_steps():
    with pytest.raises(InputError) as raised:
        parse_metadata({"id": "w", "calls": {"wf.t": [call(0), call(1, outputs={
            "qc": {"json": "run/qc.json"}, "bam": ["/abs/a.bam", "rel/b.bam"]})]}}, "m.json")
    assert raised.value.message == (
        "m.json: calls.wf.t[1].outputs.qc.json: 'run/qc.json' is a relative path (and 1 "
        "more): output files must be absolute paths or gs:// or s3:// URIs (fix: use the "
        "metadata.json Cromwell wrote (`caper metadata WORKFLOW_ID`), or make the paths "
        "absolute)")


@pytest.mark.parametrize("value", [float("nan"), 1.5, "2", True, None])
@pytest.mark.parametrize("key", ["attempt", "shardIndex"])
def test_attempts_and_shards_that_are_not_whole_numbers_are_named(key, value):
    entry = {**call(0), key: value}
    with pytest.raises(InputError) as raised:
        parse_metadata({"id": "w", "calls": {"wf.t": [call(1), entry]}}, "m.json")
    assert raised.value.message == (
        f"m.json: calls.wf.t[1].{key}: expected a whole number, found {value!r} (fix: use "
        "the metadata.json Cromwell wrote (`caper metadata WORKFLOW_ID`), or give each call "
        f"attempt an integer {key})")
