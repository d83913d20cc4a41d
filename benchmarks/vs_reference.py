"""This workflow against the reference ENCODE `accession` 4.8.4 on the same real run, each
started with the same command line (`-m metadata.json -p mirna -s SERVER --lab --award`):
the reference's `accession`, and this project's `encode-accession accession`.

    .venv/bin/python benchmarks/vs_reference.py [--output bench.json] [--jobs 4]
        [--latency-ms 50] [--cache-dir DIR] [--skip-reference]

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
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent),
                str(Path(__file__).resolve().parents[1] / "tests")]

from harness import (  # noqa: E402
    SHARED,
    Measurement,
    ServedPortal,
    isolated_env,
    measure,
    print_table,
    ratio,
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
TARGETS = {"wall": 0.5, "cpu": 1.0, "requests_per_file": 4.0}
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
    built once per pyproject.toml. Editable, so it runs this checkout's code."""
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()[:12]
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


def stage_run(metadata: Path, gcs_client: Any) -> dict[str, bytes]:
    """Put a small object at every gs:// URI of the run (real QC JSONs where the fixtures
    have them, unique bytes elsewhere); returns URI -> bytes."""
    qc_dir = SHARED / "fixtures" / QC_FILES
    contents: dict[str, bytes] = {}
    for uri in gs_uris(json.loads(metadata.read_text())):
        bucket, name = uri[len("gs://"):].split("/", 1)
        qc = qc_dir / Path(name).name
        content = qc.read_bytes() if qc.exists() else f"bench:{name}\n".encode()
        gcs_client.bucket(bucket).blob(name).upload_from_string(content)
        contents[uri] = content
    return contents


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


def run_tool(name: str, folder: Path, objects: Path,
             command: Callable[[ServedPortal, Path], list[str]], env: dict[str, str],
             s3: Any, latency_ms: float, planned: int,
             then: Callable[[ServedPortal], dict[str, Any]] | None = None) -> dict[str, Any]:
    """One tool against its own fresh portal: the measurement and what it posted; ``then``
    runs on the same portal afterwards (its result goes under "then")."""
    work = folder / name
    work.mkdir(parents=True)
    with served_portal(work / "portal", latency_ms=latency_ms, tls=True, load=[objects],
                       s3_endpoint=s3.endpoint_url, s3_bucket=UPLOAD_BUCKET) as portal:
        assert portal.ca_bundle is not None
        env = {**env, "REQUESTS_CA_BUNDLE": str(portal.ca_bundle)}
        result = measure(command(portal, work), env=env, cwd=work, log=work / f"{name}.log")
        requests = portal.requests()
        posted = posted_files(portal.url, portal.ca_bundle) if result.returncode == 0 else set()
        gaps = calculated_gaps(portal.url, portal.ca_bundle) if result.returncode == 0 else {}
        after = then(portal) if then and result.returncode == 0 else None
    return {**report(result, requests, planned, posted), **gaps,
            **({"then": after} if after else {})}


KINDS = ("File", "QualityMetric", "AnalysisStepRun", "Analysis", "Document")


