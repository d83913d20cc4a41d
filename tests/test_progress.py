"""Progress of long transfers in the job's log: md5 of a large local file, uploads."""

from __future__ import annotations

import hashlib
import io
import re

from encode_accession.storage.progress import Progress
from encode_accession.storage.stores import _hash_stream


def test_a_transfer_reports_bytes_done_of_its_total_at_most_once_per_interval():
    out = io.StringIO()
    progress = Progress("upload", "gs://b/rep1.bam", 4 << 20, interval=0, out=out)
    for _ in range(4):
        progress(1 << 20)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("upload gs://b/rep1.bam: 4 of 4 MiB (100%)")
    quiet = io.StringIO()
    slow = Progress("upload", "x", 10, interval=3600, out=quiet)
    slow(5)
    slow(5)
    assert quiet.getvalue() == "" and slow.done == 10  # short transfers log nothing


def test_md5_of_a_large_file_reports_its_progress(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("encode_accession.storage.progress.INTERVAL_SECONDS", 0.0)
    big = tmp_path / "big.bam"
    big.write_bytes(b"x" * (3 << 20))
    digest = _hash_stream(big.open("rb"), str(big), 3 << 20)
    assert digest == hashlib.md5(big.read_bytes()).hexdigest()
    err = capsys.readouterr().err
    assert f"md5 {big}: 3 of 3 MiB (100%)" in err


def test_a_jobs_transfers_feed_its_progress_and_large_ones_end_with_their_rate():
    out = io.StringIO()
    job = Progress("upload", "step step1_align", 40 << 20, interval=3600, out=out)
    big = Progress("upload", "gs://b/rep1.bam", 32 << 20, interval=3600, parent=job)
    small = Progress("upload", "gs://b/qc.json", 100, interval=3600, parent=job)
    big(16 << 20)
    big(16 << 20)
    small(100)
    assert job.done == (32 << 20) + 100 and out.getvalue() == ""  # within the interval
    big.finish()
    small.finish()  # below FINAL_LINE_BYTES: no line
    job.finish(always=True)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"upload gs://b/rep1\.bam: 32\.0 MiB in [\d.]+ s, [\d,.]+ MiB/s", lines[0])
    assert lines[1].startswith("upload step step1_align: 32.0 MiB in ")
