"""The plan file: written once per run by the ``plan`` checkpoint, loaded by every job.

Planning walks the whole run to find every file's ``derived_from`` parents; doing that in
every job made a run O(files^2). The plan file keeps the result: the run's settings, every
planned file with its parents, and which call, step and file rule each came from. A job
re-reads only what it needs the objects of (the metadata, which QC builders search, and the
steps file), checks they are the bytes that were planned (sha256), and rebuilds the planned
files by index, without searching again.

The file is also what a person reads to see what a run will post (``plan`` in it is
:meth:`Plan.to_dict`).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.metadata.cromwell import (
    Call,
    Workflow,
    parse_metadata_text,
    read_metadata_text,
)
from encode_accession.planning.pipelines import Variant
from encode_accession.planning.plan import Parent, Plan, PlannedFile, Skipped
from encode_accession.planning.steps import StepsFile, load_steps
from encode_accession.run.layout import check_results_owner, foreign_format
from encode_accession.run.state import FORMAT, Settings
from encode_accession.storage.stores import md5_in_metadata


@dataclass(frozen=True)
class LoadedRun:
    """A run as its jobs see it: settings, plan, and the variant the plan job chose."""

    path: Path
    settings: Settings
    plan: Plan
    variant: Variant | None
    metadata_text: str  # attached to the analysis as its workflow-metadata document


def parse_settings(data: Mapping[str, Any], source: str = "settings") -> Settings:
    """A run's settings (as :func:`planning.config.run_settings` makes them) typed; a key or
    value the config schema would not let through stops with one message."""
    try:
        return Settings.from_json(dict(data))
    except (KeyError, TypeError) as e:
        raise InputError(source, "", f"not a run's settings ({e.args[0]})",
                         "check the config against config/README.md") from None


def read_settings(path: Path) -> Settings:
    """The settings a run's plan file holds, without planning it again (``verify``,
    ``info --results``, error messages)."""
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != FORMAT:
            raise foreign_format(path, doc.get("format"), path.parent)
        return parse_settings(doc["settings"], str(path))
    except (OSError, ValueError, KeyError, AttributeError) as e:
        raise InputError(str(path), "", f"not a run's plan ({e.__class__.__name__})",
                         "give the results folder of an accessioning run (it has plan.json)"
                         ) from None


def plan_document(settings: Settings, plan: Plan, variant: Variant | None,
                  metadata_text: str) -> dict[str, Any]:
    """The plan file's content (pure). Like every receipt it records the workflow and the
    server it is for."""
    return {
        "format": FORMAT,
        "workflow_id": plan.workflow.id,
        "server": settings.server,
        "settings": settings.to_json(),
        "metadata": {"path": plan.workflow.source, "sha256": _sha256(metadata_text.encode())},
        "steps_file": {"path": plan.steps_file.path,
                       "sha256": _sha256(Path(plan.steps_file.path).read_bytes())},
        "variant": variant and {"steps_name": variant.steps_name, "private": variant.private,
                                "needs_annotation": variant.needs_annotation,
                                "reason": variant.reason},
        "checksums_job": checksums_job(plan),  # read by the Snakefile, which has no Plan
        "plan": plan.to_dict(),
        "index": {f.id: _index(f) for f in plan.files.values()},
    }


def checksums_job(plan: Plan) -> bool:
    """Whether the run gets a ``checksums`` job (pure): only when finding some md5 means
    reading bytes (local files, S3), which a cluster executor sends to a compute node. When
    every store keeps the md5s in its metadata (a run on GCS), the preflight reads them
    itself: one job process fewer."""
    return not all(md5_in_metadata(u) for u in (*plan.portal_inputs,
                                                 *(f.uri for f in plan.files.values())))


def write_plan_file(path: str | Path, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Plan a run from its settings (bad input raises :class:`InputError` before anything
    is posted) and write the plan file atomically; returns its content. A folder holding
    another run (workflow, server or receipt format) is refused. A plan file that
    already holds this plan is left as it is: rewritten, it would look newer than the
    receipts made after it (``accession_cli.plan_runs`` plans before every Snakemake run).
    What the plan leaves out is printed, with why."""
    from encode_accession.planning.setup import setup_run
    from encode_accession.run.receipts import read_receipt, write_receipt

    typed = parse_settings(settings)
    if typed.metadata:
        setup = setup_run(typed.to_json(), announce=True)
    else:  # the demo: its run is written into the receipts folder first
        from encode_accession.demo.run import write_demo_run

        demo = write_demo_run(Path(typed.rundir) / "demo")
        setup = setup_run({**typed.to_json(), "metadata": str(demo)}, announce=True)
    check_results_owner(Path(path).parent, setup.plan.workflow.id, typed.server)
    for skipped in setup.plan.skipped:
        print(f"encode-accession: skipped {skipped}", file=sys.stderr)
    doc = plan_document(typed, setup.plan, setup.variant, setup.metadata_text)
    try:
        unchanged = read_receipt(path) == doc
    except (OSError, ValueError):
        unchanged = False
    if not unchanged:
        write_receipt(path, doc)
    return doc


