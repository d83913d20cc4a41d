"""Recording where files came from: user-made files (log-derived, the Snakemake helper) and
files an accessioning run posted to the portal.

The model, in the tracker database (see database/schema.py, migration 2):
- `derived_files`: one row per location (an absolute, resolved path or a pipeline URI);
- `file_versions`: one row per content of that location (sha256, md5, size); a change of
  content is a new version, every version is kept, the current one is the latest;
- `version_sources`: what a version was made from, one row per source naming either an
  accession or an earlier version (so lineage is exact and any number of steps deep);
- `provenance_activities`: what made it: a user tool run (tool, version, parameters, rule)
  or an accessioning step run (step run, workflow id, docker image, server, lab).

Files are read before the write transaction starts, so parallel jobs never hold the
database lock while hashing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import now, write
from encode_accession.provenance.hashing import Digest, digest
from encode_accession.provenance.identity import (
    accession_of,
    canonical_location,
    canonical_path,
    is_remote,
    portal_path,
)

# What a tool-run record says; a re-log that omits one keeps its value, unless it is cleared.
RECORD_FIELDS = ("tool", "tool_version", "parameters", "description")
SOURCE_FIX = ("give an ENCODE accession (ENCFF..., ENCSR..., TST...) or the path of a file "
              "logged before (log-derived PATH --sources ...)")


@dataclass(frozen=True)
class ToolRun:
    """A user's tool run: one activity shared by every file one command or job made."""

    tool: str | None = None
    tool_version: str | None = None
    parameters: Any = None
    description: str | None = None
    rule: str | None = None

    def fields(self) -> dict[str, Any]:
        return {"kind": "tool", "tool": self.tool, "tool_version": self.tool_version,
                "parameters": canonical_json(self.parameters), "description": self.description,
                "rule": self.rule}


@dataclass(frozen=True)
class StepRun:
    """An accessioning step run on one portal: shared by every file of that step (and of
    other steps with the same analysis step). `step_name` is the analysis step
    (dcc_step_run), `task` the WDL task whose files this call records."""

    step_run: str
    workflow_id: str | None
    docker_image: str | None
    server: str
    lab: str | None = None
    step_name: str | None = None
    step_version: str | None = None
    task: str | None = None


@dataclass(frozen=True)
class Source:
    """One resolved source: an accession, or one version of a recorded file."""

    label: str
    accession: str | None = None
    version_id: int | None = None


@dataclass(frozen=True)
class Content:
    """What is known of a version's content: everything for local files, md5 and size for
    accessioned ones, nothing for notes made without reading the file."""

    sha256: str | None = None
    md5: str | None = None
    size: int | None = None
    mtime_ns: int | None = None

    @classmethod
    def of(cls, d: Digest) -> Content:
        return cls(d.sha256, d.md5, d.size, d.mtime_ns)

    def same_as(self, row: sqlite3.Row) -> bool:
        """Same content by the strongest checksum both sides have (no checksum on either
        side: a note, same as any other note)."""
        for algorithm in ("sha256", "md5"):
            mine, theirs = getattr(self, algorithm), row[algorithm]
            if mine and theirs:
                return mine == theirs
        return not (self.sha256 or self.md5 or row["sha256"] or row["md5"])


@dataclass(frozen=True)
class Logged:
    """The outcome of recording one file: status is `new`, `new version`, `unchanged` (same
    content and record) or `amended` (same content, other sources or activity)."""

    path: str
    version: int
    status: str
    sha256: str | None
    md5: str | None
    size: int | None
    sources: tuple[str, ...]
    recorded_at: str
    kept: tuple[str, ...] = ()  # fields not given this time, kept from the earlier record
    warnings: tuple[str, ...] = ()  # sources that could not be checked

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sources": list(self.sources), "kept": list(self.kept),
                "warnings": list(self.warnings)}


# -- public API ------------------------------------------------------------------------------

# Checks the accessions among a record's sources before it is made: raises for a bad one,
# returns warnings for those it could not check (see provenance.known.check_accessions).
SourceCheck = Callable[[Sequence[str]], list[str]]


