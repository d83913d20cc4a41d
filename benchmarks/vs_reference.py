"""This workflow against the reference ENCODE `accession` 4.8.4 on the same real run, each
started with the same command line (`-m metadata.json -p mirna -s SERVER --lab --award`):
the reference's `accession`, and this project's `encode-accession accession`.

    .venv/bin/python benchmarks/vs_reference.py [--output bench.json] [--jobs 4]
        [--latency-ms 50] [--batch N] [--bytes MB] [--repeat K] [--via accession snakemake]
        [--cache-dir DIR] [--skip-reference]

The real replicated microRNA run (`../shared/fixtures/cromwell/mirna_replicated_metadata.json`,
12 planned files) is staged in a GCS emulator (every gs:// file of the run, a few bytes each;
the real STAR and Spearman QC JSONs where the run has them), and each tool accessions it into
its own fresh local portal (`encode-accession portal serve --tls --latency-ms 50`, uploads to a
moto S3 bucket) loaded with the same experiment, replicates, step versions and input files
(fastqs and references, with the md5s of the staged bytes). Reported per tool: wall time,
client CPU (user+sys of the tool's process tree from `os.wait4`; the portal runs in its own
process), portal requests per planned file (the portal's request log), the ratios ours /
reference against the issue's targets, and whether both portals hold the same files (md5,
output type) with the same derived_from (as md5s).

This workflow runs through `encode-accession accession` and through plain `snakemake -j`
(`--via`). Beside each wall time: the run's physical limit, its dependent request rounds (the
longest chain of requests in the portal's log each arriving a latency after the one before:
requests sent at once share a round, so concurrency is in it) x the latency, plus the
processes on its critical path x the start of a bare interpreter; and the CPU the portal
double (its server process) and the storage services (this process's threads) spent serving
the tool. `--batch N` also runs N copies of the run (each its own workflow id and output
bytes, the inputs shared) through `-l LIST` for both tools (`runs:` for snakemake) and
reports the CPU per extra run; `--bytes MB` makes the planned files MB megabytes on average
(a tenfold spread) and measures the services' own GCS-to-S3 copy rate beside the runs.
`--repeat K` interleaves K attempts per tool and reports the median.

Each tool runs from a venv of its own, built once in `--cache-dir` and reused. Ours holds the
default install (`pip install -e .`: no test extras, so Snakemake starts without the SLURM
executor plugin and pandas, as for a user who does not use SLURM; `--ours-python` picks
another interpreter). The reference's: `pip install --no-deps
accession==4.8.4`, then the pins its wheel's METADATA lists, plus `jsonschema<4.18` (the
`typing-extensions==3.7.4.2` pin breaks newer jsonschema's `referencing`). Its cloud clients
reach the loopback services through a `sitecustomize` (botocore 1.20 has no endpoint setting
in the environment; google-cloud-storage 1.28 asks google.auth for credentials even with
STORAGE_EMULATOR_HOST): endpoints and anonymous credentials only, its code is untouched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path[:0] = [str(Path(__file__).resolve().parent),
                str(Path(__file__).resolve().parents[1] / "tests")]

from harness import (  # noqa: E402
    SHARED,
    Measurement,
    ServedPortal,
    dependent_rounds,
    isolated_env,
    jobs_on_critical_path,
    measure,
    physical_limit,
    print_table,
    process_start_s,
    ratio,
    request_arrivals,
    served_portal,
)
from services import running_gcs_emulator, running_moto_s3  # noqa: E402

from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR  # noqa: E402
from encode_accession.demo.synthetic import step_version_objects  # noqa: E402
from encode_accession.localportal.demo import (  # noqa: E402
    DEMO_AWARD,
    DEMO_KEY_ID,
    DEMO_LAB,
    DEMO_REFERENCE,
    DEMO_SECRET,
)
from encode_accession.metadata.cromwell import load_metadata  # noqa: E402
from encode_accession.planning.plan import Plan, build_plan  # noqa: E402
from encode_accession.planning.steps import load_steps  # noqa: E402
from encode_accession.portal.client import PortalClient  # noqa: E402

REFERENCE = "accession==4.8.4"
RUN = "cromwell/mirna_replicated_metadata.json"
QC_FILES = "cromwell/mirna_qc"  # real QC outputs of this run, by file name
EXPERIMENT = "/experiments/ENCSR715NEZ/"
UPLOAD_BUCKET = "encode-files"
REPO = Path(__file__).resolve().parents[1]
SITECUSTOMIZE = '''"""Loopback endpoints for the reference tool (benchmarks/vs_reference.py)."""
import os

import boto3
import google.auth
from google.auth.credentials import AnonymousCredentials

_client = boto3.client


def _loopback_client(*args, **kwargs):
    kwargs.setdefault("endpoint_url", os.environ["BENCH_S3_ENDPOINT"])
    return _client(*args, **kwargs)


boto3.client = _loopback_client
google.auth.default = lambda *args, **kwargs: (AnonymousCredentials(), "bench")
'''


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    return Path(base) / "encode-accession-bench"


def reference_venv(cache_dir: Path) -> Path:
    """The `accession` executable of a venv holding the reference tool, built once."""
    venv = cache_dir / "accession-4.8.4-venv"
    executable = venv / "bin" / "accession"
    done = venv / ".complete"
    if done.exists():
        return executable
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    # Its sdists (flatdict) still import pkg_resources while building.
    subprocess.run([*pip, "setuptools<70", "wheel"], check=True)
    subprocess.run([*pip, "--no-deps", REFERENCE], check=True)
    requires = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m; print('\\n'.join(r for r in m.requires('accession')"
         " if 'extra ==' not in r))"], check=True, capture_output=True, text=True).stdout
    # "SQLAlchemy (==1.3.17)" -> "SQLAlchemy==1.3.17"
    pins = [line.replace(" ", "").replace("(", "").replace(")", "")
            for line in requires.splitlines() if line.strip()]
    subprocess.run([*pip, "--no-build-isolation", *pins, "jsonschema<4.18"], check=True)
    subprocess.run([str(executable), "--version"], check=True, capture_output=True)
    done.write_text("\n".join(pins))
    return executable


def user_venv(cache_dir: Path) -> Path:
    """The python of a venv holding this project as a user installs it (``pip install -e``,
    no test extras: no SLURM executor plugin or pandas for Snakemake to import at start),
    built once per checkout and pyproject.toml. Editable, so it runs this checkout's code
    (the path is in the key: another worktree's venv would run that worktree's code)."""
    digest = hashlib.sha256(str(REPO).encode() + (REPO / "pyproject.toml").read_bytes()
                            ).hexdigest()[:12]
    venv = cache_dir / f"encode-accession-{digest}-venv"
    python, done = venv / "bin" / "python", venv / ".complete"
    if not done.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(REPO)],
                       check=True)
        done.touch()
    return python


def gs_uris(value: Any) -> list[str]:
    """Every gs:// string in a metadata document, in order, once."""
    found: dict[str, None] = {}
    if isinstance(value, str) and value.startswith("gs://"):
        found[value] = None
    elif isinstance(value, dict):
        for v in value.values():
            found.update(dict.fromkeys(gs_uris(v)))
    elif isinstance(value, list):
        for v in value:
            found.update(dict.fromkeys(gs_uris(v)))
    return list(found)