def ours_after(python: Path, metadata: Path, jobs: int, env: dict[str, str], folder: Path
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
        result = measure(our_command(python, metadata, jobs)(portal, work),
                         env={**env, "REQUESTS_CA_BUNDLE": str(portal.ca_bundle)}, cwd=work,
                         log=work / "ours.log")
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


def our_command(python: Path, metadata: Path, jobs: int
                ) -> Callable[[ServedPortal, Path], list[str]]:
    """This project's `encode-accession accession` with the reference's own flags (it runs
    the Snakemake workflow through Snakemake's API), from a fresh working directory."""
    def command(portal: ServedPortal, work: Path) -> list[str]:
        return [str(python), "-m", "encode_accession", "accession", "-m", str(metadata),
                "-p", "mirna", "-s", portal.url, "--lab", DEMO_LAB, "--award", DEMO_AWARD,
                "-j", str(jobs), "-C", str(work)]
    return command


def reference_command(executable: Path, metadata: Path
                      ) -> Callable[[ServedPortal, Path], list[str]]:
    """`accession -m metadata.json -p mirna -s HOST:PORT --lab --award`, as documented."""
    def command(portal: ServedPortal, work: Path) -> list[str]:
        return [str(executable), "-m", str(metadata), "-p", "mirna",
                "-s", portal.url.removeprefix("https://"), "--lab", DEMO_LAB,
                "--award", DEMO_AWARD, "--no-log-file"]
    return command


def compare(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Stage the run once, then each tool against its own fresh portal."""
    metadata = SHARED / "fixtures" / RUN
    plan = build_plan(load_metadata(metadata), load_steps(RULES_DIR / "mirna.yaml"))
    with running_gcs_emulator(bucket="encode-processing") as gcs, \
            running_moto_s3(bucket=UPLOAD_BUCKET) as s3:
        contents = stage_run(metadata, gcs.client())
        objects = folder / "portal_objects.json"
        objects.write_text(json.dumps(portal_objects(plan, contents)))
        cloud = {"STORAGE_EMULATOR_HOST": gcs.endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                 "AWS_EC2_METADATA_DISABLED": "true"}
        planned = len(plan.files)
        python = args.ours_python or user_venv(args.cache_dir)
        results = {"ours": run_tool("ours", folder, objects,
                                    our_command(python, metadata, args.jobs),
                                    isolated_env(folder / "home-ours", **cloud), s3,
                                    args.latency_ms, planned)}
        if not args.skip_reference:
            executable = reference_venv(args.cache_dir)
            shim = folder / "reference-shim"
            shim.mkdir()
            (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
            env = isolated_env(folder / "home-reference", **cloud, PYTHONPATH=str(shim),
                               BENCH_S3_ENDPOINT=s3.endpoint_url)
            ours_env = isolated_env(folder / "home-ours-after", **cloud)
            results["reference"] = run_tool("reference", folder, objects,
                                            reference_command(executable, metadata), env, s3,
                                            args.latency_ms, planned,
                                            then=ours_after(python, metadata, args.jobs, ours_env,
                                                            folder))
    return summarize(results)


def summarize(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ours, reference = results["ours"], results.get("reference")
    summary: dict[str, Any] = {"run": RUN, "targets": TARGETS,
                               "load_average": os.getloadavg()}  # wall times are noisy under load
    if reference:
        same = ours["_posted"] == reference["_posted"]
        summary["ratios"] = {"wall": ratio(ours["wall_s"], reference["wall_s"]),
                             "cpu": ratio(ours["cpu_s"], reference["cpu_s"])}
        summary["same_files_and_derived_from"] = same and bool(ours["_posted"])
        summary["only_ours"] = sorted(map(list, ours["_posted"] - reference["_posted"]))
        summary["only_reference"] = sorted(map(list, reference["_posted"] - ours["_posted"]))
    summary["meets"] = {
        "requests_per_file": ours["requests_per_file"] <= TARGETS["requests_per_file"],
        **({k: v is not None and v <= TARGETS[k] for k, v in summary["ratios"].items()}
           if reference else {})}
    for tool in results.values():
        tool.pop("_posted")
    return {**summary, **results}


def print_summary(summary: dict[str, Any]) -> None:
    tools = [t for t in ("ours", "reference") if t in summary]
    rows = [("", *tools, *(["ours/reference", "target"] if "reference" in summary else []))]
    for key, label in (("wall_s", "wall s"), ("cpu_s", "client CPU s"),
                       ("requests", "portal requests"), ("requests_per_file", "requests/file"),
                       ("files_posted", "files posted")):
        row = [label, *(str(summary[t][key]) for t in tools)]
        if "reference" in summary:
            short = {"wall_s": "wall", "cpu_s": "cpu"}.get(key)
            row += [str(summary["ratios"][short]) if short else "",
                    f"<= {TARGETS[short]}x" if short else
                    (f"<= {TARGETS['requests_per_file']}" if key == "requests_per_file" else "")]
        rows.append(tuple(row))
    print_table(f"{summary['run']}: ours vs the reference accession 4.8.4", rows)
    if "same_files_and_derived_from" in summary:
        print(f"  same files (md5, output_type) and derived_from on both portals: "
              f"{summary['same_files_and_derived_from']}")
    after = summary.get("reference", {}).get("then")
    if after:
        print(f"  this workflow after the reference on the reference's portal: "
              f"{'ok' if after['ok'] else 'FAILED'}, new objects {after['created']}")
        if not after["ok"]:
            print(after["log_tail"])
    for tool in tools:
        if not summary[tool]["ok"]:
            print(f"  {tool} FAILED:\n{summary[tool]['log_tail']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    parser.add_argument("--jobs", type=int, default=4, help="snakemake -j for this workflow")
    parser.add_argument("--latency-ms", type=float, default=50)
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
    return 0 if all(summary[t]["ok"] for t in ("ours", "reference") if t in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