def log_derived(conn: sqlite3.Connection, path: str | Path, sources: Iterable[str], *,
                tool: str | None = None, tool_version: str | None = None,
                parameters: Any = None, description: str | None = None,
                clear: Iterable[str] = (), check: SourceCheck | None = None) -> Logged:
    """Record a file made from ENCODE data and/or earlier logged files, with its checksums.

    `sources` are accessions (ENCFF..., ENCSR..., TST...) or paths of logged files, at least
    one; `parameters` is any JSON value. Logging the same content again changes nothing.
    Logging only adds: a field left out (None) keeps the value the file's record had, unless
    it is named in `clear` (RECORD_FIELDS). `check` vets the source accessions once the
    file is known to exist (its warnings are the result's).
    """
    run = ToolRun(tool, tool_version, parameters, description)
    return log_files(conn, [path], sources, run, clear=clear, check=check)[0]


def log_files(conn: sqlite3.Connection, paths: Sequence[str | Path], sources: Iterable[str],
              run: ToolRun, *, clear: Iterable[str] = (),
              check: SourceCheck | None = None) -> list[Logged]:
    """Record several files one run made from the same sources (one activity for all that
    keep the same earlier fields)."""
    sources = list(sources)
    cleared = _cleared(run, clear)
    targets = [_existing_file(p) for p in paths]
    if not sources:
        raise InputError(str(paths[0]) if paths else "log-derived", "sources",
                         "is empty: a record without sources would erase the file's lineage",
                         SOURCE_FIX)
    run.fields()  # refuse parameters that are not JSON before reading any file
    resolved = resolve_sources(conn, sources, targets=targets)
    warnings = tuple(check([s.accession for s in resolved if s.accession])) if check else ()
    contents = [Content.of(digest(t)) for t in targets]
    activity = _Activity(run)
    with write(conn):
        return [replace(_save(conn, target, content, resolved, activity, clear=cleared),
                        warnings=warnings)
                for target, content in zip(targets, contents, strict=True)]


def _cleared(run: ToolRun, clear: Iterable[str]) -> frozenset[str]:
    """The fields to clear, checked: known ones, and none also given a value."""
    names = frozenset(name.replace("-", "_") for name in clear)
    for name in sorted(names):
        if name not in RECORD_FIELDS:
            raise InputError("--clear", name, "is not a field of a file's record",
                             f"use one of: {', '.join(RECORD_FIELDS)}")
        if getattr(run, name) is not None:
            raise InputError("--clear", name, "is both given a value and cleared",
                             "give the new value, or clear it, not both")
    return names


def note_derived_file(conn: sqlite3.Connection, path: str, source_accessions: Iterable[str], *,
                      tool: str | None = None, parameters: str | None = None,
                      description: str | None = None) -> Logged:
    """A file noted without reading it (no checksum), for callers of the first schema
    (`tracker.store.record_derived_file`); sources are taken as given, not checked."""
    params: Any = parameters
    if parameters is not None:
        try:
            params = json.loads(parameters)
        except ValueError:
            params = parameters
    resolved = [Source(a, accession=a) for a in dict.fromkeys(s.strip()
                                                                for s in source_accessions)]
    if not resolved:
        raise InputError(path, "sources", "is empty: a record without sources would erase "
                         "the file's lineage", SOURCE_FIX)
    with write(conn):
        return _save(conn, canonical_path(path), Content(), resolved,
                     _Activity(ToolRun(tool, None, params, description)))


def record_accessioned_file(conn: sqlite3.Connection, *, uri: str, md5: str, size: int,
                            accession: str | None, portal_id: str, derived_from: Sequence[str],
                            step_run: str, workflow_id: str | None, docker_image: str | None,
                            server: str, lab: str | None = None, output_type: str | None = None,
                            file_format: str | None = None, step_name: str | None = None,
                            step_version: str | None = None, task: str | None = None) -> Logged:
    """Record a pipeline file an accessioning run posted (or found) on the portal.

    `derived_from` are the portal @ids (or accessions) of its parents; they become its
    sources, and the step run (with workflow id, docker image, analysis step and WDL task)
    its activity; output type and format say what the file is. Recording the same file
    again changes nothing, so a re-run summary job is safe. The same file accessioned to
    another `server` keeps both accessions (one portal record per server).
    """
    parents = []
    for parent in derived_from:
        # a portal may name a file by accession or, e.g. when replaced, by uuid @id
        found = accession_of(parent) or portal_path(parent)
        if found is None:
            raise InputError(portal_id, "derived_from", f"{parent!r} is not a portal @id or "
                             "accession", "pass the parents' @ids, e.g. /files/ENCFF001AAA/")
        parents.append(Source(found, accession=found))
    recorded = accession_of(accession) if accession else accession_of(portal_id)
    location = canonical_location(uri)
    with write(conn):
        logged = _save_accessioned(conn, location, Content(md5=md5, size=int(size)),
                                   list(dict.fromkeys(parents)),
                                   _Activity(StepRun(step_run, workflow_id, docker_image, server,
                                                     lab, step_name, step_version, task)),
                                   accession=recorded, portal_id=portal_id)
        _describe_version(conn, logged, output_type, file_format)
    return logged