@dataclass(frozen=True)
class Staged:
    """The run's copies in the GCS emulator: one metadata.json per copy (the first is the
    real run's own), the bytes of the portal inputs they share, and the planned bytes."""

    metadata: list[Path]
    inputs: dict[str, bytes]
    planned_files: int  # per copy
    planned_bytes: int  # per copy
    sample: list[str]  # the first copy's planned files, for the services' own copy rate


def file_sizes(count: int, mean_mb: float) -> list[int]:
    """``count`` sizes spread evenly over a tenfold range around ``mean_mb`` MB (e.g. 5-50
    MB around 25, as a run's signal tracks, BAMs and peaks differ)."""
    low, high = 2 * mean_mb / 11, 20 * mean_mb / 11
    step = (high - low) / max(count - 1, 1)
    return [int((low + i * step) * 1024 * 1024) for i in range(count)]


def stage_run(metadata: Path, plan: Plan, gcs_client: Any, folder: Path, copies: int = 1,
              size_mb: float = 0) -> Staged:
    """Put an object at every gs:// URI of ``copies`` copies of the run: the portal inputs
    once (the copies share them), every other output per copy under ``copyK/`` with its own
    bytes (real QC JSONs where the fixtures have them), the planned files ``size_mb`` MB on
    average when given (else a few bytes). Each copy after the first is its own workflow
    (id) in a metadata.json of its own."""
    qc_dir = SHARED / "fixtures" / QC_FILES
    text = metadata.read_text()
    inputs = set(plan.portal_inputs)
    planned = [f.uri for f in plan.files.values()]
    sizes = dict(zip(planned, file_sizes(len(planned), size_mb), strict=True)) if size_mb \
        else {}
    contents = {}

    def put(uri: str, content: bytes) -> None:
        bucket, name = uri[len("gs://"):].split("/", 1)
        gcs_client.bucket(bucket).blob(name).upload_from_string(content)

    uris = gs_uris(json.loads(text))
    for uri in uris:
        if uri in inputs:
            content = f"bench:{uri}\n".encode()
            put(uri, content)
            contents[uri] = content
    paths = []
    for copy in range(copies):
        def moved(uri: str, copy: int = copy) -> str:
            bucket, name = uri[len("gs://"):].split("/", 1)
            return uri if copy == 0 else f"gs://{bucket}/copy{copy}/{name}"
        for uri in uris:
            if uri in inputs:
                continue
            qc = qc_dir / Path(uri).name
            content = (qc.read_bytes() if qc.exists() else
                       os.urandom(sizes[uri]) if uri in sizes else
                       f"bench:{copy}:{uri}\n".encode())
            put(moved(uri), content)
        if copy == 0:
            paths.append(metadata)
            continue
        copied = text
        for uri in uris:
            if uri not in inputs:
                copied = copied.replace(f'"{uri}"', f'"{moved(uri)}"')
        doc = json.loads(copied)
        doc["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc['id']}/copy{copy}"))
        path = folder / "metadata" / f"copy{copy}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc))
        paths.append(path)
    planned_bytes = sum(sizes.values()) if sizes else 0
    return Staged(paths, contents, len(planned), planned_bytes, planned)


