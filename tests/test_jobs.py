"""Accessioning stages called directly (no Snakemake) against the in-process local portal."""

from __future__ import annotations

import hashlib
import json
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from encode_accession.accession.analysis import analysis, pick_best, pipeline_version
from encode_accession.accession.checksums import checksums
from encode_accession.accession.context import Run
from encode_accession.accession.payloads import part_size
from encode_accession.accession.preflight import duplicate_table, preflight
from encode_accession.accession.runner import run_all, run_job
from encode_accession.accession.step import run_step
from encode_accession.accession.summary import incomplete
from encode_accession.accession.uploads import upload_step
from encode_accession.accession.verify import verify_files
from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import connect as connect_db
from encode_accession.demo.run import write_demo_run
from encode_accession.localportal import LocalPortal
from encode_accession.localportal.loader import load_objects
from encode_accession.run import layout
from encode_accession.run.planfile import load_plan_file, plan_ahead
from encode_accession.run.receipts import load, read_receipt
from encode_accession.run.state import Duplicate, FileReceipt, Settings
from encode_accession.storage.stores import get_storage


def demo_settings(tmp_path: Path, **extra) -> dict:
    return {"metadata": str(write_demo_run(tmp_path / "run")), "pipeline": "atac",
            "lab": "encode-awg", "award": "DEMO-AWARD", "name": "results",
            "server": f"local:{tmp_path / 'portal.sqlite'}", "rundir": str(tmp_path / "results"),
            "tracker_db": str(tmp_path / "tracker.db"), "verify_timeout": 5, **extra}


@pytest.fixture
def run(tmp_path) -> Run:
    rundir = tmp_path / "results"
    run_job("plan", rundir, None, json.dumps(demo_settings(tmp_path)))
    return Run(load_plan_file(rundir / layout.PLAN))


@pytest.fixture
def sums(run) -> dict:
    return checksums(run).checksums


