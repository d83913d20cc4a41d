"""How long parsing a Cromwell metadata.json and planning take.

Baseline: ``json.loads`` of the same text (the cost no parser can avoid). Runs on the largest
real fixture (when ../shared is present) and on a synthetic run with 5,000 calls.

    .venv/bin/python benchmarks/plan_speed.py [--calls 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from encode_accession.metadata.cromwell import parse_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps, parse_steps

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO.parent / "shared/fixtures/cromwell/ENCSR609OHJ_metadata_2reps.json"
CHAIN = ("align", "filter", "bam2ta", "signal", "peaks")


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_run(calls: int) -> dict:
    """``calls // 5`` replicates, each a 5-task chain, plus shared reference inputs."""
    shards = calls // len(CHAIN)
    data: dict[str, list] = {f"wf.{t}": [] for t in CHAIN}
    for s in range(shards):
        previous = {"fastqs_R1": [f"gs://in/r{s}_R1.fq.gz"], "idx_tar": "gs://ref/idx.tar"}
        for task in CHAIN:
            out = {task: f"gs://run/call-{task}/shard-{s}/{task}.out"}
            data[f"wf.{task}"].append({"shardIndex": s, "attempt": 1, "executionStatus": "Done",
                                       "dockerImageUsed": "img:v1", "inputs": previous,
                                       "outputs": out})
            previous = {"in": out[task], "blacklist": "gs://ref/blacklist.bed.gz"}
    return {"id": "synthetic", "workflowName": "wf", "calls": data}


def synthetic_steps() -> dict:
    steps = []
    for i, task in enumerate(CHAIN[1:], start=1):
        parents = [{"derived_from_task": CHAIN[i - 1], "derived_from_filekey": CHAIN[i - 1]},
                   {"derived_from_task": "align", "derived_from_filekey": "fastqs_R1",
                    "derived_from_inputs": True}]
        steps.append({"dcc_step_run": f"{task}-run", "wdl_task_name": task, "wdl_files": [
            {"filekey": task, "file_format": "bed", "output_type": "peaks",
             "derived_from_files": parents}]})
    return {"accession.steps": steps}


def measure(label: str, text: str, steps, repeat: int) -> None:
    baseline = best(lambda: json.loads(text), repeat)
    parse = best(lambda: parse_metadata(json.loads(text)), repeat)
    workflow = parse_metadata(json.loads(text))
    plan_time = best(lambda: build_plan(workflow, steps), repeat)
    files = len(build_plan(workflow, steps).files)
    calls = sum(len(v) for v in workflow.calls.values())
    print(f"{label}: {len(text) / 1e3:.0f} KB, {calls} calls, {files} planned files")
    print(f"  json.loads (baseline) {baseline * 1e3:8.1f} ms")
    print(f"  load + parse          {parse * 1e3:8.1f} ms  ({parse / baseline:.1f}x baseline)")
    ratio = plan_time / baseline
    print(f"  plan                  {plan_time * 1e3:8.1f} ms  ({ratio:.1f}x baseline)")
    print(f"  total                 {(parse + plan_time) * 1e3:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if FIXTURE.exists():
        measure("real ATAC run (ENCSR609OHJ)", FIXTURE.read_text(),
                load_steps(REPO / "tests/data/atac_v1_steps.yaml"), args.repeat)
    else:
        print("(../shared absent: skipping the real fixture)")
    measure(f"synthetic run, {args.calls} calls", json.dumps(synthetic_run(args.calls)),
            parse_steps(synthetic_steps(), "synthetic"), args.repeat)


if __name__ == "__main__":
    main()
