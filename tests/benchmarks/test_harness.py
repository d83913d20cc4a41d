"""The benchmark scripts in `benchmarks/` run, in a fast mode, so they don't rot: few files,
no injected latency, and the reference `accession` 4.8.4 only when BENCH_REFERENCE=1 (its venv
takes minutes to build the first time; `--cache-dir` keeps it)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, shared_fixture

from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET, DEMO_USER
from encode_accession.portal.client import PortalClient

sys.path.insert(0, str(REPO / "benchmarks"))

import harness  # noqa: E402
import local_upload  # noqa: E402
import many_files  # noqa: E402
import upload_rate  # noqa: E402
import vs_reference  # noqa: E402


def test_served_portal_logs_every_request_with_its_status(tmp_path):
    with harness.served_portal(tmp_path / "portal") as portal:
        client = PortalClient(portal.url, DEMO_KEY_ID, DEMO_SECRET)
        assert client.get(DEMO_USER) is not None
        assert client.get("/files/TSTFF999999/") is None
        assert portal.requests() == Counter({"GET": 2})
    assert [status for _, _, status in
            harness.read_request_log(portal.request_log)] == ["200", "404"]


def test_snakemake_jobs_are_counted_from_the_log():
    log = "Finished jobid: 3 (Rule: plan)\nx\nFinished jobid: 12 (Rule: step_align)\n" \
          "Finished job 4.\n1 of 9 steps (11%) done\n"
    assert harness.snakemake_jobs(log) == 3
    dry = "Job stats:\njob   count\n----  -----\nstep      2\nall       1\ntotal     3\n"
    assert harness.planned_jobs(dry) == 3 and harness.planned_jobs("Nothing to be done.") == 0


def test_many_files_runs_one_job_per_step_not_per_file(tmp_path):
    result = many_files.measure_size(tmp_path, files=20, latency_ms=0, jobs=2)
    assert result["ok"], result["log_tail"]
    assert result["file_receipts"] == 20
    assert 0 < result["snakemake_jobs"] < 20  # per-file jobs would be at least one per file
    assert 0 < result["dry_run_with_plan_jobs"] < 20
    assert result["cpu_s"] > 0 and result["requests"] > 20


def test_vs_reference_accessions_the_real_mirna_run_and_a_batch_of_its_copies(tmp_path):
    """Ours through both interfaces, the run alone and a batch of two copies through
    -l / runs:; with BENCH_REFERENCE=1 the reference too, posting the same files."""
    shared_fixture(vs_reference.RUN)
    with_reference = os.environ.get("BENCH_REFERENCE") == "1"
    args = argparse.Namespace(
        jobs=2, latency_ms=10, skip_reference=not with_reference, batch=2, bytes=0, repeat=1,
        via=["accession", "snakemake"], ours_python=Path(sys.executable),
        cache_dir=Path(os.environ.get("BENCH_CACHE_DIR", vs_reference.default_cache_dir())))
    summary = vs_reference.compare(args, tmp_path)
    for scenario, copies in (("single", 1), ("batch", 2)):
        for name in ("ours", "ours-snakemake"):
            ours = summary[scenario][name]
            assert ours["ok"], ours["log_tail"]
            assert ours["files_posted"] == ours["planned_files"] == 12 * copies
            assert ours["requests_per_file"] > 0 and ours["cpu_s"] > 0
            # what the real portal calculates: replicates through derived_from, QCs' assay
            assert ours["files_without_replicates"] == 0 and ours["qcs"] > 0
            assert ours["qcs_without_assay_term_id"] == 0
            # the limit: request rounds one after another, and the jobs on the path
            assert 5 <= ours["dependent_rounds"] < ours["requests"]
            # accession, preflight+star, wigtobigwig, summary (in a batch: wigtobigwig's
            # job), report
            assert ours["processes_on_path"] == (5 if scenario == "single" else 4)
            assert 0 < ours["limit_s"] < ours["wall_s"]
            assert ours["portal_cpu_s"] > 0
    assert set(summary["cpu_per_extra_run_s"]) >= {"ours", "ours-snakemake"}
    if with_reference:
        for scenario in ("single", "batch"):
            reference = summary[scenario]["reference"]
            assert reference["ok"], reference["log_tail"]
            assert reference["files_without_replicates"] == 0
            assert reference["qcs_without_assay_term_id"] == 0
            assert summary[scenario]["ours"]["same_files_and_derived_from"]


def test_a_chain_of_requests_counts_only_those_a_latency_apart():
    arrivals = [0.0, 0.001, 0.002, 0.05, 0.06, 0.101, 0.3]  # 3 at once, then one by one
    assert harness.dependent_rounds(arrivals, 0.05) == 4
    assert harness.dependent_rounds([], 0.05) == 0
    assert harness.physical_limit(4, 0.05, 3, 0.02) == pytest.approx(0.26)
    assert 0 < harness.process_start_s(sys.executable, repeat=1) < 5


def test_copies_of_the_run_are_workflows_of_their_own_with_bytes_of_their_own(tmp_path):
    shared_fixture(vs_reference.RUN)
    metadata = harness.SHARED / "fixtures" / vs_reference.RUN
    plan = vs_reference.build_plan(vs_reference.load_metadata(metadata),
                                   vs_reference.load_steps(vs_reference.RULES_DIR / "mirna.yaml"))
    staged: dict[str, bytes] = {}

    class Bucket:
        def __init__(self, name: str) -> None:
            self.name = name

        def blob(self, key: str):
            bucket = self.name

            class Blob:
                def upload_from_string(self, content: bytes) -> None:
                    staged[f"gs://{bucket}/{key}"] = content
            return Blob()

    client = argparse.Namespace(bucket=Bucket)
    result = vs_reference.stage_run(metadata, plan, client, tmp_path, copies=2, size_mb=0.01)
    first, second = (vs_reference.load_metadata(m) for m in result.metadata)
    assert first.id != second.id and result.metadata[0] == metadata
    copy = vs_reference.build_plan(second, plan.steps_file)
    assert set(copy.portal_inputs) == set(plan.portal_inputs)  # the copies share the inputs
    planned = {f.uri for f in plan.files.values()}
    moved = {f.uri for f in copy.files.values()}
    assert not planned & moved and all(staged[u] != staged[v] for u, v in zip(
        sorted(planned), sorted(moved), strict=True))
    assert result.planned_bytes == sum(len(staged[u]) for u in planned) > 12 * 1000


def test_the_local_upload_benchmark_uploads_and_copies():
    result = local_upload.measure(size_mib=9, repeat=1)
    assert result["upload_mib_s"] > 0 and result["cp_mib_s"] > 0


def test_the_upload_rate_benchmark_measures_both_targets_beside_a_plain_copy():
    results = upload_rate.measure(repeat=1, scale=0.01)  # 3 MB
    assert set(results) == {"moto S3", "local portal S3"}
    for result in results.values():
        assert result["ours_MB_s"] > 0 and result["copy_MB_s"] > 0 and result["ours_cpu_s"] > 0