def services_copy_rate(gcs_client: Any, s3: Any, uris: list[str], workers: int = 4) -> float:
    """MB/s the storage services here move between each other on their own: the planned
    files read from the GCS emulator and written to moto S3, ``workers`` at a time (the
    ceiling an upload through them can reach)."""
    from concurrent.futures import ThreadPoolExecutor

    client = s3.client()

    def copy(uri: str) -> int:
        bucket, name = uri[len("gs://"):].split("/", 1)
        body = gcs_client.bucket(bucket).blob(name).download_as_bytes()
        client.put_object(Bucket=UPLOAD_BUCKET, Key=f"bench-copy/{name}", Body=body)
        return len(body)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        moved = sum(pool.map(copy, uris))
    return moved / (1024 * 1024) / (time.perf_counter() - start)


def portal_objects(plan: Plan, contents: dict[str, bytes]) -> list[dict[str, Any]]:
    """The experiment with two released replicates, the steps' analysis step versions, and
    every input the run's files derive from (raw fastqs on the experiment; references, with
    assembly and genome annotation, on the demo Reference), with the staged bytes' md5s."""
    import hashlib

    common = {"lab": DEMO_LAB, "award": DEMO_AWARD, "date_created": "2024-01-01T00:00:00+00:00"}
    objects: list[dict[str, Any]] = [
        {"@id": EXPERIMENT, "@type": ["Experiment", "Dataset", "Item"],
         "accession": "ENCSR715NEZ", "assay_term_name": "microRNA-seq",
         "biosample_ontology": "/biosample-types/tissue_UBERON_0002107/",
         "status": "in progress", **common}]
    replicates = {n: f"/replicates/{uuid.uuid5(uuid.NAMESPACE_URL, f'{EXPERIMENT}{n}')}/"
                  for n in (1, 2)}
    objects += [{"@id": replicates[n], "@type": ["Replicate", "Item"], "experiment": EXPERIMENT,
                 "biological_replicate_number": n, "technical_replicate_number": 1,
                 "status": "released"} for n in (1, 2)]
    objects += step_version_objects(plan.steps_file)
    raw_keys = set(plan.steps_file.raw_fastqs_keys)
    for n, uri in enumerate(plan.portal_inputs):
        raw = bool(set(plan.workflow.files[uri].keys) & raw_keys)
        # a raw fastq is of the replicate its consuming shard is (shard 0: replicate 1), so
        # the files made from it get that replicate through derived_from, as on the portal
        shard = next((c.shard for c in plan.workflow.files[uri].consumers if c.shard >= 0), 0)
        kind = ({"dataset": EXPERIMENT, "file_format": "fastq", "output_type": "reads",
                 "replicate": replicates[shard + 1]} if raw
                else {"dataset": DEMO_REFERENCE, "file_format": "tar",
                      "output_type": "genome index", "assembly": "mm10",
                      "genome_annotation": "M21"})
        accession = f"TSTFF{800000 + n}"
        objects.append({"@id": f"/files/{accession}/", "@type": ["File", "Item"],
                        "accession": accession, "md5sum": hashlib.md5(contents[uri]).hexdigest(),
                        "file_size": len(contents[uri]), "submitted_file_name": uri,
                        "status": "released", **common, **kind})
    return objects


