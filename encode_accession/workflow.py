"""Glue between the Snakefile and the package: the config, layered and split into runs.

Kept out of the .smk files so the rules stay thin and this logic is unit-tested.

- **Layering.** A config that names a run (``metadata`` or ``runs``) is used alone: it never
  inherits the demo's local server, lab or award. A missing ``server``/``lab``/``award`` comes
  from ``$DCC_SERVER``/``$DCC_LAB``/``$DCC_AWARD`` or stops with one message. Only a config
  that names no run is the demo, and then the demo's settings fill what it leaves out.
- **Runs.** Each run accessions into its own folder of receipts: ``results`` for a single
  run, ``results/<name>`` for each entry of a ``runs:`` batch. A folder remembers the server it
  was posted to (in its plan); asking it for another server stops with one message instead of
  "Nothing to be done".
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cromwell import parse_metadata_text, read_metadata_text
from .cromwell_server import resolve_metadata
from .errors import InputError
from .pipelines import Variant, choose_variant
from .plan import Plan, PlanOptions, build_plan
from .qc import check_names
from .schemas import load_schema, validate
from .steps import load_steps, resolve_steps

CONFIG_SCHEMA = "config.schema.yaml"
# Keys a `runs:` entry may set for itself; everything else is shared by the batch.
RUN_KEYS = ("metadata", "pipeline", "steps", "annotation", "replicated", "force", "private")
IDENTITY_KEYS = ("server", "lab", "award")
# What a config that names no run accessions: the bundled demo into the embedded portal.
DEMO = {"pipeline": "atac", "server": "local:results/local_portal.sqlite", "lab": "encode-awg",
        "award": "DEMO-AWARD", "tracker_db": "results/tracker.db"}
PLAN_FILE = "plan.json"


def check_config(config: dict[str, Any], environ: dict[str, str] | None = None) -> None:
    """Validate the config, layer it (see the module docstring) and fill in schema defaults;
    bad config exits with one message."""
    environ = dict(os.environ) if environ is None else environ
    try:
        validate(config, CONFIG_SCHEMA, "config")
        if is_demo(config):
            for key, value in DEMO.items():
                config.setdefault(key, value)
        for key in IDENTITY_KEYS:
            if not config.get(key) and environ.get(f"DCC_{key.upper()}"):
                config[key] = environ[f"DCC_{key.upper()}"]
        missing = [k for k in IDENTITY_KEYS if not config.get(k)]
        if missing:
            raise InputError("config", ", ".join(missing), "not set",
                             f"set {', '.join(missing)} in your config or "
                             f"{', '.join('DCC_' + k.upper() for k in missing)} in the "
                             "environment (a config naming a run never falls back to the demo)")
    except InputError as e:
        raise SystemExit(f"encode-accession: invalid configuration:\n{e.message}") from None
    for key, spec in load_schema(CONFIG_SCHEMA)["properties"].items():
        if "default" in spec:
            config.setdefault(key, spec["default"])


def is_demo(config: dict[str, Any]) -> bool:
    return not config.get("metadata") and not config.get("runs")


def run_settings(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every run of a checked config, by its receipts folder: the settings its jobs use.

    Settings are plain JSON (they reach the plan job on its command line and are stored in
    the plan); they never hold a secret.
    """
    shared = {k: v for k, v in config.items()
              if k not in (*RUN_KEYS, "runs", "track", "provenance")}
    results = config["results"]
    if not config.get("runs"):
        entries = {Path(results).name or "run": {k: config[k] for k in RUN_KEYS if k in config}}
        folders = {next(iter(entries)): results}
    else:
        entries = config["runs"]
        folders = {name: f"{results}/{name}" for name in entries}
    settings = {}
    for name, entry in entries.items():
        run = {**shared, **{k: config[k] for k in RUN_KEYS if k in config and k != "metadata"},
               **entry, "name": name, "rundir": folders[name]}
        if not run.get("metadata"):
            run["metadata"] = None  # the demo: the plan job writes the demo run
        if not run.get("pipeline") and not run.get("steps"):
            raise SystemExit(f"encode-accession: invalid configuration:\nconfig: runs.{name}: "
                             "neither pipeline nor steps is set (fix: name the run's pipeline)")
        settings[folders[name]] = run
    return settings