def record_portal_file(conn: sqlite3.Connection, location: str, *, accession: str, md5: str,
                       size: int, portal_id: str, server: str, requested: str | None = None,
                       output_type: str | None = None, file_format: str | None = None
                       ) -> Logged:
    """Record an ENCODE file a workflow read from the portal, under the name the workflow
    used for it (`encode://ENCFF...`). Its content is the portal's md5 and size, its
    accession the file the portal served (for a replaced `requested` one, the replacement);
    it has no sources: lineage ends at the portal. Files made from it name this location as
    a source. Recording it again changes nothing."""
    run = ToolRun("ENCODE portal", parameters={"server": server, "requested": requested,
                                               "portal_id": portal_id})
    with write(conn):
        logged = _save(conn, canonical_location(location), Content(md5=md5, size=int(size)),
                       [], _Activity(run), accession=accession_of(accession) or accession,
                       portal_id=portal_id)
        _describe_version(conn, logged, output_type, file_format)
    return logged


def recorded_unchanged(conn: sqlite3.Connection, path: str | Path) -> bool | None:
    """Whether the local file at `path` still has the size and mtime of its current recorded
    version (True: recording it again would change nothing, no need to read it); None when
    it was never recorded."""
    location = canonical_location(str(path))
    row = conn.execute("SELECT v.size, v.mtime_ns FROM file_versions v JOIN derived_files d "
                       "ON d.id = v.file_id WHERE d.file_path = ? ORDER BY v.version DESC "
                       "LIMIT 1", (location,)).fetchone()
    if row is None:
        return None
    stat = Path(location).stat() if Path(location).is_file() else None
    return stat is not None and (stat.st_size, stat.st_mtime_ns) == (row[0], row[1])


def _describe_version(conn: sqlite3.Connection, logged: Logged, output_type: str | None,
                      file_format: str | None) -> None:
    """What a portal file is (output type, format), on the version just saved."""
    conn.execute("UPDATE file_versions SET output_type = coalesce(?, output_type), "
                 "file_format = coalesce(?, file_format) WHERE version = ? AND file_id = "
                 "(SELECT id FROM derived_files WHERE file_path = ?)",
                 (output_type, file_format, logged.version, logged.path))


def record_portal_sources(conn: sqlite3.Connection, sources: Iterable[Mapping[str, Any]]
                          ) -> None:
    """Describe inputs an accessioning run found on the portal (fastqs, references): each
    mapping has accession, portal_id, file_name, output_type, role (fastq or reference),
    filekey and server. They are the lineage's sources, so reports say what they are
    instead of listing them as unknown accessions."""
    stamp = now()
    with write(conn):
        conn.executemany(
            "INSERT INTO portal_sources (accession, portal_id, file_name, output_type, role, "
            "filekey, server, recorded_at) VALUES (:accession, :portal_id, :file_name, "
            ":output_type, :role, :filekey, :server, :recorded_at) ON CONFLICT (accession) DO "
            "UPDATE SET portal_id = excluded.portal_id, file_name = excluded.file_name, "
            "output_type = excluded.output_type, role = excluded.role, "
            "filekey = excluded.filekey, server = excluded.server",
            [{**{k: source.get(k) for k in ("portal_id", "file_name", "output_type", "role",
                                            "filekey", "server")},
              "accession": source["accession"], "recorded_at": stamp} for source in sources])


