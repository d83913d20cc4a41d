"""What rule `encode_provenance` (lineage.smk) records: every output of a job whose inputs are
ENCODE files or recorded files, the ENCODE files themselves, and their experiments.

Why Snakemake's own job records, read by a rule, and not a logger plugin or `onsuccess`:
- The record Snakemake keeps of every finished job (`workflow.persistence`, what `--summary`,
  `--report` and its rerun triggers read) is written by the main process for every executor,
  as each job finishes, before the jobs after it start. It holds the rule, the expanded
  shell command or the rule's code (`script: "..."` for scripts), the parameters, the inputs
  (storage inputs by their query, ``encode://ENCFF...``, so ENCODE inputs are named by
  accession, not guessed from cache paths), the conda environment and container image.
  A job killed mid-run left no record, and one that finished is recorded whenever this rule
  next runs: nothing finished is lost.
- A logger plugin sees only what is printed (no parameters, no script) and runs on a queue
  thread Snakemake drains at exit, so a report rule could run before the last job is
  recorded, and a failure to record could not fail the run. `onsuccess` runs after every
  job, the report rule's included, there is only one per workflow (a Snakefile's own
  replaces it), and it is skipped when there is nothing to do.
- A rule is what `snakemake --report` can include, and it fails the run when recording fails.

Files edited after the job that made them (mtime past Snakemake's record of the job's end)
are not recorded again as that job's output: the recorded version stays, and `provenance`
flags the file as modified.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import connect
from encode_accession.plugins.files import PortalFile
from encode_accession.plugins.storage import SCHEME
from encode_accession.portal.client import PortalClient
from encode_accession.provenance.record import (
    Logged,
    ToolRun,
    log_files,
    record_portal_file,
    recorded_unchanged,
)
from encode_accession.tracker.store import require_tracked

log = logging.getLogger(__name__)
CONFIG_KEY = "encode_provenance"
SETTINGS = ("targets", "report", "tracker_db", "track")
DEFAULT_REPORT = "results/provenance"
# what provenance.report.write_report writes (named here: the Snakefile must not import the
# report's RO-Crate and template libraries just to name its outputs)
REPORT_FILES = ("report.html", "provenance.json", "ro-crate-metadata.json")
# Snakemake keeps a job's end as its output's mtime (float seconds); an edit moves it on
MTIME_TOLERANCE = 1e-3


@dataclass(frozen=True)
class LineageSettings:
    """Config `encode_provenance` (every key optional)."""

    targets: tuple[str, ...] | None  # None: the inputs of the workflow's default target
    report: str
    tracker_db: str | None
    track: bool

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LineageSettings:
        raw = config.get(CONFIG_KEY) or {}
        if not isinstance(raw, Mapping):
            raise InputError("config", CONFIG_KEY, "is not a mapping",
                             f"write {CONFIG_KEY}: {{report: results/provenance}}")
        unknown = sorted(set(raw) - set(SETTINGS))
        if unknown:
            raise InputError("config", f"{CONFIG_KEY}.{unknown[0]}", "is not a setting",
                             f"use {', '.join(SETTINGS)}")
        targets = raw.get("targets")
        if targets is not None and (isinstance(targets, str) or
                                    not all(isinstance(t, str) for t in targets)):
            raise InputError("config", f"{CONFIG_KEY}.targets", "is not a list of paths",
                             "write targets: [results/table.tsv]")
        db = raw.get("tracker_db", config.get("tracker_db"))
        return cls(tuple(targets) if targets is not None else None,
                   str(raw.get("report", DEFAULT_REPORT)).rstrip("/"), str(db) if db else None,
                   bool(raw.get("track", True)))

    @property
    def report_files(self) -> list[str]:
        """The rule's outputs: the three files `write_report` writes into `report`."""
        return [f"{self.report}/{name}" for name in REPORT_FILES]

    @property
    def log(self) -> str:
        return f"{self.report}/encode_provenance.log"