def posted_files(url: str, ca_bundle: Path | None) -> set[tuple[str, str, tuple[str, ...]]]:
    """(md5, output_type, parents' md5s) of every file a run posted (those with a step_run)."""
    portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET,
                          ca_bundle=str(ca_bundle) if ca_bundle else None)
    files = portal.search("File")
    md5_of = {f["@id"]: f.get("md5sum", "?") for f in files}
    return {(f["md5sum"], f["output_type"], tuple(sorted(md5_of.get(p, p)
                                                         for p in f.get("derived_from", []))))
            for f in files if f.get("step_run")}


def calculated_gaps(url: str, ca_bundle: Path | None) -> dict[str, int]:
    """What the portal calculates and a run's objects lack: posted files without
    biological/technical replicates, quality metrics without the assay's term id."""
    portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET,
                          ca_bundle=str(ca_bundle) if ca_bundle else None)
    files = [f for f in portal.search("File") if f.get("step_run")]
    qcs = portal.search("QualityMetric")
    return {"files_without_replicates": sum(1 for f in files if not f.get(
                "biological_replicates") or not f.get("technical_replicates")),
            "qcs_without_assay_term_id": sum(1 for q in qcs if not q.get("assay_term_id")),
            "qcs": len(qcs)}


@dataclass(frozen=True)
class Tool:
    """One way of accessioning the runs: a name, its command for a list of metadata files in
    a working folder (against a served portal), and its processes on a run's critical path
    besides the command itself (read from the results once it ran)."""

    name: str
    command: Callable[[ServedPortal, Path, list[Path]], list[str]]
    env: dict[str, str]
    jobs_on_path: Callable[[Path], int] = lambda work: 0