def record_accessioned_files(conn: sqlite3.Connection, files: Iterable[Mapping[str, Any]]
                             ) -> list[Logged]:
    """`record_accessioned_file` for each mapping of its keyword arguments, in one commit."""
    with write(conn):
        return [record_accessioned_file(conn, **f) for f in files]


def parse_parameters(text: str | None, where: str = "--parameters") -> Any:
    """The JSON value of a --parameters option, or an InputError saying what is wrong."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(where, text, f"is not valid JSON ({exc})",
                         """give a JSON value, e.g. '{"min_score": 5}'""") from None


def canonical_json(value: Any, *, lenient: bool = False) -> str | None:
    """JSON text with sorted keys, so equal parameters compare equal as text. `lenient`
    writes values JSON has no type for (paths, objects) as their text."""
    if value is None:
        return None
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False,
                          default=str if lenient else None)
    except (TypeError, ValueError) as exc:
        raise InputError("parameters", repr(value)[:80], f"cannot be written as JSON ({exc})",
                         "pass only text, numbers, booleans, lists and mappings") from None


# -- sources ---------------------------------------------------------------------------------

def resolve_sources(conn: sqlite3.Connection, texts: Iterable[str], *,
                    targets: Sequence[str] = ()) -> list[Source]:
    """Accessions and logged paths, each once, in the order given. A path resolves to the
    version whose content is on disk now (a source changed since it was logged is refused:
    the record would claim content that was not used)."""
    resolved: dict[tuple[str | None, int | None], Source] = {}
    for text in texts:
        accession = accession_of(str(text))
        if accession:
            source = Source(accession, accession=accession)
        else:
            source = _logged_source(conn, str(text), targets)
        resolved.setdefault((source.accession, source.version_id), source)
    return list(resolved.values())


def _logged_source(conn: sqlite3.Connection, text: str, targets: Sequence[str]) -> Source:
    location = canonical_location(text)
    if location in targets:
        raise InputError(text, "sources", "is the file being logged", "a file cannot be its "
                         "own source; name the files it was made from")
    versions = conn.execute(
        "SELECT v.* FROM file_versions v JOIN derived_files d ON d.id = v.file_id "
        "WHERE d.file_path = ? ORDER BY v.version DESC", (location,)).fetchall()
    if not versions:
        raise InputError(text, "sources", "is neither an ENCODE accession nor a logged file",
                         SOURCE_FIX)
    chosen = _version_on_disk(location, versions)
    return Source(f"{location} (v{chosen['version']})", version_id=chosen["id"])


def _version_on_disk(location: str, versions: list[sqlite3.Row]) -> sqlite3.Row:
    """The version matching the file now: the latest when its size and mtime are unchanged
    (no re-read), else the one whose sha256 matches. A file that is gone (a temporary
    intermediate), remote, or was never read resolves to the latest version."""
    latest = versions[0]
    path = Path(location)
    if is_remote(location) or not latest["sha256"] or not path.is_file():
        return latest
    stat = path.stat()
    if (stat.st_size, stat.st_mtime_ns) == (latest["size"], latest["mtime_ns"]):
        return latest
    now_sha = digest(path).sha256
    for row in versions:
        if row["sha256"] == now_sha:
            return row
    raise InputError(location, "sources", f"changed since it was logged (v{latest['version']} "
                     f"sha256 {latest['sha256'][:12]}..., now {now_sha[:12]}...)",
                     f"log it again first (log-derived {location} --sources ...), so the "
                     "record names the content that was used")


def _existing_file(path: str | Path) -> str:
    location = canonical_path(path)
    target = Path(location)
    if not target.exists():
        raise InputError(str(path), "path", "does not exist",
                         "log a file after the step that writes it has finished")
    if not target.is_file():
        raise InputError(str(path), "path", "is not a regular file",
                         "log the files inside a directory one by one")
    return location


# -- writing ---------------------------------------------------------------------------------

class _Activity:
    """The activity of one recording call, inserted only when a version needs it (a re-log
    that changes nothing leaves no orphan); step runs are shared across calls."""

    def __init__(self, spec: ToolRun | StepRun) -> None:
        self.spec = spec
        self.id: int | None = None
        self._variants: dict[str, _Activity] = {}

    def inheriting(self, conn: sqlite3.Connection, activity_id: int | None,
                   clear: frozenset[str]) -> tuple[_Activity, tuple[str, ...]]:
        """This tool run with the fields it leaves out (None) taken from the earlier record
        `activity_id` (unless cleared), and the names of those kept; files of one call that
        keep the same values share one activity."""
        if not isinstance(self.spec, ToolRun) or activity_id is None:
            return self, ()
        row = conn.execute("SELECT kind, tool, tool_version, parameters, description "
                           "FROM provenance_activities WHERE id = ?", (activity_id,)).fetchone()
        if row is None or row["kind"] != "tool":
            return self, ()
        earlier = {name: json.loads(row[name]) if name == "parameters" else row[name]
                   for name in RECORD_FIELDS if row[name] is not None}
        kept = {name: value for name, value in earlier.items()
                if getattr(self.spec, name) is None and name not in clear}
        if not kept:
            return self, ()
        spec = replace(self.spec, **kept)
        key = json.dumps(spec.fields(), sort_keys=True)
        return self._variants.setdefault(key, _Activity(spec)), tuple(kept)

    def matches(self, conn: sqlite3.Connection, activity_id: int | None) -> bool:
        if isinstance(self.spec, StepRun):
            return activity_id == self.ensure(conn)
        row = conn.execute("SELECT kind, tool, tool_version, parameters, description, rule "
                           "FROM provenance_activities WHERE id = ?", (activity_id,)).fetchone()
        return row is not None and dict(row) == self.spec.fields()

    def ensure(self, conn: sqlite3.Connection) -> int:
        if self.id is None:
            self.id = (_step_run_activity(conn, self.spec) if isinstance(self.spec, StepRun)
                       else _insert(conn, "provenance_activities",
                                    {**self.spec.fields(), "recorded_at": now()}))
        return self.id


def _step_run_activity(conn: sqlite3.Connection, spec: StepRun) -> int:
    """The step run's activity; its parameters list the WDL tasks whose files it made."""
    row = conn.execute("SELECT id, parameters FROM provenance_activities WHERE kind = "
                       "'accessioning' AND server = ? AND step_run = ?",
                       (spec.server, spec.step_run)).fetchone()
    fields = {k: v for k, v in asdict(spec).items() if k != "task"}
    if row is None:
        tasks = [spec.task] if spec.task else []
        return _insert(conn, "provenance_activities", {
            "kind": "accessioning", **fields, "recorded_at": now(),
            "parameters": canonical_json({"wdl_tasks": tasks}) if tasks else None})
    tasks = (json.loads(row["parameters"]) if row["parameters"] else {}).get("wdl_tasks", [])
    if spec.task and spec.task not in tasks:
        tasks = [*tasks, spec.task]
    conn.execute("UPDATE provenance_activities SET workflow_id = coalesce(workflow_id, ?), "
                 "docker_image = coalesce(docker_image, ?), lab = coalesce(lab, ?), "
                 "step_name = coalesce(step_name, ?), step_version = coalesce(step_version, ?), "
                 "parameters = coalesce(?, parameters) WHERE id = ?",
                 (spec.workflow_id, spec.docker_image, spec.lab, spec.step_name,
                  spec.step_version, canonical_json({"wdl_tasks": tasks}) if tasks else None,
                  row["id"]))
    return row["id"]