def default_targets(workflow: Any, settings: LineageSettings) -> list[str]:
    """The files the workflow's default target asks for (its first rule, or the one marked
    `default_target`), less the report itself: the analysis' results."""
    if not workflow.default_target:
        raise InputError("config", f"{CONFIG_KEY}.targets", "the workflow has no default "
                         "target to take its results from", "list the results under targets")
    rule = workflow.get_rule(workflow.default_target)
    own = set(settings.report_files)
    return [str(f) for f in rule.input if isinstance(f, str) and str(f) not in own]


@dataclass(frozen=True)
class JobRecord:
    """One finished job as Snakemake recorded it (the fields of its metadata record)."""

    rule: str
    outputs: tuple[str, ...]
    inputs: tuple[str, ...]
    shellcmd: str | None
    code: str | None
    params: tuple[str, ...]
    conda_env: str | None
    container: str | None
    endtime: float | None

    @property
    def encode_inputs(self) -> list[str]:
        return [i for i in self.inputs if i.startswith(SCHEME)]


Lookup = Callable[[str], Mapping[str, Any] | None]


def jobs_behind(targets: Iterable[str], metadata: Lookup) -> list[JobRecord]:
    """The jobs that made `targets` and everything they were made from, inputs' jobs first;
    `metadata(path)` is Snakemake's record of the file (None: not made by this workflow).
    The outputs of one job (same rule and job hash) form one record."""
    ordered: dict[tuple[str, Any], JobRecord] = {}
    outputs: dict[tuple[str, Any], list[str]] = {}
    seen: set[str] = set()

    def visit(path: str) -> None:
        if path in seen or path.startswith(SCHEME):
            return
        seen.add(path)
        meta = metadata(path)
        if not meta or meta.get("incomplete") or not meta.get("rule"):
            return
        for source in meta.get("input") or []:
            visit(source)
        key = (meta["rule"], meta.get("job_hash"))
        outputs.setdefault(key, []).append(path)
        ordered.setdefault(key, JobRecord(
            rule=meta["rule"], outputs=(), inputs=tuple(meta.get("input") or ()),
            shellcmd=meta.get("shellcmd"), code=meta.get("code"),
            params=tuple(str(p) for p in meta.get("params") or ()),
            conda_env=meta.get("conda_env"), container=meta.get("container_img_url"),
            endtime=meta.get("endtime")))

    for target in targets:
        visit(str(target))
    return [JobRecord(**{**job.__dict__, "outputs": tuple(outputs[key])})
            for key, job in ordered.items()]


def tool_run(job: JobRecord, script: str | None) -> ToolRun:
    """The activity of one job: its rule, what it ran (the shell command, the script with its
    sha256, or the rule's code) and its parameters and software as Snakemake knows them."""
    software: dict[str, Any] = {}
    if job.container:
        software["container"] = job.container
    if job.conda_env:
        software["conda_env"] = base64.b64decode(job.conda_env).decode(errors="replace")
    parameters: dict[str, Any] = {"params": list(job.params)}
    if script:
        parameters["script"] = {"path": script, "sha256": _sha256(script)}
    elif not job.shellcmd and job.code:
        parameters["code"] = job.code
    if software:
        parameters["software"] = software
    tool = job.shellcmd or (f"script {Path(script).name}" if script else f"rule {job.rule}")
    return ToolRun(tool=tool, tool_version=job.container, parameters=parameters,
                   description="Snakemake job", rule=job.rule)


def record_portal_files(conn: Any, files: Mapping[str, PortalFile], server: str) -> None:
    """The ENCODE inputs, each under its query (``encode://ENCFF...``)."""
    for query, file in sorted(files.items()):
        record_portal_file(conn, query, accession=file.accession, md5=file.md5,
                           size=file.size, portal_id=file.at_id, server=server,
                           requested=file.requested, output_type=file.output_type,
                           file_format=file.file_format)


