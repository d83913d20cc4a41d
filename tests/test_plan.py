"""The plan: which files a run accessions and where each file's derived_from parents come from."""

from __future__ import annotations

import time

import pytest
from conftest import DATA, shared_fixture

from encode_accession.core.errors import InputError
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.metadata.cromwell import Call, Workflow, load_metadata, parse_metadata
from encode_accession.planning.plan import PlanOptions, build_plan
from encode_accession.planning.steps import DerivedFrom, load_steps, parse_steps

RULES = ACCESSION_RULES


def reference_search(wf: Workflow, start: Call, rule: DerivedFrom) -> set[str]:
    """The reference tool's recursive search, transcribed from its documented behaviour
    (encode-accession-tool.md 1.3/1.4), as an oracle for the planner's iterative one."""

    def up(call: Call):
        if call.task == rule.task:
            side = wf.input_files(call) if rule.inputs else wf.output_files(call)
            yield from (f.uri for f in side if rule.filekey in f.keys)
        producers = {f.producer for f in wf.input_files(call)
                     if f.producer is not None and f.producer.task not in rule.disallow_tasks
                     and f.producer != call}
        for producer in producers:
            yield from up(producer)

    def down(call: Call):
        if call.task == rule.task:
            side = wf.input_files(call) if rule.inputs else wf.output_files(call)
            yield from (f.uri for f in side if rule.filekey in f.keys)
        for consumer in {c for f in wf.output_files(call) for c in f.consumers}:
            yield from down(consumer)

    found = set(down(start) if rule.search_down else up(start))
    if rule.workflow_inputs_to_match:
        allowed = set()
        for key in rule.workflow_inputs_to_match:
            stack = [wf.workflow_input(key)]
            while stack:
                v = stack.pop()
                if isinstance(v, list):
                    stack.extend(v)
                elif isinstance(v, str):
                    allowed.add(v)
        found &= allowed
    return found


def assert_matches_reference(plan) -> None:
    for f in plan.files.values():
        expected: set[str] = set()
        for rule in f.spec.derived_from:
            expected |= reference_search(plan.workflow, f.call, rule)
        assert set(f.derived_from) == expected, f.id
        assert len(f.derived_from) == len(expected)  # no duplicates


# --- real runs ---------------------------------------------------------------------------