def _insert(conn: sqlite3.Connection, table: str, values: Mapping[str, Any]) -> int:
    names = list(values)
    cursor = conn.execute(f"INSERT INTO {table} ({', '.join(names)}) "
                          f"VALUES ({', '.join('?' * len(names))})", [values[n] for n in names])
    assert cursor.lastrowid is not None  # an INSERT sets it
    return cursor.lastrowid


def _save(conn: sqlite3.Connection, location: str, content: Content, sources: list[Source],
          activity: _Activity, *, accession: str | None = None,
          portal_id: str | None = None, clear: frozenset[str] = frozenset()) -> Logged:
    """Add a version, amend the current one, or do nothing; then refresh the location's
    summary row. Runs inside the caller's write transaction. Fields a tool run leaves out
    keep the current version's values (Logged.kept)."""
    stamp = now()
    file_id = _file_id(conn, location, stamp)
    current = _current_version(conn, file_id)
    kept: tuple[str, ...] = ()
    if current is not None:
        activity, kept = activity.inheriting(conn, current["activity_id"], clear)
    wanted = sorted((s.accession or "", s.version_id or 0) for s in sources)
    if current is not None and content.same_as(current):
        version_id, version, recorded_at = current["id"], current["version"], current["recorded_at"]
        same_record = (_source_keys(conn, version_id) == wanted
                       and activity.matches(conn, current["activity_id"])
                       and (accession, portal_id) in ((None, None),
                                                      (current["accession"],
                                                       current["portal_id"])))
        status = "unchanged" if same_record else "amended"
        if same_record:
            if content.mtime_ns is not None and content.mtime_ns != current["mtime_ns"]:
                conn.execute("UPDATE file_versions SET mtime_ns = ? WHERE id = ?",
                             (content.mtime_ns, version_id))
        else:
            _amend(conn, current, content, sources, activity.ensure(conn), accession, portal_id)
    else:
        version = current["version"] + 1 if current else 1
        status = "new version" if current else "new"
        recorded_at = stamp
        version_id = _insert(conn, "file_versions", {
            "file_id": file_id, "version": version, "sha256": content.sha256,
            "md5": content.md5, "size": content.size, "mtime_ns": content.mtime_ns,
            "accession": accession, "portal_id": portal_id,
            "activity_id": activity.ensure(conn), "recorded_at": stamp})
        _write_sources(conn, version_id, sources)
    if status != "unchanged":
        _refresh_summary(conn, file_id, sources, activity.spec, stamp)
    return Logged(location, version, status, content.sha256, content.md5, content.size,
                  tuple(s.label for s in sources), recorded_at, kept)