def plan_ahead(path: str | Path, settings: Mapping[str, Any], log: str | Path | None = None
               ) -> bool:
    """Plan a run before Snakemake builds its DAG (the Snakefile does, at parse time, for a
    run whose metadata is already here: :func:`planning.config.metadata_is_here`) when its
    plan file is missing or stale: the ``plan`` checkpoint then finds its output there, so
    there is no plan job and the DAG is built once. Returns whether the plan file is current.

    A current plan file is left as it is (checked cheaply: the settings, and hashes of the
    metadata and steps file). What planning says (the steps chosen, what is left out and
    why) goes to stderr and to ``log``, as the plan job's would. Any failure to plan is left
    to the checkpoint: its job plans again and fails with its one message, as it always did
    (in a batch the others go on)."""
    if plan_is_current(path, settings):
        return True
    said = io.StringIO()
    try:
        with redirect_stderr(said):
            write_plan_file(path, settings)
    except Exception:  # noqa: BLE001 - the plan job reports it, in its own words
        return False
    sys.stderr.write(said.getvalue())
    if log is not None:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        Path(log).write_text(said.getvalue(), encoding="utf-8")
    return True


def plan_is_current(path: str | Path, settings: Mapping[str, Any]) -> bool:
    """Whether ``path`` holds the plan of these settings, planned from the bytes of the
    metadata and steps file that are there now."""
    try:
        doc = _plan_file(str(path))
        return (doc.get("format") == FORMAT
                and doc["settings"] == parse_settings(settings).to_json()
                and all(_sha256(Path(doc[k]["path"]).read_bytes()) == doc[k]["sha256"]
                        for k in ("metadata", "steps_file")))
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return False


def load_plan_file(path: str | Path) -> LoadedRun:
    """Read a plan file and rebuild its plan; stale or foreign files stop with one message."""
    path = Path(path)
    doc = json.loads(path.read_text())
    if doc.get("format") != FORMAT:
        raise foreign_format(path, doc.get("format"), path.parent)
    text = read_metadata_text(doc["metadata"]["path"])
    _check_unchanged(path, doc["metadata"], text.encode())
    steps_path = doc["steps_file"]["path"]
    _check_unchanged(path, doc["steps_file"], Path(steps_path).read_bytes())
    workflow = parse_metadata_text(text, doc["metadata"]["path"])
    steps_file = load_steps(steps_path, validate=False)  # validated when planned
    plan = _rebuild(workflow, steps_file, doc)
    variant = Variant(**doc["variant"]) if doc.get("variant") else None
    return LoadedRun(path, parse_settings(doc["settings"], str(path)), plan, variant, text)


def _index(f: PlannedFile) -> dict[str, Any]:
    spec_index = next(j for j, s in enumerate(f.step.files) if s is f.spec)
    return {"call": f.call.name, "shard": f.call.shard, "scatter": list(f.call.scatter),
            "step": f.step.index, "spec": spec_index,
            "parents": [[p.uri, p.spec, p.planned_id] for p in f.parents]}


def _rebuild(workflow: Workflow, steps_file: StepsFile, doc: dict[str, Any]) -> Plan:
    calls: dict[tuple[str, int, tuple[int, ...]], Call] = {
        (c.name, c.shard, c.scatter): c for shards in workflow.calls.values() for c in shards}
    steps = {s.index: s for s in steps_file.steps}
    files: dict[str, PlannedFile] = {}
    for entry in doc["plan"]["files"]:
        ix = doc["index"][entry["id"]]
        step = steps[ix["step"]]
        files[entry["id"]] = PlannedFile(
            entry["id"], entry["uri"], calls[(ix["call"], ix["shard"], tuple(ix["scatter"]))],
            step, step.files[ix["spec"]], tuple(Parent(*p) for p in ix["parents"]))
    rules = {s["rule"] for s in doc["plan"]["steps"]}
    kept = [s for s in steps_file.steps if s.rule in rules]
    return Plan(workflow, steps_file, steps=kept, files=files,
                skipped=[Skipped(**s) for s in doc["plan"]["skipped"]])


def _check_unchanged(plan_path: Path, recorded: dict[str, str], data: bytes) -> None:
    if _sha256(data) != recorded["sha256"]:
        raise InputError(recorded["path"], "", f"changed since {plan_path} was planned",
                         "run snakemake again: the plan job re-plans from the new file")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    """Whether the run's preflight waits for a checksums job (:func:`checksums_job`)."""
    return _plan_file(plan_file)["checksums_job"]