def run_tool(tool: Tool, folder: Path, objects: Path, items: list[Path], s3: Any,
             latency_ms: float, planned: int, start_s: float,
             then: Callable[[ServedPortal], dict[str, Any]] | None = None) -> dict[str, Any]:
    """One tool against its own fresh portal: the measurement, what it posted, what the
    double and the storage services cost meanwhile, and its physical limit; ``then`` runs
    on the same portal afterwards (its result goes under "then")."""
    work = folder / tool.name
    work.mkdir(parents=True)
    with served_portal(work / "portal", latency_ms=latency_ms, tls=True, load=[objects],
                       s3_endpoint=s3.endpoint_url, s3_bucket=UPLOAD_BUCKET) as portal:
        assert portal.ca_bundle is not None
        env = {**tool.env, "REQUESTS_CA_BUNDLE": str(portal.ca_bundle)}
        portal_before, services_before = portal.cpu_s(), _own_cpu_s()
        result = measure(tool.command(portal, work, items), env=env, cwd=work,
                         log=work / f"{tool.name}.log")
        portal_cpu, services_cpu = portal.cpu_s() - portal_before, \
            _own_cpu_s() - services_before
        requests = portal.requests()
        rounds = dependent_rounds(request_arrivals(portal.request_log), latency_ms / 1000)
        posted = posted_files(portal.url, portal.ca_bundle) if result.returncode == 0 else set()
        gaps = calculated_gaps(portal.url, portal.ca_bundle) if result.returncode == 0 else {}
        after = then(portal) if then and result.returncode == 0 else None
    processes = 1 + (tool.jobs_on_path(work) if result.returncode == 0 else 0)
    limit = physical_limit(rounds, latency_ms / 1000, processes, start_s)
    return {**report(result, requests, planned, posted), **gaps,
            "portal_cpu_s": round(portal_cpu, 2), "services_cpu_s": round(services_cpu, 2),
            "dependent_rounds": rounds, "processes_on_path": processes,
            "limit_s": round(limit, 2), "wall_over_limit": ratio(result.wall_s, limit),
            **({"then": after} if after else {})}


def _own_cpu_s() -> float:
    """This process's CPU: the GCS emulator and moto S3 serve from its threads."""
    times = os.times()
    return times.user + times.system


KINDS = ("File", "QualityMetric", "AnalysisStepRun", "Analysis", "Document")


def ours_after(tool: Tool, items: list[Path], folder: Path
               ) -> Callable[[ServedPortal], dict[str, Any]]:
    """This project's run on a portal the reference already accessioned the run to: what it
    adds (it must find the reference's files and QCs, not post them again)."""
    def check(portal: ServedPortal) -> dict[str, Any]:
        client = PortalClient(portal.url, DEMO_KEY_ID, DEMO_SECRET,
                              ca_bundle=str(portal.ca_bundle))

        def counts() -> dict[str, int]:
            return {kind: len(client.search(kind, None, fields=["@id"])) for kind in KINDS}

        before = counts()
        work = folder / "ours-after-reference"
        work.mkdir()
        result = measure(tool.command(portal, work, items),
                         env={**tool.env, "REQUESTS_CA_BUNDLE": str(portal.ca_bundle)},
                         cwd=work, log=work / "ours.log")
        after = counts()
        return {"ok": result.returncode == 0,
                "created": {kind: after[kind] - before[kind] for kind in KINDS},
                "log_tail": None if result.returncode == 0 else result.tail()}
    return check


def report(result: Measurement, requests: Any, planned: int, posted: set) -> dict[str, Any]:
    total = sum(requests.values())
    return {"ok": result.returncode == 0, "wall_s": round(result.wall_s, 2),
            "cpu_s": round(result.cpu_s, 2), "requests": total,
            "requests_by_method": dict(requests), "planned_files": planned,
            "requests_per_file": round(total / planned, 2), "files_posted": len(posted),
            "log_tail": None if result.returncode == 0 else result.tail(), "_posted": posted}


def metadata_args(work: Path, items: list[Path]) -> list[str]:
    """``-m METADATA`` for one run, ``-l LIST`` (written in ``work``) for several: both tools
    take the same flags."""
    if len(items) == 1:
        return ["-m", str(items[0])]
    listing = work / "metadata-list.txt"
    listing.write_text("".join(f"{item}\n" for item in items))
    return ["-l", str(listing)]


def our_command(python: Path, jobs: int
                ) -> Callable[[ServedPortal, Path, list[Path]], list[str]]:
    """This project's `encode-accession accession` with the reference's own flags (it runs
    the Snakemake workflow through Snakemake's API), from a fresh working directory."""
    def command(portal: ServedPortal, work: Path, items: list[Path]) -> list[str]:
        return [str(python), "-m", "encode_accession", "accession", *metadata_args(work, items),
                "-p", "mirna", "-s", portal.url, "--lab", DEMO_LAB, "--award", DEMO_AWARD,
                "-j", str(jobs), "-C", str(work)]
    return command