def _save_accessioned(conn: sqlite3.Connection, location: str, content: Content,
                      sources: list[Source], activity: _Activity, *, accession: str | None,
                      portal_id: str | None) -> Logged:
    """`_save` for a file an accessioning run posted, keeping one portal record per server:
    the same content accessioned to a second portal adds that portal's accession and step
    run beside the first (and its parents' accessions to the sources) instead of replacing
    them. The version's own accession and activity stay the first portal's."""
    assert isinstance(activity.spec, StepRun)
    server = activity.spec.server
    stamp = now()
    file_id = _file_id(conn, location, stamp)
    current = _current_version(conn, file_id)
    records = {} if current is None or not content.same_as(current) else {
        r["server"]: r for r in conn.execute("SELECT * FROM version_accessions WHERE "
                                             "version_id = ?", (current["id"],))}
    if not records.keys() - {server}:  # no other portal's record of this content
        logged = _save(conn, location, content, sources, activity, accession=accession,
                       portal_id=portal_id)
        version_id = conn.execute("SELECT id FROM file_versions WHERE file_id = ? AND "
                                  "version = ?", (file_id, logged.version)).fetchone()[0]
        _upsert_record(conn, version_id, server, accession, portal_id, activity.ensure(conn),
                       stamp)
        return logged
    assert current is not None
    stored = _stored_sources(conn, current["id"])
    keys = {(s.accession, s.version_id) for s in stored}
    merged = stored + [s for s in sources if (s.accession, s.version_id) not in keys]
    mine = records.get(server)
    activity_id = activity.ensure(conn)
    changed = len(merged) != len(stored) or mine is None or (
        (accession or mine["accession"], portal_id or mine["portal_id"], activity_id)
        != (mine["accession"], mine["portal_id"], mine["activity_id"]))
    if changed:
        _write_sources(conn, current["id"], merged)
        _upsert_record(conn, current["id"], server, accession, portal_id, activity_id, stamp)
        conn.execute("UPDATE derived_files SET source_accessions = ?, updated_at = ? "
                     "WHERE id = ?", (json.dumps(sorted({s.accession for s in merged
                                                          if s.accession})), stamp, file_id))
    return Logged(location, current["version"], "amended" if changed else "unchanged",
                  current["sha256"], current["md5"], current["size"],
                  tuple(s.label for s in merged), current["recorded_at"])