def check_results_server(settings: dict[str, dict[str, Any]]) -> None:
    """A receipts folder must be a folder, and answers for one server: stop when the config
    now names another."""
    for rundir, run in settings.items():
        blocking = next((p for p in (Path(rundir), *Path(rundir).parents)
                         if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise SystemExit(f"encode-accession: config: results: {rundir}: {blocking} is a "
                             "file, not a folder (fix: set `results:` to a folder path)")
        plan_file = Path(rundir) / PLAN_FILE
        if not plan_file.exists():
            continue
        try:
            before = json.loads(plan_file.read_text())["settings"]["server"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable: the plan job rewrites it
        if before != run["server"]:
            raise SystemExit(
                f"encode-accession: {rundir}/ holds a run accessioned to {before}, but the "
                f"config now names server {run['server']}.\n(fix: set `results:` to a new "
                f"folder for {run['server']}, or remove {rundir}/ to start over)")


@dataclass(frozen=True)
class Setup:
    """The plan of a run and, when the config named a pipeline, the variant chosen for it;
    also the metadata.json text it was planned from (read once, hashed into the plan file)."""

    plan: Plan
    variant: Variant | None
    metadata_text: str


def setup_run(run: dict[str, Any], *, announce: bool = False) -> Setup:
    """Plan one run's settings; raises :class:`InputError` on bad input.

    A ``pipeline`` family picks its variant from the run's inputs (``announce`` prints which);
    a ``steps`` path is used as given. With no ``metadata`` the demo run is written first.
    """
    metadata = run.get("metadata")
    if metadata:
        metadata = resolve_metadata(run)  # a workflow id or Caper label: fetched from Cromwell
    else:
        from .demo import write_demo_run

        metadata = write_demo_run(Path(run["rundir"]) / "demo")
    metadata_text = read_metadata_text(metadata)
    workflow = parse_metadata_text(metadata_text, str(metadata))
    variant = None
    if run.get("steps"):
        steps = resolve_steps(run["steps"])
    else:
        variant = choose_variant(run["pipeline"], workflow)
        if announce:
            print(f"encode-accession: {variant.reason}", file=sys.stderr)
        steps = resolve_steps(variant.steps_name)
    steps_file = load_steps(steps)
    check_names(steps_file)
    if steps_file.facts.annotation_dataset and not run.get("annotation"):
        raise InputError("config", "annotation",
                         f"{Path(steps).stem} accessions its files to an Annotation",
                         "set annotation: to the Annotation's accession (ENCSR...)")
    plan = build_plan(workflow, steps_file, PlanOptions(replicated=run.get("replicated")))
    return Setup(plan, variant, metadata_text)


def local_metadata(run: dict[str, Any]) -> list[str]:
    """The run's metadata.json as a rule input when it is a local file (an upstream rule may
    make it); cloud URIs and the demo are read by the plan job itself."""
    metadata = run.get("metadata")
    if not metadata or "://" in metadata:
        return []
    if run.get("cromwell_server") and not metadata.endswith(".json"):
        return []  # a workflow id or Caper label, fetched by the plan job
    return [metadata]


_PLAN_CACHE: dict[tuple[str, float], dict[str, Any]] = {}


def _plan_file(plan_file: str) -> dict[str, Any]:
    """A plan file's content, cached: Snakemake asks once per job while it builds the DAG."""
    key = (plan_file, Path(plan_file).stat().st_mtime)
    if key not in _PLAN_CACHE:
        _PLAN_CACHE[key] = json.loads(Path(plan_file).read_text())
    return _PLAN_CACHE[key]


def planned_steps(plan_file: str) -> dict[str, list[str]]:
    """Rule of each planned step with files -> rules of the steps it waits for."""
    return {s["rule"]: s["after"] for s in _plan_file(plan_file)["plan"]["steps"] if s["files"]}


def planned_checksums_job(plan_file: str) -> bool:
    """Whether the run's preflight waits for a checksums job (planfile.checksums_job)."""
    return _plan_file(plan_file)["checksums_job"]


def batch_table(runs: dict[str, dict[str, Any]]) -> str:
    """One line per run of a batch: what it accessioned, or where it stopped."""
    from . import layout

    stages = [(layout.SUMMARY, "accessioned"), (layout.ANALYSIS, "stopped before its summary"),
              (layout.PREFLIGHT, "stopped in its steps"),
              (layout.CHECKSUMS, "stopped in preflight"),
              (layout.PLAN, "stopped in checksums or preflight")]
    lines = ["Runs:"]
    for rundir, run in runs.items():
        state = "stopped in planning"
        for name, what in stages:
            if (Path(rundir) / name).exists():
                state = what
                break
        if state == "accessioned":
            done = json.loads((Path(rundir) / layout.SUMMARY).read_text())
            state += (f" to {done['dataset']}: {done['created']} created, {done['found']} "
                      f"found, {len(done['verification']['pending'])} still being checked")
        else:
            state += f" (see {rundir}/logs/)"
        lines.append(f"  {run['name']:<24} {state}")
    return "\n".join(lines)