def snakemake_command(python: Path, jobs: int
                      ) -> Callable[[ServedPortal, Path, list[Path]], list[str]]:
    """Plain `snakemake -j JOBS` on this workflow with the config the same flags mean (one
    run, or the runs as `runs:`), from a fresh working directory."""
    def command(portal: ServedPortal, work: Path, items: list[Path]) -> list[str]:
        config: dict[str, Any] = {"server": portal.url, "lab": DEMO_LAB, "award": DEMO_AWARD,
                                  "pipeline": "mirna", "tracker_db": str(work / "tracker.db")}
        if len(items) == 1:
            config["metadata"] = str(items[0])
        else:
            config["runs"] = {f"run{n}": {"metadata": str(item)} for n, item in enumerate(items)}
        (work / "config.yaml").write_text(yaml.safe_dump(config))
        return [str(python), "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-j", str(jobs),
                "--configfile", str(work / "config.yaml"), "-d", str(work)]
    return command


def reference_command(executable: Path
                      ) -> Callable[[ServedPortal, Path, list[Path]], list[str]]:
    """`accession -m metadata.json -p mirna -s HOST:PORT --lab --award` (`-l LIST` for
    several runs), as documented."""
    def command(portal: ServedPortal, work: Path, items: list[Path]) -> list[str]:
        return [str(executable), *metadata_args(work, items), "-p", "mirna",
                "-s", portal.url.removeprefix("https://"), "--lab", DEMO_LAB,
                "--award", DEMO_AWARD, "--no-log-file"]
    return command


TARGETS = {"single": {"wall": 0.25, "cpu": 0.4}, "batch": {"wall": 0.1, "cpu": 0.5},
           "bytes": {"wall": 0.4}, "cpu_per_extra_run_s": 1.2, "wall_over_limit": 2.5,
           "upload_share_of_services": 0.9, "requests_per_file": 4.0}