def _upsert_record(conn: sqlite3.Connection, version_id: int, server: str,
                   accession: str | None, portal_id: str | None, activity_id: int,
                   stamp: str) -> None:
    """This server's portal record of the version (what it is called there, which step run
    posted it); an accession learnt earlier is kept when this call has none."""
    conn.execute(
        "INSERT INTO version_accessions (version_id, server, accession, portal_id, "
        "activity_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version_id, server) "
        "DO UPDATE SET accession = coalesce(excluded.accession, accession), portal_id = "
        "coalesce(excluded.portal_id, portal_id), activity_id = excluded.activity_id",
        (version_id, server, accession, portal_id, activity_id, stamp))


def _current_version(conn: sqlite3.Connection, file_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM file_versions WHERE file_id = ? "
                                           "ORDER BY version DESC LIMIT 1",
                                           (file_id,)).fetchone()
    return row


def _stored_sources(conn: sqlite3.Connection, version_id: int) -> list[Source]:
    rows = conn.execute("SELECT accession, source_version_id FROM version_sources WHERE "
                        "version_id = ? ORDER BY position", (version_id,)).fetchall()
    return [Source(r[0] or f"v{r[1]}", accession=r[0], version_id=r[1]) for r in rows]


def _file_id(conn: sqlite3.Connection, location: str, stamp: str) -> int:
    row = conn.execute("SELECT id FROM derived_files WHERE file_path = ?", (location,)).fetchone()
    if row:
        return row["id"]
    return _insert(conn, "derived_files", {"file_path": location, "created_at": stamp,
                                           "updated_at": stamp})


def _source_keys(conn: sqlite3.Connection, version_id: int) -> list[tuple[str, int]]:
    rows = conn.execute("SELECT accession, source_version_id FROM version_sources "
                        "WHERE version_id = ?", (version_id,)).fetchall()
    return sorted((r[0] or "", r[1] or 0) for r in rows)


def _write_sources(conn: sqlite3.Connection, version_id: int, sources: list[Source]) -> None:
    conn.execute("DELETE FROM version_sources WHERE version_id = ?", (version_id,))
    conn.executemany("INSERT INTO version_sources (version_id, position, accession, "
                     "source_version_id) VALUES (?, ?, ?, ?)",
                     [(version_id, i, s.accession, s.version_id) for i, s in enumerate(sources)])


def _amend(conn: sqlite3.Connection, current: sqlite3.Row, content: Content,
           sources: list[Source], activity_id: int, accession: str | None,
           portal_id: str | None) -> None:
    """Same content, other record: replace sources and activity, fill in what was unknown
    (the sha256 of a pipeline file known by md5, a portal accession learnt later); drop the
    old activity when nothing else points to it."""
    conn.execute(
        "UPDATE file_versions SET activity_id = ?, sha256 = coalesce(?, sha256), "
        "md5 = coalesce(?, md5), size = coalesce(?, size), mtime_ns = coalesce(?, mtime_ns), "
        "accession = coalesce(?, accession), portal_id = coalesce(?, portal_id) WHERE id = ?",
        (activity_id, content.sha256, content.md5, content.size, content.mtime_ns, accession,
         portal_id, current["id"]))
    _write_sources(conn, current["id"], sources)
    old = current["activity_id"]
    if old is not None and old != activity_id:
        conn.execute("DELETE FROM provenance_activities WHERE id = ? AND NOT EXISTS "
                     "(SELECT 1 FROM file_versions WHERE activity_id = ?) AND NOT EXISTS "
                     "(SELECT 1 FROM version_accessions WHERE activity_id = ?)", (old, old, old))


def _refresh_summary(conn: sqlite3.Connection, file_id: int, sources: list[Source],
                     spec: ToolRun | StepRun, stamp: str) -> None:
    """derived_files keeps the current version's summary for readers of whole rows (for an
    accessioned file, `tool` is the pipeline's docker image)."""
    tool = spec.tool if isinstance(spec, ToolRun) else spec.docker_image
    parameters = spec.fields()["parameters"] if isinstance(spec, ToolRun) else None
    description = spec.description if isinstance(spec, ToolRun) else None
    accessions = sorted({s.accession for s in sources if s.accession})
    conn.execute("UPDATE derived_files SET source_accessions = ?, tool = ?, parameters = ?, "
                 "description = ?, updated_at = ? WHERE id = ?",
                 (json.dumps(accessions), tool, parameters, description, stamp, file_id))