def another_labs_copy(run: Run, file_id: str, **props) -> dict:
    planned = run.plan.files[file_id]
    content = Path(planned.uri).read_bytes()
    return run.portal.post("file", {
        "aliases": ["encode-processing-pipeline:someone-elses-copy"],
        "dataset": "/experiments/TSTSR000001/", "file_format": planned.spec.file_format,
        "output_type": planned.spec.output_type, "assembly": "GRCh38",
        "md5sum": hashlib.md5(content).hexdigest(), "file_size": len(content),
        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/", **props})


def test_preflight_resolves_inputs_dataset_assembly_and_replicates(run, sums):
    receipt = preflight(run, sums)
    assert receipt.dataset == "/experiments/TSTSR000001/"
    assert receipt.assembly == "GRCh38"
    # from the portal file of the ATAC reference input ref_fa, as the reference tool reads it
    assert receipt.genome_annotation == "V29"
    assert receipt.biological_replicates == 2
    assert set(receipt.inputs) == set(run.plan.portal_inputs)
    assert all(i.portal_id.startswith("/files/TSTFF") for i in receipt.inputs.values())
    assert len(receipt.checksums) == len(run.plan.portal_inputs) + len(run.plan.files)
    assert receipt.duplicates == ()
    assert (receipt.workflow_id, receipt.server) == (run.workflow_id, run.settings.server)


def test_preflight_searches_md5s_in_batches_not_one_request_per_file(run, sums):
    before = run.portal.request_counts["GET"]
    preflight(run, sums)
    gets = run.portal.request_counts["GET"] - before
    versions = {s.dcc_step_version for s in run.plan.steps}
    # the keys' proof, lab, award, the step versions, one md5 batch, the dataset, the
    # reference input's md5: not one search per file
    assert gets <= 6 + len(versions) < len(run.plan.files)


def test_preflight_stops_on_md5_duplicates_with_a_table_unless_forced(run, sums):
    copy = another_labs_copy(run, "filter.0.nodup_bam")
    with pytest.raises(InputError) as err:
        preflight(run, sums)
    message = err.value.message
    assert "File Path" in message and "Matching Portal Files" in message
    assert copy["@id"] in message and "set force: true" in message
    run.loaded = replace(run.loaded, settings=replace(run.settings, force=True))
    assert [d.portal_file for d in preflight(run, sums).duplicates] == [copy["@id"]]


def test_files_from_an_earlier_run_of_this_workflow_are_not_duplicates(run, sums):
    planned = run.plan.files["filter.0.nodup_bam"]
    content = Path(planned.uri).read_bytes()
    md5 = hashlib.md5(content).hexdigest()
    run.portal.post("file", {
        "aliases": [run.file_alias(planned, md5)], "dataset": "/experiments/TSTSR000001/",
        "file_format": "bam", "output_type": "alignments", "assembly": "GRCh38",
        "md5sum": md5, "file_size": len(content),
        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"})
    assert preflight(run, sums).duplicates == ()


def test_replaced_revoked_and_deleted_matches_are_ignored(run, sums, tmp_path):
    planned = run.plan.files["filter.1.nodup_bam"]
    content = Path(planned.uri).read_bytes()
    load_objects(LocalPortal(tmp_path / "portal.sqlite"), [{
        "@id": "/files/TSTFF900001/", "@type": ["File", "Item"], "accession": "TSTFF900001",
        "status": "deleted", "md5sum": hashlib.md5(content).hexdigest(),
        "dataset": "/experiments/TSTSR000001/", "file_format": "bam",
        "output_type": "alignments", "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"}])
    assert preflight(run, sums).duplicates == ()


def test_a_missing_input_on_the_portal_is_named_with_its_md5(run, tmp_path):
    fastq = tmp_path / "run/inputs/rep2_R1.fastq.gz"
    fastq.write_bytes(b"not what the portal has\n")
    with pytest.raises(InputError, match=f"{fastq}: derived_from: no portal file has md5"):
        preflight(run, checksums(run).checksums)


def test_duplicate_table_has_the_reference_columns():
    table = duplicate_table([Duplicate(file="gs://b/x.bam", portal_file="/files/ENCFF1/",
                                       status="released", dataset="/experiments/ENCSR1/")])
    header, row = table.splitlines()
    assert header.split(" | ")[0].strip() == "File Path"
    assert row.split(" | ")[1].strip() == "/files/ENCFF1/"


@pytest.mark.parametrize(("size", "mib"), [
    (1, 8), (100 * 2**30, 16), (200 * 2**30, 24), (10_000 * 8 * 2**20, 8),
    (10_000 * 8 * 2**20 + 1, 16)])
def test_upload_part_size_keeps_under_ten_thousand_parts(size, mib):
    assert part_size(size) == mib * 2**20
    assert -(-size // part_size(size)) <= 10_000


def test_pipeline_version_comes_from_the_wdl_meta_section():
    assert pipeline_version('meta {\n  version: "v2.1.3"\n}') == "2.1.3"
    assert pipeline_version("workflow x {}") is None


def test_each_pipeline_family_reads_its_genome_from_its_own_reference_input():
    """The reference input is data in each steps file (encode-accession-tool.md 1.12)."""
    from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
    from encode_accession.planning.steps import load_steps

    def key(name: str) -> str | None:
        return load_steps(RULES_DIR / f"{name}.yaml").facts.reference_input

    assert key("atac") == key("tf_chip_pbam") == "ref_fa"
    assert key("bulk_rna_no_kallisto") == "index"
    assert key("dnase_starch_from_bam") == "hotspot2_tar_gz"
    assert key("dnase_no_footprints") == "references.nuclear_chroms_gz"
    assert key("hic_intact_low_contact") == "reference_index"
    assert all(load_steps(p).facts.reference_input for p in RULES_DIR.glob("*.yaml"))



def test_preferred_default_is_the_best_score_of_each_kind():
    bigwig, bam = ("bigWig", None, "signal"), ("bam", None, "alignments")
    assert pick_best([(bigwig, 10.0, "/files/A/"), (bam, 3.0, "/files/B/"),
                      (bigwig, 12.5, "/files/C/"), (bam, 2.0, "/files/D/")]) \
        == ["/files/C/", "/files/B/"]
    assert pick_best([(bam, 1.0, "/files/first/"), (bam, 1.0, "/files/second/")]) \
        == ["/files/first/"]


def test_step_run_alias_names_the_step_workflow_and_docker_tag(run, sums):
    step = run.plan.steps[0]
    receipt = run_step(run, step.rule, preflight(run, sums), [])
    tag = run.plan.files_of(step)[0].call.docker_tag
    assert tag == "v2.2.2"
    assert receipt.step_run.alias == \
        f"encode-awg:{step.dcc_step_run}-{run.workflow_id}-{tag}"


def test_a_step_posts_its_files_its_upload_job_sends_them_and_a_rerun_creates_nothing(
        run, sums):
    pre = preflight(run, sums)
    step = run.plan.steps[0]
    first = run_step(run, step.rule, pre, [])
    assert [f.created for f in first.files] == [True] * len(run.plan.files_of(step))
    assert {run.portal.get(f.portal_id, database=True)["status"] for f in first.files} == \
        {"uploading"}  # the step's job posts; its bytes are the upload job's
    sent = upload_step(run, first)
    assert [u.portal_id for u in sent.uploads] == [f.portal_id for f in first.files]
    assert all(u.uploaded for u in sent.uploads)
    assert {run.portal.get(f.portal_id, database=True)["status"] for f in first.files} == \
        {"in progress"}
    posts = run.portal.request_counts["POST"]
    again = run_step(run, step.rule, pre, [])
    assert [f.portal_id for f in again.files] == [f.portal_id for f in first.files]
    assert not any(f.created for f in again.files)
    assert not again.step_run.created and not again.quality_metrics.created
    assert not any(u.uploaded for u in upload_step(run, again).uploads)
    assert run.portal.request_counts["POST"] - posts <= 1 + len(again.quality_metrics
                                                                .quality_metrics)


def test_an_upload_in_the_process_that_posted_its_files_reuses_the_posts_credentials(
        run, sums):
    """A batch's step job (and a sink step's) uploads with the credentials the POST answered
    with; an upload job of its own asks once per file (GET @@upload)."""
    pre = preflight(run, sums)
    first, second = (s.rule for s in run.plan.steps[:2])
    posted = run_step(run, first, pre, [])
    gets = run.portal.request_counts["GET"]
    assert all(u.uploaded for u in upload_step(run, posted).uploads)
    assert run.portal.request_counts["GET"] == gets and not run.upload_credentials
    child = run_step(run, second, pre, [posted])
    run.upload_credentials.clear()  # as in an upload job's own process
    gets = run.portal.request_counts["GET"]
    assert all(u.uploaded for u in upload_step(run, child).uploads)
    assert run.portal.request_counts["GET"] - gets == len(child.files)


def test_a_file_posted_after_its_receipt_was_lost_is_found_not_duplicated(run, sums):
    pre = preflight(run, sums)
    step = run.plan.steps[0]
    first = run_step(run, step.rule, pre, [])
    for planned in run.plan.files_of(step):  # a crash between the POST and the receipt
        (run.rundir / "files" / step.rule / f"{planned.id}.json").unlink()
    again = run_step(run, step.rule, pre, [])
    assert [f.portal_id for f in again.files] == [f.portal_id for f in first.files]
    assert not any(f.created for f in again.files)
    assert len(run.portal.search("File", {"dataset": "/experiments/TSTSR000001/",
                                          "step_run": first.step_run.portal_id})) \
        == len(first.files)


def test_a_file_left_in_content_error_by_an_unfinished_upload_stops_the_upload_job_with_the_fix(
        run, sums):
    pre = preflight(run, sums)
    step = run.plan.steps[0]
    first = run_step(run, step.rule, pre, [])
    upload_step(run, first)
    victim = first.files[0]
    for receipt in (run.rundir / "uploads").glob("*.json"):  # as if killed before them
        receipt.unlink()
    store = run.portal.embedded.app.portal.store  # what checkfiles made of partial bytes
    item = store.by_at_id(victim.portal_id)
    item.props.update(status="content error", content_error_detail="File size 3 does not "
                      "match item file_size 39")
    store.save(item, store.keys_of(item.uuid))
    again = run_step(run, step.rule, pre, [])
    with pytest.raises(InputError) as stopped:
        upload_step(run, again)
    message = stopped.value.message
    assert victim.uri in message and victim.portal_id in message
    assert "File size 3 does not match" in message and "'upload failed'" in message


def test_the_analysis_is_added_to_the_datasets_analyses_not_replacing_them(run, sums):
    pre = preflight(run, sums)
    fastq = next(iter(pre.inputs.values())).portal_id
    earlier = run.portal.post("analysis", {"aliases": ["encode-awg:an-earlier-analysis"],
                                           "files": [fastq], "lab": "/labs/encode-awg/",
                                           "award": "/awards/DEMO-AWARD/"})
    run.portal.patch(pre.dataset, {"analyses": [earlier["@id"]]})
    step = run.plan.steps[0]
    files = run_step(run, step.rule, pre, []).files
    result = analysis(run, pre, list(files))
    assert run.portal.get(pre.dataset, database=True)["analyses"] == \
        [earlier["@id"], result.portal_id]


def test_a_whole_run_in_one_process_then_its_receipts_and_record(tmp_path):
    summary = run_all(tmp_path / "results", demo_settings(tmp_path))
    files = [o for o in summary.objects if o.kind == "file"]
    assert len(files) == 30 and all(o.created for o in files)
    assert summary.verification.verified and not summary.verification.failed
    assert summary.missing == () and incomplete(summary) is None
    again = run_all(tmp_path / "results", demo_settings(tmp_path))
    assert again.created == 0 and again.found == summary.created
    with closing(connect_db(tmp_path / "tracker.db")) as db:
        assert db.execute("SELECT count(*) FROM accession_runs").fetchone()[0] == 1
    assert read_receipt(tmp_path / "results" / layout.SUMMARY)["created"] == 0


def test_a_rerun_after_a_files_bytes_changed_does_not_reuse_its_receipt(tmp_path):
    """The portal keeps the first bytes under the file's alias: the rerun posts the new md5,
    finds the portal's file has the old one, and the run is incomplete (not green)."""
    settings = demo_settings(tmp_path)
    first = run_all(tmp_path / "results", settings)
    assert first.missing == ()
    planned = load_plan_file(tmp_path / "results" / layout.PLAN).plan.files["filter.0.nodup_bam"]
    Path(planned.uri).write_bytes(Path(planned.uri).read_bytes() + b"changed")
    new_md5 = hashlib.md5(Path(planned.uri).read_bytes()).hexdigest()
    get_storage.cache_clear()  # its md5s, as a new job process would start

    again = run_all(tmp_path / "results", settings)

    receipt = load(layout.file_receipt(tmp_path / "results", planned.step.rule, planned.id),
                   FileReceipt, tmp_path / "results")
    assert receipt.md5sum == new_md5  # not the receipt of the old bytes
    (lost,) = again.missing
    assert lost.what == f"file {receipt.portal_id} ({planned.uri})"
    assert f"{planned.uri} has {new_md5}" in lost.why
    assert again.verification.failed == (receipt.portal_id,)
    assert "the run is incomplete: 1 thing(s)" in incomplete(again)


def test_a_second_workflow_into_the_same_results_folder_is_refused_before_any_post(tmp_path):
    run_all(tmp_path / "results", demo_settings(tmp_path))
    metadata = json.loads((tmp_path / "run" / "metadata.json").read_text())
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**metadata, "id": "0e0e0e0e-1111-4222-8333-444444444444"}))
    items = LocalPortal(tmp_path / "portal.sqlite").store.count("Item")
    with pytest.raises(InputError, match="results/: holds a run of workflow 6f1c2d3e-.*but the "
                                         "config now names workflow 0e0e0e0e-"):
        run_all(tmp_path / "results", demo_settings(tmp_path, metadata=str(other)))
    assert LocalPortal(tmp_path / "portal.sqlite").store.count("Item") == items


def test_outputs_lost_with_a_failed_task_are_accepted_when_unsucceeded_runs_are_allowed(
        tmp_path):
    metadata = json.loads(write_demo_run(tmp_path / "run").read_text())
    for attempt in metadata["calls"]["atac.idr"]:
        attempt["executionStatus"] = "Failed"
    path = tmp_path / "failed_idr.json"
    path.write_text(json.dumps(metadata))
    settings = demo_settings(tmp_path, metadata=str(path))
    refused = run_all(tmp_path / "results", settings)
    assert [m.what for m in refused.missing] == ["accession.steps[6] (idr)",
                                                 "accession.steps[9] (idr)"]
    assert any("(idr): no attempt of idr[0]" in s for s in refused.skipped)
    allowed = run_all(tmp_path / "results", {**settings, "allow_unsucceeded": True})
    assert allowed.missing == () and allowed.skipped == refused.skipped


class FakePortal:
    """Answers the verify stage's searches with given statuses (its only call)."""

    def __init__(self, answers: list[dict[str, dict]]) -> None:
        self.answers = answers
        self.searches = 0

    def search(self, type, filters, *, fields=None, frame="object"):
        answer = self.answers[min(self.searches, len(self.answers) - 1)]
        self.searches += 1
        return [answer[a] for a in filters["accession"] if a in answer]


def posted(i: int) -> FileReceipt:
    return FileReceipt("wf", "local:", id=f"f{i}", portal_id=f"/files/TSTFF00000{i}/",
                       accession=f"TSTFF00000{i}", alias=f"lab:f{i}", uri=f"/data/{i}.bam",
                       md5sum=f"m{i}", file_size=10 + i, status="uploading", created=True,
                       output_type="alignments", derived_from=(), step_run="/sr/",
                       callbacks_applied={}, default_score=None)


POSTED = [posted(i) for i in range(3)]


def checked(i, status="in progress", **changes):
    return {"accession": f"TSTFF00000{i}", "status": status, "md5sum": f"m{i}",
            "file_size": 10 + i, **changes}


def test_verify_reports_content_errors_and_md5_or_size_mismatches():
    portal = FakePortal([{"TSTFF000000": checked(0),
                          "TSTFF000001": checked(1, "content error",
                                                 content_error_detail="truncated gzip"),
                          "TSTFF000002": checked(2, file_size=99)}])
    result = verify_files(portal, POSTED, timeout=0)
    assert result.verified == ("/files/TSTFF000000/",)
    assert result.failed == ("/files/TSTFF000001/", "/files/TSTFF000002/")
    assert result.files["/files/TSTFF000001/"].detail == "truncated gzip"
    assert "size 99" in result.files["/files/TSTFF000002/"].detail


def test_verify_fails_a_file_the_portal_records_with_another_md5():
    portal = FakePortal([{"TSTFF000000": checked(0, md5sum="m-other"),
                          "TSTFF000001": checked(1), "TSTFF000002": checked(2)}])
    result = verify_files(portal, POSTED, timeout=0)
    assert result.failed == ("/files/TSTFF000000/",)
    assert "the portal has md5 m-other" in result.files["/files/TSTFF000000/"].detail


def test_verify_waits_a_bounded_time_and_reports_files_still_being_checked():
    pending = {f"TSTFF00000{i}": checked(i, "uploading") for i in range(3)}
    later = {**pending, "TSTFF000000": checked(0)}
    portal = FakePortal([pending, later])
    slept: list[float] = []
    result = verify_files(portal, POSTED, timeout=4, sleep=slept.append)
    assert result.verified == ("/files/TSTFF000000/",)
    assert result.pending == ("/files/TSTFF000001/", "/files/TSTFF000002/")
    assert sum(slept) <= 4 and portal.searches == len(slept) + 1


def test_by_default_the_summary_reads_the_portals_checks_once_and_does_not_wait():
    """The real portal's checkfiles takes minutes and the reference tool does not wait for
    it: a run reports files still being checked instead of holding its slot."""
    from encode_accession.core.resources import SCHEMAS

    schema = yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text())
    default = Settings("r", "results", "dev", "lab", "award").verify_timeout
    assert default == schema["properties"]["verify_timeout"]["default"] == 0
    portal = FakePortal([{f"TSTFF00000{i}": checked(i, "uploading") for i in range(3)}])
    result = verify_files(portal, POSTED, timeout=default,
                          sleep=lambda s: pytest.fail(f"slept {s} s"))
    assert portal.searches == 1 and len(result.pending) == 3


def test_only_a_run_whose_md5s_mean_reading_bytes_gets_a_checksums_job(run):
    """The demo's local files are hashed (a checksums job, on a compute node under SLURM);
    the real microRNA run is all on GCS, whose md5Hash metadata the preflight reads itself."""
    from encode_accession.core.resources import ACCESSION_RULES
    from encode_accession.metadata.cromwell import load_metadata
    from encode_accession.planning.plan import build_plan
    from encode_accession.planning.steps import load_steps
    from encode_accession.run.planfile import checksums_job

    assert checksums_job(run.plan) and read_receipt(run.rundir / layout.PLAN)["checksums_job"]
    metadata = Path(__file__).resolve().parents[2] / "shared/fixtures/cromwell" \
        / "mirna_replicated_metadata.json"
    if not metadata.exists():
        pytest.skip(f"{metadata} is not there")
    plan = build_plan(load_metadata(metadata), load_steps(ACCESSION_RULES / "mirna.yaml"))
    assert all(f.uri.startswith("gs://") for f in plan.files.values())
    assert not checksums_job(plan)


def test_planning_again_leaves_an_identical_plan_file_untouched(tmp_path):
    """The accession command plans before each Snakemake run; a rewritten plan file would
    look newer than every receipt after it."""
    from encode_accession.run.planfile import write_plan_file

    settings = demo_settings(tmp_path)
    path = tmp_path / "results" / layout.PLAN
    write_plan_file(path, settings)
    before = path.stat().st_mtime_ns
    write_plan_file(path, settings)
    assert path.stat().st_mtime_ns == before
    write_plan_file(path, {**settings, "concurrency": 2})
    assert path.stat().st_mtime_ns != before
    assert read_receipt(path)["settings"]["concurrency"] == 2


def test_planning_ahead_writes_a_missing_plan_once_and_replans_only_what_changed(tmp_path):
    settings = demo_settings(tmp_path)
    plan = tmp_path / "results" / layout.PLAN
    assert plan_ahead(plan, settings) and load_plan_file(plan).settings.force is False
    written = plan.stat().st_mtime_ns
    assert plan_ahead(plan, settings) and plan.stat().st_mtime_ns == written  # current: kept
    assert plan_ahead(plan, {**settings, "force": True})  # settings changed: planned again
    assert load_plan_file(plan).settings.force is True
    metadata = Path(settings["metadata"])
    sha = json.loads(plan.read_text())["metadata"]["sha256"]
    metadata.write_text(json.dumps({**json.loads(metadata.read_text()), "note": "rerun"}))
    assert plan_ahead(plan, {**settings, "force": True})  # new metadata bytes: planned again
    assert json.loads(plan.read_text())["metadata"]["sha256"] != sha


def test_a_run_that_cannot_be_planned_ahead_is_left_to_its_plan_job(tmp_path):
    settings = demo_settings(tmp_path, metadata=str(tmp_path / "broken.json"))
    (tmp_path / "broken.json").write_text("{not json")
    plan = tmp_path / "results" / layout.PLAN
    assert not plan_ahead(plan, settings) and not plan.exists()
