"""The benchmark scripts in `benchmarks/` run, in a fast mode, so they don't rot: few files,
no injected latency, and the reference `accession` 4.8.4 only when BENCH_REFERENCE=1 (its venv
takes minutes to build the first time; `--cache-dir` keeps it)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from conftest import REPO, shared_fixture

from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET, DEMO_USER
from encode_accession.portal.client import PortalClient

sys.path.insert(0, str(REPO / "benchmarks"))

import harness  # noqa: E402
import local_upload  # noqa: E402
import many_files  # noqa: E402
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


def test_vs_reference_accessions_the_real_mirna_run_from_the_gcs_emulator(tmp_path):
    """Ours always; with BENCH_REFERENCE=1 the reference too, posting the same files."""
    shared_fixture(vs_reference.RUN)
    with_reference = os.environ.get("BENCH_REFERENCE") == "1"
    args = argparse.Namespace(
        jobs=2, latency_ms=0, skip_reference=not with_reference, ours_python=Path(sys.executable),
        cache_dir=Path(os.environ.get("BENCH_CACHE_DIR", vs_reference.default_cache_dir())))
    summary = vs_reference.compare(args, tmp_path)
    ours = summary["ours"]
    assert ours["ok"], ours["log_tail"]
    assert ours["files_posted"] == ours["planned_files"] == 12
    assert ours["requests_per_file"] > 0 and ours["cpu_s"] > 0
    # what the real portal calculates: replicates through derived_from, the QCs' assay term
    assert ours["files_without_replicates"] == 0 and ours["qcs"] > 0
    assert ours["qcs_without_assay_term_id"] == 0
    if with_reference:
        assert summary["reference"]["ok"], summary["reference"]["log_tail"]
        assert summary["reference"]["files_without_replicates"] == 0
        assert summary["reference"]["qcs_without_assay_term_id"] == 0
        assert summary["same_files_and_derived_from"], (summary["only_ours"],
                                                        summary["only_reference"])


def test_the_local_upload_benchmark_uploads_and_copies():
    result = local_upload.measure(size_mib=9, repeat=1)  # two parts
    assert result["upload_mib_s"] > 0 and result["cp_mib_s"] > 0
