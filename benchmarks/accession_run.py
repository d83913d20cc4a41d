"""Accession a synthetic 40-file run with real Snakemake against the local portal over HTTP
with injected latency, at -j 1 (the baseline) and -j 4, and count portal requests per file.

    .venv/bin/python benchmarks/accession_run.py [--files 40] [--latency-ms 50]

Each measurement uses a fresh portal database and results folder; requests are counted by a
WSGI middleware around the portal, so they include every job process.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from encode_accession.localportal import FaultConfig, Faults, LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET, demo_content
from encode_accession.localportal.server import create_server

REPO = Path(__file__).resolve().parents[1]
STEP_VERSION = "/analysis-step-versions/atac-seq-alignment-step-v-2-1/"


class CountingApp:
    """Counts requests by method before handing them to the portal."""

    def __init__(self, app: PortalApp) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.counts[environ["REQUEST_METHOD"]] += 1
        return self.app(environ, start_response)


def synthetic_run(folder: Path, files: int) -> tuple[Path, Path]:
    """``files // 2`` replicates of align -> filter, each output one planned file."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    names = ("rep1_R1.fastq.gz", "rep1_R2.fastq.gz", "GRCh38_bowtie2_index.tar")
    for name in names:
        (inputs / name).write_bytes(demo_content(name))
    calls: dict[str, list] = {"bench.align": [], "bench.filter": []}
    for shard in range(files // 2):
        outs = {}
        for task, key in (("align", "bam"), ("filter", "nodup_bam")):
            out = folder / f"call-{task}" / f"shard-{shard}" / f"{key}.bam"
            out.parent.mkdir(parents=True)
            out.write_bytes(f"{task} {shard}\n".encode() * 1000)
            outs[task] = str(out)
        calls["bench.align"].append(_call(shard, {
            "fastqs_R1": [str(inputs / names[0])], "fastqs_R2": [str(inputs / names[1])],
            "idx_tar": str(inputs / names[2])}, {"bam": outs["align"]}))
        calls["bench.filter"].append(_call(shard, {"bam": outs["align"]},
                                           {"nodup_bam": outs["filter"]}))
    metadata = folder / "metadata.json"
    metadata.write_text(json.dumps({"id": "b3nch000-0000-4000-8000-000000000040",
                                    "workflowName": "bench", "calls": calls}))
    parents = [{"derived_from_task": "align", "derived_from_filekey": k,
                "derived_from_inputs": True} for k in ("idx_tar", "fastqs_R1", "fastqs_R2")]
    steps = folder / "steps.yaml"
    steps.write_text(yaml.safe_dump({"raw_fastqs_keys": ["fastqs_R1"], "accession.steps": [
        {"dcc_step_run": "bench-align", "dcc_step_version": STEP_VERSION,
         "wdl_task_name": "align", "wdl_files": [{"filekey": "bam", "file_format": "bam",
                                                  "output_type": "unfiltered alignments",
                                                  "derived_from_files": parents}]},
        {"dcc_step_run": "bench-filter", "dcc_step_version": STEP_VERSION,
         "wdl_task_name": "filter", "wdl_files": [{
             "filekey": "nodup_bam", "file_format": "bam", "output_type": "alignments",
             "derived_from_files": [{"derived_from_task": "align",
                                     "derived_from_filekey": "bam"}, *parents]}]}]}))
    return metadata, steps


def _call(shard: int, inputs: dict, outputs: dict) -> dict:
    return {"shardIndex": shard, "attempt": 1, "executionStatus": "Done",
            "dockerImageUsed": "bench:v1", "inputs": inputs, "outputs": outputs}


def measure(folder: Path, metadata: Path, steps: Path, jobs: int, latency_ms: float
            ) -> tuple[float, Counter[str]]:
    work = folder / f"j{jobs}"
    work.mkdir()
    app = CountingApp(PortalApp(LocalPortal(work / "portal.sqlite"),
                                Faults(FaultConfig(latency_ms=latency_ms))))
    server, url, _ = create_server(app, "127.0.0.1", 0)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({
        "metadata": str(metadata), "steps": str(steps), "server": url, "lab": "encode-awg",
        "award": "DEMO-AWARD", "results": "results",
        "tracker_db": str(work / "tracker.db")}))
    # everything the run writes stays in the temporary folder, $HOME included
    env = {**os.environ, "DCC_API_KEY": DEMO_KEY_ID, "DCC_SECRET_KEY": DEMO_SECRET,
           "HOME": str(folder / "home"), "XDG_CACHE_HOME": str(folder / "home" / ".cache")}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
                             "-d", str(work), "--configfile", str(config), "-j", str(jobs), "-q"],
                            capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    server.shutdown()
    if result.returncode != 0:
        sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
    return elapsed, app.counts


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--latency-ms", type=float, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        metadata, steps = synthetic_run(folder / "run", args.files)
        baseline, counts = measure(folder, metadata, steps, 1, args.latency_ms)
        parallel, counts4 = measure(folder, metadata, steps, 4, args.latency_ms)
    total = sum(counts.values())
    print(f"{args.files} files, {args.latency_ms:.0f} ms injected latency per request")
    print(f"  -j 1 (baseline): {baseline:6.1f} s")
    print(f"  -j 4:            {parallel:6.1f} s  ({baseline / parallel:.2f}x faster)")
    print(f"  portal requests: {total} ({total / args.files:.1f} per file; "
          + ", ".join(f"{m} {n}" for m, n in sorted(counts.items())) + ")")
    assert sum(counts4.values()) == total, "the request count should not depend on -j"


if __name__ == "__main__":
    main()