def test_real_atac_run_plans_every_file_with_the_reference_parents():
    wf = load_metadata(shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json"))
    plan = build_plan(wf, load_steps(DATA / "atac_v1_steps.yaml"))
    assert_matches_reference(plan)
    ids = list(plan.files)
    assert ids == [
        "bowtie2.0.bam", "bowtie2.1.bam", "filter.0.nodup_bam", "filter.1.nodup_bam",
        "macs2.0.sig_pval", "macs2.1.sig_pval", "macs2.0.sig_fc", "macs2.1.sig_fc",
        "macs2_pooled.sig_pval", "idr_pr.0.bfilt_idr_peak", "idr_pr.1.bfilt_idr_peak",
        "idr.0.bfilt_idr_peak", "idr.0.bfilt_idr_peak_bb", "overlap_ppr.bfilt_overlap_peak"]
    # per-replicate lineage: rep 2's filtered bam comes from rep 2's raw fastqs only
    rep2 = plan.files["filter.1.nodup_bam"]
    assert sorted(u.rsplit("/", 1)[-1] for u in rep2.derived_from) == [
        "ENCFF957VLH.fastq.gz", "ENCFF999IJT.fastq.gz",
        "mm10_no_alt_analysis_set_ENCODE.fasta.tar"]
    # true-replicate IDR peaks derive from both replicates' filtered bams (DAG edges)
    assert plan.planned_parents("idr.0.bfilt_idr_peak") == [
        "filter.0.nodup_bam", "filter.1.nodup_bam"]
    assert plan.planned_parents("idr.0.bfilt_idr_peak_bb") == ["idr.0.bfilt_idr_peak"]
    # parents that are pipeline inputs are found on the portal by md5 when the run executes
    assert len(plan.portal_inputs) == 6  # 4 fastqs, bowtie2 index, blacklist


def test_disallow_tasks_prunes_a_branch_of_a_diamond():
    wf = load_metadata(shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json"))
    steps = load_steps(DATA / "atac_v1_steps.yaml")
    (rule,) = steps.steps[-1].files[0].derived_from
    assert rule.disallow_tasks == ("macs2",)
    plan = build_plan(wf, steps)
    overlap = plan.files["overlap_ppr.bfilt_overlap_peak"]
    # pooled pseudoreplicates reach both filtered bams through pool_ta, not through macs2
    assert overlap.call.task == "overlap_ppr"
    assert plan.planned_parents(overlap.id) == ["filter.0.nodup_bam", "filter.1.nodup_bam"]


@pytest.mark.parametrize(("fixture", "files"), [
    ("mirna_replicated_metadata.json", 12), ("mirna_unreplicated_metadata.json", 6)])
def test_real_microrna_runs_plan_with_the_bundled_rules(fixture, files):
    plan = build_plan(load_metadata(shared_fixture(f"cromwell/{fixture}")),
                      load_steps(RULES / "mirna.yaml"))
    assert len(plan.files) == files
    assert_matches_reference(plan)
    for f in plan.files.values():
        if f.call.task == "wigtobigwig":
            (bam,) = plan.planned_parents(f.id)
            assert bam == f"star.{f.call.shard}.bam"


@pytest.mark.parametrize("fixture", ["bulkrnameta.json", "ENCSR416YFB_bulkrna_meta.json"])
def test_optional_outputs_absent_from_a_run_are_skipped_with_a_note(fixture):
    plan = build_plan(load_metadata(shared_fixture(f"cromwell/{fixture}")),
                      load_steps(RULES / "bulk_rna.yaml"))
    assert_matches_reference(plan)
    assert any("unique_unstranded" in s.where and "not produced" in s.reason and not s.lost
               for s in plan.skipped)
    assert not any(f.spec.filekey.endswith("unstranded") for f in plan.files.values())
    assert {f.call.task for f in plan.files.values()} >= {"align", "rsem_quant", "kallisto"}


def test_reference_atac_steps_on_an_old_atac_run_name_the_missing_tasks():
    wf = load_metadata(shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json"))
    with pytest.raises(InputError) as err:
        build_plan(wf, load_steps(RULES / "atac.yaml"))
    message = err.value.message
    assert "accession.steps[0].wdl_task_name: task 'align' is not in the metadata" in message
    assert "bowtie2" in message  # lists the tasks that are there
    assert "derived_from_task 'annot_enrich' is not in the metadata" in message


def test_planning_the_largest_real_run_is_fast():
    path = shared_fixture("cromwell/ENCSR609OHJ_metadata_2reps.json")
    steps = load_steps(DATA / "atac_v1_steps.yaml")
    start = time.perf_counter()
    build_plan(load_metadata(path), steps)
    assert time.perf_counter() - start < 1.0  # the benchmark measures it properly


# --- synthetic runs for the error paths ------------------------------------------------

def run(*calls: tuple[str, int, dict, dict]) -> Workflow:
    grouped: dict[str, list] = {}
    for name, shard, inputs, outputs in calls:
        grouped.setdefault(f"wf.{name}", []).append(
            {"shardIndex": shard, "attempt": 1, "executionStatus": "Done",
             "inputs": inputs, "outputs": outputs})
    return parse_metadata({"id": "wf-1", "calls": grouped}, "meta.json")


def steps(*step_defs: dict) -> object:
    return parse_steps({"accession.steps": list(step_defs)}, "steps.yaml")


def step(task, filekey, parents=(), **extra):
    return {"dcc_step_run": f"{task}-run", "wdl_task_name": task, **extra, "wdl_files": [
        {"filekey": filekey, "file_format": "bam", "output_type": "alignments",
         "derived_from_files": list(parents)}]}


def parent(task, filekey, **extra):
    return {"derived_from_task": task, "derived_from_filekey": filekey, **extra}


TWO_STEP = run(("align", 0, {"fq": "/in/r1.fq"}, {"bam": "/o/a0.bam"}),
               ("align", 1, {"fq": "/in/r2.fq"}, {"bam": "/o/a1.bam"}),
               ("pool", -1, {"bams": ["/o/a0.bam", "/o/a1.bam"]}, {"pooled": "/o/p.bam"}))


def test_unknown_task_and_filekey_are_reported_with_the_fix():
    with pytest.raises(InputError) as err:
        build_plan(TWO_STEP, steps(step("aln", "bam"), step("align", "bambam")))
    message = err.value.message
    assert "steps.yaml: accession.steps[0].wdl_task_name: task 'aln' is not in the metadata " \
           "meta.json (tasks there: align, pool)" in message
    assert "steps.yaml: accession.steps[1].wdl_files[0].filekey: 'bambam' is not among the " \
           "outputs of task 'align' (outputs: bam)" in message


def test_missing_required_parent_is_an_error_unless_allow_empty():
    with pytest.raises(InputError, match=r"derived_from_files\[0\]: no input 'fq2' of task "
                                         r"'align' found upstream of align\[0\], align\[1\]"):
        build_plan(TWO_STEP, steps(step("align", "bam", [parent("align", "fq2",
                                                                derived_from_inputs=True)])))
    plan = build_plan(TWO_STEP, steps(step("align", "bam", [
        parent("align", "fq2", derived_from_inputs=True, allow_empty=True)])))
    assert all(f.parents == () for f in plan.files.values())


def test_requires_replication_follows_the_option_or_the_run():
    pooled = step("pool", "pooled", [parent("align", "bam")], requires_replication=True)
    assert "pool.pooled" in build_plan(TWO_STEP, steps(pooled)).files
    skipped = build_plan(TWO_STEP, steps(pooled), PlanOptions(replicated=False))
    assert not skipped.files and "requires replication" in skipped.skipped[0].reason
    single = run(("align", 0, {"fq": "/in/r1.fq"}, {"bam": "/o/a0.bam"}))
    inferred = build_plan(single, steps(step("align", "bam"), pooled))
    assert list(inferred.files) == ["align.0.bam"]
    assert "task did not run" in inferred.skipped[0].reason
    assert not skipped.lost and not inferred.lost  # an unreplicated run loses nothing
    with pytest.raises(InputError, match="task 'pool' is not in the metadata"):
        build_plan(single, steps(pooled), PlanOptions(replicated=True))


def failed_attempts(workflow: Workflow, task: str, shard: int, *statuses: str) -> Workflow:
    """``workflow`` as Cromwell reports it when every attempt of one shard of ``task``
    ended with ``statuses`` (e.g. Failed, then Failed again on retry)."""
    calls = [{"shardIndex": c.shard, "attempt": c.attempt, "executionStatus": "Done",
              "inputs": dict(c.inputs), "outputs": dict(c.outputs)}
             for shards in workflow.calls.values() for c in shards]
    names = [c.name for shards in workflow.calls.values() for c in shards]
    grouped: dict[str, list] = {}
    for name, call in zip(names, calls, strict=True):
        if name.rsplit(".", 1)[-1] == task and call["shardIndex"] == shard:
            call = {**call, "outputs": {}}
            grouped.setdefault(name, []).extend(
                {**call, "attempt": n, "executionStatus": status}
                for n, status in enumerate(statuses, 1))
        else:
            grouped.setdefault(name, []).append(call)
    return parse_metadata({"id": workflow.id, "status": "Succeeded", "calls": grouped},
                          "meta.json")


def test_a_shard_whose_every_attempt_failed_loses_its_outputs_and_says_so():
    """A Succeeded workflow can hold a task shard with no Done attempt: its files are not
    planned, and the plan says they are lost (not silently 1 of 2 bams)."""
    failed = failed_attempts(TWO_STEP, "align", 1, "Failed", "Failed")
    assert [(u.label, u.status, u.attempts) for u in failed.unfinished] == \
        [("align[1]", "Failed", 2)]
    plan = build_plan(failed, steps(step("align", "bam")))
    assert list(plan.files) == ["align.0.bam"]  # the one shard that finished
    (lost,) = plan.lost
    assert lost.where == "accession.steps[0] (align)"
    assert "align[1]" in lost.reason and "Failed" in lost.reason and "lost" in lost.reason


def test_a_step_whose_task_only_failed_is_lost_not_taken_for_an_unreplicated_run():
    pooled = step("pool", "pooled", [parent("align", "bam")], requires_replication=True)
    plan = build_plan(failed_attempts(TWO_STEP, "pool", -1, "Failed"),
                      steps(step("align", "bam"), pooled))
    assert "pool.pooled" not in plan.files
    assert [s.where for s in plan.lost] == ["accession.steps[1] (pool)"]
    unreplicated = build_plan(failed_attempts(TWO_STEP, "pool", -1, "Failed"),
                              steps(step("align", "bam"), pooled), PlanOptions(replicated=False))
    assert not unreplicated.lost  # the step would not run anyway


def test_the_same_output_planned_twice_is_an_error():
    with pytest.raises(InputError, match="already accessioned by the step of align.0.bam"):
        build_plan(TWO_STEP, steps(step("align", "bam"), step("align", "bam")))


def test_searching_a_disallowed_task_is_an_error():
    with pytest.raises(InputError, match="both searched for and in disallow_tasks"):
        build_plan(TWO_STEP, steps(step("pool", "pooled", [
            parent("align", "bam", disallow_tasks=["align"])])))


def test_a_cycle_between_planned_files_is_reported():
    loop = run(("a", -1, {"x": "/o/b.txt"}, {"y": "/o/a.txt"}),
               ("b", -1, {"y": "/o/a.txt"}, {"x": "/o/b.txt"}))
    with pytest.raises(InputError, match="cycle"):
        build_plan(loop, steps(step("a", "y", [parent("b", "x")]),
                               step("b", "x", [parent("a", "y")])))


def test_workflow_inputs_to_match_keeps_only_candidates_named_in_the_inputs():
    wf = parse_metadata({"id": "w", "workflowName": "lr", "inputs": {"lr.genome": ["/ref/g.fa"]},
                         "calls": {"lr.combine": [{"shardIndex": -1, "attempt": 1,
                                                   "executionStatus": "Done",
                                                   "inputs": {"files": ["/ref/g.fa", "/ref/s.fa"]},
                                                   "outputs": {"out": "/o/c.fa"}}]}}, "m.json")
    plan = build_plan(wf, steps(step("combine", "out", [
        parent("combine", "files", derived_from_inputs=True,
               workflow_inputs_to_match=["genome"])])))
    assert plan.files["combine.out"].derived_from == ["/ref/g.fa"]
    assert_matches_reference(plan)


def test_search_down_finds_references_used_by_downstream_tasks():
    wf = run(("filter", 0, {}, {"nodup": "/o/n.bam"}),
             ("enrich", 0, {"bam": "/o/n.bam", "tss": "/ref/tss.bed"}, {"qc": "/o/q.txt"}))
    plan = build_plan(wf, steps(step("filter", "nodup", [
        parent("enrich", "tss", derived_from_inputs=True, should_search_down=True)])))
    assert plan.files["filter.0.nodup"].derived_from == ["/ref/tss.bed"]
    assert_matches_reference(plan)


def test_plan_json_has_the_documented_shape():
    plan = build_plan(TWO_STEP, steps(step("align", "bam"), step("pool", "pooled", [
        parent("align", "bam")])))
    data = plan.to_dict()
    assert data["workflow_id"] == "wf-1"
    pooled = data["files"][-1]
    assert {"id", "uri", "task", "shard", "filekey", "step", "output_type", "file_format",
            "derived_from"} <= set(pooled)
    assert pooled["derived_from"] == ["/o/a0.bam", "/o/a1.bam"]
    assert pooled["planned_parents"] == ["align.0.bam", "align.1.bam"]
    assert pooled["shard"] == -1 and pooled["step"] == "step01_pool"