def compare(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Stage the run (and its copies) once, then each tool against its own fresh portal, the
    tools interleaved, ``--repeat`` times: the single run, and the batch with ``--batch``."""
    batch, size_mb = getattr(args, "batch", 1), getattr(args, "bytes", 0)
    repeat = getattr(args, "repeat", 1)
    via = getattr(args, "via", ["accession", "snakemake"])
    metadata = SHARED / "fixtures" / RUN
    plan = build_plan(load_metadata(metadata), load_steps(RULES_DIR / "mirna.yaml"))
    with running_gcs_emulator(bucket="encode-processing") as gcs, \
            running_moto_s3(bucket=UPLOAD_BUCKET) as s3:
        staged = stage_run(metadata, plan, gcs.client(), folder, max(batch, 1), size_mb)
        objects = folder / "portal_objects.json"
        objects.write_text(json.dumps(portal_objects(plan, staged.inputs)))
        cloud = {"STORAGE_EMULATOR_HOST": gcs.endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                 "AWS_EC2_METADATA_DISABLED": "true"}
        python = args.ours_python or user_venv(args.cache_dir)
        tools = [Tool("ours" if name == "accession" else "ours-snakemake",
                      our_command(python, args.jobs) if name == "accession"
                      else snakemake_command(python, args.jobs),
                      isolated_env(folder / f"home-{name}", **cloud), jobs_on_critical_path)
                 for name in via]
        if not args.skip_reference:
            executable = reference_venv(args.cache_dir)
            shim = folder / "reference-shim"
            shim.mkdir()
            (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
            tools.append(Tool("reference", reference_command(executable),
                              isolated_env(folder / "home-reference", **cloud,
                                           PYTHONPATH=str(shim),
                                           BENCH_S3_ENDPOINT=s3.endpoint_url)))
        start_s = process_start_s(python)
        services = services_copy_rate(gcs.client(), s3, staged.sample) if size_mb else None
        scenarios = {"single": staged.metadata[:1],
                     **({"batch": staged.metadata} if batch > 1 else {})}
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            scenario: {t.name: [] for t in tools} for scenario in scenarios}
        for attempt in range(repeat):
            for scenario, items in scenarios.items():
                for tool in tools:
                    then = None
                    if tool.name == "reference" and scenario == "single" and attempt == 0 \
                            and tools[0].name != "reference":
                        then = ours_after(tools[0], items, folder / f"{scenario}-{attempt}")
                    runs[scenario][tool.name].append(run_tool(
                        tool, folder / f"{scenario}-{attempt}", objects, items, s3,
                        args.latency_ms, staged.planned_files * len(items), start_s, then))
    return summarize(runs, staged, start_s, services, args.latency_ms)


def median_run(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The attempt with the median wall time (its own numbers, not a blend), and the spread."""
    ordered = sorted(results, key=lambda r: r["wall_s"])
    chosen = dict(ordered[len(ordered) // 2])
    if len(results) > 1:
        chosen["wall_s_all"] = [r["wall_s"] for r in results]
        chosen["cpu_s_all"] = [r["cpu_s"] for r in results]
    return chosen


def summarize(runs: dict[str, dict[str, list[dict[str, Any]]]], staged: Staged,
              start_s: float, services_mb_s: float | None, latency_ms: float
              ) -> dict[str, Any]:
    summary: dict[str, Any] = {"run": RUN, "targets": TARGETS, "latency_ms": latency_ms,
                               "process_start_s": round(start_s, 3),
                               "load_average": os.getloadavg()}  # wall times are noisy
    meets: dict[str, bool] = {}
    for scenario, tools in runs.items():
        chosen = {name: median_run(results) for name, results in tools.items()}
        reference = chosen.get("reference")
        block: dict[str, Any] = {}
        for name, tool in chosen.items():
            if reference and name != "reference":
                tool["ratios"] = {"wall": ratio(tool["wall_s"], reference["wall_s"]),
                                  "cpu": ratio(tool["cpu_s"], reference["cpu_s"])}
                if reference["ok"] and tool["ok"]:
                    tool["same_files_and_derived_from"] = \
                        tool["_posted"] == reference["_posted"] and bool(tool["_posted"])
                key = "bytes" if staged.planned_bytes and scenario == "single" else scenario
                for kind, target in TARGETS[key].items():
                    meets[f"{scenario} {name} {kind}"] = \
                        tool["ratios"][kind] is not None and tool["ratios"][kind] <= target
            if staged.planned_bytes and tool["ok"]:
                moved = staged.planned_bytes * (len(staged.metadata) if scenario == "batch"
                                                else 1) / (1024 * 1024)
                tool["mb_per_wall_s"] = round(moved / tool["wall_s"], 1)
            if name != "reference" and scenario == "single" and tool["ok"]:
                meets[f"single {name} wall_over_limit"] = \
                    tool["wall_over_limit"] is not None and \
                    tool["wall_over_limit"] <= TARGETS["wall_over_limit"]
                meets[f"single {name} requests_per_file"] = \
                    tool["requests_per_file"] <= TARGETS["requests_per_file"]
            block[name] = tool
        summary[scenario] = block
    if "batch" in runs:
        copies = len(staged.metadata)
        extra = {name: round((summary["batch"][name]["cpu_s"] - summary["single"][name]["cpu_s"])
                             / (copies - 1), 2) for name in summary["batch"]}
        summary["cpu_per_extra_run_s"] = extra
        for name, cpu in extra.items():
            if name != "reference":
                meets[f"cpu_per_extra_run {name}"] = cpu <= TARGETS["cpu_per_extra_run_s"]
    if services_mb_s is not None:
        summary["services_copy_mb_s"] = round(services_mb_s, 1)
    summary["meets"] = meets
    for block in (summary[s] for s in runs):
        for tool in block.values():
            tool.pop("_posted")
    return summary


ROWS = (("wall_s", "wall s"), ("cpu_s", "client CPU s"), ("limit_s", "physical limit s"),
        ("wall_over_limit", "wall / limit"), ("dependent_rounds", "dependent request rounds"),
        ("processes_on_path", "processes on the path"), ("requests", "portal requests"),
        ("requests_per_file", "requests/file"), ("files_posted", "files posted"),
        ("portal_cpu_s", "portal double CPU s"), ("services_cpu_s", "GCS+S3 services CPU s"),
        ("mb_per_wall_s", "MB per wall s"))


def print_summary(summary: dict[str, Any]) -> None:
    for scenario in ("single", "batch"):
        block = summary.get(scenario)
        if not block:
            continue
        tools = list(block)
        compared = [t for t in tools if "ratios" in block[t]]
        rows = [("", *tools, *(f"{t}/reference" for t in compared))]
        for key, label in ROWS:
            if not any(key in block[t] for t in tools):
                continue
            row = [label, *(str(block[t].get(key, "")) for t in tools)]
            short = {"wall_s": "wall", "cpu_s": "cpu"}.get(key)
            row += [str(block[t]["ratios"][short]) if short else "" for t in compared]
            rows.append(tuple(row))
        runs = block[tools[0]]["planned_files"] // 12
        print_table(f"{summary['run']} x {runs} ({scenario}, {summary['latency_ms']:.0f} ms "
                    f"latency; load {', '.join(f'{x:.1f}' for x in summary['load_average'])})",
                    rows)
        for t in compared:
            if "same_files_and_derived_from" in block[t]:
                print(f"  {t}: same files (md5, output_type) and derived_from as the "
                      f"reference: {block[t]['same_files_and_derived_from']}")
        after = block.get("reference", {}).get("then")
        if after:
            print(f"  this workflow after the reference on the reference's portal: "
                  f"{'ok' if after['ok'] else 'FAILED'}, new objects {after['created']}")
            if not after["ok"]:
                print(after["log_tail"])
        for t in tools:
            if not block[t]["ok"]:
                print(f"  {t} FAILED:\n{block[t]['log_tail']}")
    if "cpu_per_extra_run_s" in summary:
        print(f"  CPU-s per extra run of the batch: {summary['cpu_per_extra_run_s']} "
              f"(target <= {TARGETS['cpu_per_extra_run_s']})")
    if "services_copy_mb_s" in summary:
        print(f"  the storage services' own copy rate (GCS emulator -> moto S3): "
              f"{summary['services_copy_mb_s']} MB/s")
    print(f"  physical limit = dependent request rounds x {summary['latency_ms']:.0f} ms + "
          f"processes on the path x {summary['process_start_s']} s (a bare interpreter)")
    print(f"  meets: {summary['meets']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    parser.add_argument("--jobs", type=int, default=4, help="snakemake -j for this workflow")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--batch", type=int, default=1, metavar="N",
                        help="also N copies of the run through -l LIST (runs: for snakemake)")
    parser.add_argument("--bytes", type=float, default=0, metavar="MB",
                        help="planned files of MB megabytes on average (a tenfold spread)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="interleaved attempts per tool; the median is reported")
    parser.add_argument("--via", nargs="+", choices=("accession", "snakemake"),
                        default=["accession", "snakemake"],
                        help="this workflow through `encode-accession accession`, plain "
                             "`snakemake -j`, or both")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(),
                        help="where the reference venv is built once and reused")
    parser.add_argument("--ours-python", type=Path,
                        help="the python to run this project with (default: a venv of the "
                             "default install, built once in --cache-dir)")
    parser.add_argument("--skip-reference", action="store_true",
                        help="measure this workflow only")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
    if not (SHARED / "fixtures" / RUN).exists():
        print(f"{SHARED / 'fixtures' / RUN} is not there; nothing to measure", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="vs-reference-") as tmp:
        summary = compare(args, Path(tmp))
    print_summary(summary)
    if args.output:
        args.output.write_text(json.dumps(summary, indent=2))
    return 0 if all(t["ok"] for s in ("single", "batch") for t in summary.get(s, {}).values()) \
        else 1


if __name__ == "__main__":
    sys.exit(main())