def record_jobs(conn: Any, jobs: Sequence[JobRecord], encode: Mapping[str, PortalFile],
                script_of: Callable[[str], str | None]) -> list[Logged]:
    """Record, inputs' jobs first, the outputs of every job made from ENCODE files or from
    files recorded before (by an earlier job here, or by hand); other inputs are not sources
    (a config file is not lineage). Outputs unchanged since they were recorded are not read
    again; outputs edited after their job are left to `provenance` to flag."""
    logged: list[Logged] = []
    for job in jobs:
        sources = [i for i in job.inputs
                   if i in encode or recorded_unchanged(conn, i) is not None]
        if not sources:
            continue
        outputs = [o for o in job.outputs if _made_by_job(o, job)]
        if not outputs or all(recorded_unchanged(conn, o) for o in outputs):
            continue
        logged += log_files(conn, outputs, sources, tool_run(job, script_of(job.rule)))
    return logged


def track_experiments(conn: Any, portal: PortalClient, files: Iterable[PortalFile]) -> list[str]:
    """Track the experiments the ENCODE inputs belong to, once each (`track`); datasets
    that are not experiments (annotations, ...) are left out. Returns those tracked now."""
    from encode_accession.tracker.service import track

    tracked = []
    for dataset in sorted({f.dataset for f in files if f.dataset}):
        name = dataset.rstrip("/").rsplit("/", 1)[-1]
        if not dataset.startswith("/experiments/"):
            log.info("%s: not an experiment, not tracked", dataset)
            continue
        try:
            require_tracked(conn, name)
        except InputError:
            track(conn, portal, name)
            tracked.append(name)
    return tracked


def record_and_report(workflow: Any, encode_file: Callable[[str], Any], targets: Sequence[str],
                      settings: LineageSettings, log_file: str) -> list[Path]:
    """What rule `encode_provenance` runs (in its own Snakemake job process): record the
    lineage of `targets`, track the experiments, write the report. `encode_file` is the
    Snakefile's ``storage.encode``: its storage objects carry the provider the workflow
    configured (server, keys, cache). Progress goes to `log_file`."""
    handler = logging.FileHandler(log_file, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("encode_accession")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        return _record_and_report(workflow, encode_file, targets, settings)
    finally:
        root.removeHandler(handler)
        handler.close()


def _record_and_report(workflow: Any, encode_file: Callable[[str], Any],
                       targets: Sequence[str], settings: LineageSettings) -> list[Path]:
    from snakemake.io import IOFile, get_flag_value

    def metadata(path: str) -> Mapping[str, Any] | None:
        record = workflow.persistence.metadata(IOFile(path))
        return dict(record.items()) if record else None

    def script_of(rule: str) -> str | None:
        found = workflow.get_rule(rule)
        if not getattr(found, "script", None):
            return None
        return str((Path(found.snakefile).parent / found.script).resolve())

    jobs = jobs_behind(targets, metadata)
    objects = {q: get_flag_value(encode_file(q), "storage_object")
               for job in jobs for q in job.encode_inputs}
    files = {q: obj.file() for q, obj in objects.items()}
    provider = next((obj.provider for obj in objects.values()), None)
    with closing(connect(settings.tracker_db)) as conn:
        if provider is not None:
            record_portal_files(conn, files, provider.portal.server)
            if settings.track:
                track_experiments(conn, provider.portal, files.values())
        for entry in record_jobs(conn, jobs, files, script_of):
            log.info("%s: %s", entry.path, entry.status)
        from encode_accession.provenance.report import write_report

        written = write_report(conn, settings.report)
    assert [p.name for p in written] == list(REPORT_FILES), written
    return written


def _made_by_job(path: str, job: JobRecord) -> bool:
    """The file is there and not touched since its job ended."""
    if not os.path.isfile(path):
        log.warning("%s (rule %s) is gone: not recorded", path, job.rule)
        return False
    if job.endtime is not None and os.stat(path).st_mtime > job.endtime + MTIME_TOLERANCE:
        log.warning("%s was changed after rule %s made it: its record is left as it was "
                    "(`encode-accession provenance` flags it)", path, job.rule)
        return False
    return True


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
