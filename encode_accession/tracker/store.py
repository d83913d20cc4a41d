"""Reading and writing tracker rows. Every write is one short transaction (see db.write).

Filters are exact (case-insensitive) whole-value matches by default: single-valued fields
compare the column (indexed with accession, so a filtered list needs no sort), multi-valued
ones (organism, organ, assembly, life stage) look the value up in experiment_terms. So
"heart" never matches "heart left ventricle" unless the caller asks for `match="contains"`
(a substring match, LIKE, a scan: the explicit, slower choice).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import now, write
from encode_accession.tracker.identifiers import REFERENCE_TYPES, reference_id
from encode_accession.tracker.records import ExperimentRow, TrackedExperiment


@dataclass(frozen=True)
class Field:
    """A filterable, summarisable experiment field and where its values live."""

    name: str
    column: str
    multi: bool = False
    title_column: str | None = None  # a readable name kept next to an identifier

    @property
    def label_column(self) -> str:
        """What summaries count by: the title when there is one."""
        return self.title_column or self.column


FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("assay", "assay_title"),
    Field("target", "target"),
    Field("biosample", "biosample"),
    Field("biosample_type", "biosample_type"),
    Field("organism", "organism", multi=True),
    Field("organ", "organ", multi=True),
    Field("life_stage", "life_stage", multi=True),
    Field("assembly", "assembly", multi=True),
    Field("status", "status"),
    Field("lab", "lab", title_column="lab_title"),
)}
MATCHES = ("exact", "contains")
SUMMARY_FIELDS = ("assay", "target", "organism", "organ", "biosample_type", "status", "lab")
# The experiment columns in export order (raw_metadata is left out: it is the portal's).
COLUMNS = (
    "accession", "assay_title", "target", "biosample", "biosample_summary", "biosample_type",
    "organism", "organ", "life_stage", "status", "date_released", "lab", "lab_title", "award",
    "award_title", "assembly",
    "replication_type", "description", "url", "notes", "tracked_at", "updated_at",
)
# What an export adds to each experiment: what was published on it, linked to it, made from it.
COUNT_COLUMNS = ("pmids", "publication_count", "reference_count", "derived_file_count")
EXPORT_COLUMNS = COLUMNS + COUNT_COLUMNS
_COUNT_SQL = (
    "(SELECT json_group_array(pmid) FROM (SELECT pmid FROM publications WHERE "
    "experiment_accession = tracked_experiments.accession AND pmid IS NOT NULL ORDER BY pmid))",
    "(SELECT COUNT(*) FROM publications WHERE "
    "experiment_accession = tracked_experiments.accession)",
    "(SELECT COUNT(*) FROM external_references WHERE "
    "experiment_accession = tracked_experiments.accession)",
)
LIST_COLUMNS = frozenset(f.column for f in FIELDS.values() if f.multi)
_MULTI = [f for f in FIELDS.values() if f.multi]
Filters = Mapping[str, Sequence[str]]


# What a track may leave out (fetch_publications=False, fetch_pipelines=False) -> its table.
PARTS = {"publications": "publications", "pipelines": "pipeline_info"}


@dataclass(frozen=True)
class SaveResult:
    accession: str
    created: bool
    tracked_at: str
    updated_at: str
    notes: str | None
    kept: tuple[str, ...] = ()  # parts not fetched this time whose stored rows were kept


# -- writes --------------------------------------------------------------------------------

def save_tracked(conn: sqlite3.Connection, record: TrackedExperiment,
                 notes: str | None = None, *, fetched: Collection[str] = tuple(PARTS),
                 clear_notes: bool = False) -> SaveResult:
    """Insert or update one experiment and replace what the portal said about it.

    Notes are kept unless `notes` is given (or `clear_notes`); references the user linked are
    kept; the portal-derived rows are replaced, so re-tracking never duplicates. A part of
    PARTS not in `fetched` was not read this time: its stored rows are kept, not emptied.
    """
    unknown = set(fetched) - PARTS.keys()
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; use {sorted(PARTS)}")
    exp = record.experiment
    stamp = now()
    with write(conn):
        created = conn.execute("SELECT 1 FROM tracked_experiments WHERE accession = ?",
                               (exp.accession,)).fetchone() is None
        _upsert_experiment(conn, exp, notes, stamp, clear_notes=clear_notes)
        acc = exp.accession
        replaced = ["quality_metrics", "experiment_files",
                    *(table for part, table in PARTS.items() if part in fetched)]
        conn.execute("DELETE FROM experiment_terms WHERE accession = ?", (acc,))
        for table in replaced:
            conn.execute(f"DELETE FROM {table} WHERE experiment_accession = ?", (acc,))
        conn.execute("DELETE FROM external_references WHERE experiment_accession = ? "
                     "AND origin = 'portal'", (acc,))
        conn.executemany(
            "INSERT INTO experiment_terms (accession, field, value) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(acc, f.column, v) for f in _MULTI for v in getattr(exp, f.column)])
        if "publications" in fetched:
            conn.executemany(
                "INSERT INTO publications (experiment_accession, publication_id, pmid, doi, "
                "title, authors, author_count, journal, year, volume, issue, pages, abstract) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(acc, p.publication_id, p.pmid, p.doi, p.title, json.dumps(list(p.authors)),
                  p.author_count, p.journal, p.year, p.volume, p.issue, p.pages, p.abstract)
                 for p in record.publications])
        if "pipelines" in fetched:
            conn.executemany(
                "INSERT INTO pipeline_info (experiment_accession, pipeline_title, "
                "pipeline_accession, analysis_accession, analysis_title, version, software, "
                "analysis_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(acc, p.pipeline_title, p.pipeline_accession, p.analysis_accession,
                  p.analysis_title, p.version, json.dumps([s.as_dict() for s in p.software]),
                  p.analysis_status) for p in record.pipelines])
        conn.executemany(
            "INSERT INTO quality_metrics (experiment_accession, file_accession, metric_id, "
            "metric_type, metric_data) VALUES (?, ?, ?, ?, ?)",
            [(acc, q.file_accession, q.metric_id, q.metric_type,
              json.dumps(q.metric_data, sort_keys=True)) for q in record.quality_metrics])
        conn.executemany(
            "INSERT INTO experiment_files (experiment_accession, file_accession) "
            "VALUES (?, ?) ON CONFLICT DO NOTHING", [(acc, f) for f in record.files])
        conn.executemany(
            "INSERT INTO external_references (experiment_accession, reference_type, "
            "reference_id, description, origin, created_at) VALUES (?, ?, ?, ?, 'portal', ?) "
            "ON CONFLICT DO NOTHING",
            [(acc, r.reference_type, r.reference_id, r.description, stamp)
             for r in record.references])
        row = conn.execute("SELECT tracked_at, updated_at, notes FROM tracked_experiments "
                           "WHERE accession = ?", (acc,)).fetchone()
    kept = () if created else tuple(p for p in PARTS if p not in fetched)
    return SaveResult(acc, created, row["tracked_at"], row["updated_at"], row["notes"], kept)


def _upsert_experiment(conn: sqlite3.Connection, exp: ExperimentRow, notes: str | None,
                       stamp: str, *, clear_notes: bool = False) -> None:
    values = {
        **{c: getattr(exp, c) for c in COLUMNS if hasattr(exp, c)},
        "notes": notes, "tracked_at": stamp, "updated_at": stamp,
        "raw_metadata_bytes": exp.raw.original_bytes,
        "raw_metadata_dropped": json.dumps(list(exp.raw.dropped)) if exp.raw.trimmed else None,
    }
    for column in LIST_COLUMNS:
        values[column] = json.dumps(list(values[column]))
    names = list(values)
    updates = [f"{c} = excluded.{c}" for c in names if c not in ("accession", "tracked_at",
                                                                    "notes")]
    updates.append("notes = excluded.notes" if clear_notes or notes is not None
                   else "notes = tracked_experiments.notes")
    conn.execute(
        f"INSERT INTO tracked_experiments ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT(accession) DO UPDATE SET {', '.join(updates)}",
        [values[c] for c in names])
    conn.execute("INSERT INTO experiment_raw (accession, raw_metadata) VALUES (?, ?) "
                 "ON CONFLICT(accession) DO UPDATE SET raw_metadata = excluded.raw_metadata",
                 (exp.accession, exp.raw.text))


def untrack(conn: sqlite3.Connection, accession: str) -> dict[str, Any]:
    """Remove a tracked experiment and every row about it (its publications, pipelines, QC,
    files, terms and references, your links and notes included). Provenance is never
    removed: files made from it (or from its files) keep their lineage, and are listed as
    `kept_provenance` so the caller can say what stayed."""
    require_tracked(conn, accession)
    with write(conn):
        removed = {name: conn.execute(f"SELECT COUNT(*) FROM {table} WHERE "
                                      "experiment_accession = ?", (accession,)).fetchone()[0]
                   for name, table in (("publications", "publications"),
                                       ("pipelines", "pipeline_info"),
                                       ("quality_metrics", "quality_metrics"),
                                       ("files", "experiment_files"),
                                       ("references", "external_references"))}
        removed["user_references"] = conn.execute(
            "SELECT COUNT(*) FROM external_references WHERE experiment_accession = ? AND "
            "origin = 'user'", (accession,)).fetchone()[0]
        notes = conn.execute("SELECT notes FROM tracked_experiments WHERE accession = ?",
                             (accession,)).fetchone()[0]
        files = [r[0] for r in conn.execute("SELECT file_accession FROM experiment_files "
                                            "WHERE experiment_accession = ?", (accession,))]
        kept = sorted({row["file_path"] for source in (accession, *files)
                       for row in derived_files_from(conn, source)})
        conn.execute("DELETE FROM tracked_experiments WHERE accession = ?", (accession,))
    return {"accession": accession, "untracked": True, "removed": removed,
            "notes_removed": notes is not None, "kept_provenance": kept}


def link_reference(conn: sqlite3.Connection, accession: str, reference_type: str,
                   identifier: str, description: str | None = None) -> dict[str, Any]:
    """Attach an external reference the user knows of; it survives re-tracking."""
    canonical = reference_id(reference_type, identifier)
    require_tracked(conn, accession)
    with write(conn):
        conn.execute(
            "INSERT INTO external_references (experiment_accession, reference_type, "
            "reference_id, description, origin, created_at) VALUES (?, ?, ?, ?, 'user', ?) "
            "ON CONFLICT (experiment_accession, reference_type, reference_id) DO UPDATE SET "
            "description = coalesce(excluded.description, description), origin = 'user'",
            (accession, reference_type, canonical, description, now()))
    return {"experiment_accession": accession, "reference_type": reference_type,
            "reference_id": canonical, "description": description}


# -- reads ---------------------------------------------------------------------------------

def require_tracked(conn: sqlite3.Connection, accession: str) -> None:
    if conn.execute("SELECT 1 FROM tracked_experiments WHERE accession = ?",
                    (accession,)).fetchone() is None:
        raise InputError("tracker", accession, "is not tracked",
                         f"run `track {accession}` first")


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    record = dict(row)
    for column in LIST_COLUMNS & record.keys():
        record[column] = json.loads(record[column])
    return record


def _where(filters: Filters | None, match: str = "exact") -> tuple[str, list[str]]:
    """SQL for the filters: exact whole values (indexed) or, with match="contains",
    substrings (LIKE, case-insensitive for ASCII, a scan)."""
    if match not in MATCHES:
        raise InputError("filter", "match", f"{match!r} is not a way to match",
                         f"use one of: {', '.join(MATCHES)}")
    clauses, args = [], []
    for name, values in (filters or {}).items():
        wanted = [v for v in values if v]
        if not wanted:
            continue
        field = FIELDS.get(name)
        if field is None:
            raise InputError("filter", name, "is not a field one can filter on",
                             f"use one of: {', '.join(FIELDS)}")
        columns = ["value"] if field.multi else \
            [c for c in (field.column, field.title_column) if c]
        if match == "exact":
            # An identifier (/labs/x/) is looked up by identifier, anything else by title:
            # one indexed column per value, so a title filter reads its index in list order.
            by_column = {c: wanted for c in columns} if not field.title_column else {
                field.column: [v for v in wanted if v.startswith("/")],
                field.title_column: [v for v in wanted if not v.startswith("/")]}
            parts = [(c, vs) for c, vs in by_column.items() if vs]
            test = " OR ".join(f"{c} IN ({', '.join('?' * len(vs))})" for c, vs in parts)
            values_args = [v for _, vs in parts for v in vs]
        else:
            test = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns for _ in wanted)
            values_args = [_like(v) for _ in columns for v in wanted]
        if field.multi:
            clauses.append("accession IN (SELECT accession FROM experiment_terms "
                           f"WHERE field = ? AND ({test}))")
            args.append(field.column)
        else:
            clauses.append(f"({test})")
        args += values_args
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def iter_experiments(conn: sqlite3.Connection, filters: Filters | None = None,
                     match: str = "exact", *, limit: int | None = None, offset: int = 0,
                     counts: bool = False) -> Iterator[dict[str, Any]]:
    """Tracked experiments (COLUMNS, lists decoded) by accession; the same field given
    several values matches any of them, different fields must all match. ``limit`` and
    ``offset`` page through them (None: all). ``counts`` adds COUNT_COLUMNS (an index
    lookup per row for publications and references; derived files counted once for all)."""
    where, args = _where(filters, match)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: this loop may run 100,000 times
    selected = [*COLUMNS, *(_COUNT_SQL if counts else ())]
    cursor.execute(f"SELECT {', '.join(selected)} FROM tracked_experiments{where} "
                   "ORDER BY accession LIMIT ? OFFSET ?",
                   [*args, -1 if limit is None else limit, offset])
    lists = [(i, c) for i, c in enumerate(COLUMNS) if c in LIST_COLUMNS]
    derived = derived_file_counts(conn) if counts else {}
    decoded: dict[str, list[str]] = {}  # the few distinct lists ('["Homo sapiens"]', ...)
    width = len(COLUMNS)
    for row in cursor:
        record = dict(zip(COLUMNS, row[:width], strict=True))
        for i, column in lists:
            text = row[i]
            if text not in decoded:
                decoded[text] = json.loads(text)
            record[column] = list(decoded[text])  # a copy: callers may change theirs
        if counts:
            record["pmids"] = json.loads(row[width]) if row[width] != "[]" else []
            record["publication_count"], record["reference_count"] = row[width + 1:]
            record["derived_file_count"] = derived.get(record["accession"], 0)
        yield record


def derived_file_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Tracked experiment -> how many logged or accessioned files were made from it or from
    one of its files (any version); read from the source rows, which are few."""
    rows = conn.execute(
        "SELECT experiment, COUNT(DISTINCT file_id) FROM ("
        "SELECT s.accession AS experiment, v.file_id FROM version_sources s JOIN file_versions "
        "v ON v.id = s.version_id WHERE s.accession IN (SELECT accession FROM "
        "tracked_experiments) UNION ALL SELECT f.experiment_accession, v.file_id FROM "
        "version_sources s JOIN file_versions v ON v.id = s.version_id JOIN experiment_files f "
        "ON f.file_accession = s.accession) GROUP BY experiment").fetchall()
    return {r[0]: r[1] for r in rows}


@dataclass(frozen=True)
class Page:
    """One page of a filtered list: its experiments and how many match in all."""

    experiments: list[dict[str, Any]]
    total: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts; None on the last page."""
        end = self.offset + len(self.experiments)
        return end if end < self.total else None


def list_experiments(conn: sqlite3.Connection, filters: Filters | None = None,
                     match: str = "exact", *, limit: int | None, offset: int = 0) -> Page:
    """A page of the matching experiments and their total: what a person or an assistant
    reads. Both queries use the filter's index, so a page costs the same at 100 rows or
    100,000 (materialising every match as dicts is for export, which streams)."""
    rows = list(iter_experiments(conn, filters, match, limit=limit, offset=offset))
    # A short page is the last one: where it ends is the total (unless it starts past the end).
    last = (limit is None or len(rows) < limit) and (rows or offset == 0)
    total = offset + len(rows) if last else count_experiments(conn, filters, match)
    return Page(rows, total, offset)


def count_rows(conn: sqlite3.Connection, part: str, accession: str) -> int:
    """How many rows of a part (PARTS: publications, pipelines) an experiment has."""
    return conn.execute(f"SELECT COUNT(*) FROM {PARTS[part]} WHERE experiment_accession = ?",
                        (accession,)).fetchone()[0]


def get_experiment(conn: sqlite3.Connection, accession: str) -> dict[str, Any]:
    require_tracked(conn, accession)
    row = conn.execute(f"SELECT {', '.join(COLUMNS)}, raw_metadata_bytes, raw_metadata_dropped "
                       "FROM tracked_experiments WHERE accession = ?", (accession,)).fetchone()
    record = _decode(row)
    dropped = record.pop("raw_metadata_dropped")
    record["raw_metadata_dropped"] = json.loads(dropped) if dropped else []
    return record


def raw_metadata(conn: sqlite3.Connection, accession: str) -> dict[str, Any]:
    require_tracked(conn, accession)
    row = conn.execute("SELECT raw_metadata FROM experiment_raw WHERE accession = ?",
                       (accession,)).fetchone()
    return json.loads(row[0])


def count_experiments(conn: sqlite3.Connection, filters: Filters | None = None,
                      match: str = "exact") -> int:
    where, args = _where(filters, match)
    return conn.execute(f"SELECT COUNT(*) FROM tracked_experiments{where}", args).fetchone()[0]


def summarize(conn: sqlite3.Connection, filters: Filters | None = None, match: str = "exact",
              fields: Sequence[str] = SUMMARY_FIELDS) -> dict[str, Any]:
    """Counts per value of each field among the experiments matching `filters`, most common
    first, with `total` (matching) and `collection_total` (all tracked). A multi-valued field
    counts an experiment once under each of its values; experiments without one count as
    "(none)"."""
    where, args = _where(filters, match)
    # Without filters every experiment counts: no subquery to join against.
    chosen = f"SELECT accession FROM tracked_experiments{where}" if where else None
    total = count_experiments(conn, filters, match)
    groups: dict[str, dict[str, int]] = {}
    for name in fields:
        field = FIELDS[name]
        if field.multi:
            among = f" AND accession IN ({chosen})" if chosen else ""
            rows = conn.execute(
                f"SELECT value, COUNT(*) FROM experiment_terms WHERE field = ?{among} "
                "GROUP BY value ORDER BY COUNT(*) DESC, value", (field.column, *args)).fetchall()
            with_value = conn.execute(
                "SELECT COUNT(DISTINCT accession) FROM experiment_terms WHERE field = ?"
                f"{among}", (field.column, *args)).fetchone()[0]
            counts = {r[0]: r[1] for r in rows}
            missing = total - with_value
        else:
            column = field.label_column
            among = f" AND accession IN ({chosen})" if chosen else ""
            rows = conn.execute(
                f"SELECT {column}, COUNT(*) FROM tracked_experiments "
                f"WHERE {column} IS NOT NULL AND {column} != ''{among} "
                f"GROUP BY {column} ORDER BY COUNT(*) DESC, {column}", args).fetchall()
            counts = {r[0]: r[1] for r in rows}
            missing = total - sum(counts.values())
        if missing:
            counts["(none)"] = missing
        groups[name] = counts
    return {"total": total, "collection_total": count_experiments(conn),
            "filters": {k: list(v) for k, v in (filters or {}).items() if v}, "match": match,
            "totals": _totals(conn, chosen, args, total), "by": groups}


def _totals(conn: sqlite3.Connection, chosen: str | None, args: Sequence[str],
            experiments: int) -> dict[str, int]:
    """What the matching experiments (`chosen`: their SELECT, None for all) hold in all:
    distinct publications (by PMID, else DOI, else title), references, files made from
    them."""
    among = f" WHERE experiment_accession IN ({chosen})" if chosen else ""
    publications = conn.execute(
        "SELECT COUNT(DISTINCT coalesce(pmid, doi, lower(title))) FROM publications"
        f"{among}", args).fetchone()[0]
    references = conn.execute(f"SELECT COUNT(*) FROM external_references{among}",
                              args).fetchone()[0]
    # Driven by the source rows (few), each looked up in the experiments' primary keys.
    in_experiment = f" AND e.accession IN ({chosen})" if chosen else ""
    in_files = f" AND f.experiment_accession IN ({chosen})" if chosen else ""
    derived = conn.execute(
        "SELECT COUNT(DISTINCT v.file_id) FROM version_sources s JOIN file_versions v ON "
        "v.id = s.version_id WHERE s.accession IS NOT NULL AND (EXISTS (SELECT 1 FROM "
        f"tracked_experiments e WHERE e.accession = s.accession{in_experiment}) OR EXISTS "
        "(SELECT 1 FROM experiment_files f WHERE f.file_accession = s.accession"
        f"{in_files}))", [*args, *args]).fetchone()[0]
    return {"experiments": experiments, "publications": publications,
            "references": references, "derived_files": derived}


def publications_of(conn: sqlite3.Connection, accessions: Sequence[str]
                    ) -> list[dict[str, Any]]:
    """Publications of these experiments, each once (by PMID, else DOI, else title), with
    the experiments citing it; in the order the experiments were given."""
    merged: dict[str, dict[str, Any]] = {}
    for accession in accessions:
        for row in conn.execute("SELECT * FROM publications WHERE experiment_accession = ? "
                                "ORDER BY year, pmid, doi, title", (accession,)):
            pub = dict(row)
            key = pub["pmid"] or pub["doi"] or (pub["title"] or "").lower()
            entry = merged.setdefault(key, {**pub, "authors": json.loads(pub["authors"]),
                                            "experiments": []})
            entry["experiments"].append(accession)
    for entry in merged.values():
        for column in ("id", "experiment_accession"):
            entry.pop(column, None)
    return list(merged.values())


def references_of(conn: sqlite3.Connection, accession: str) -> list[dict[str, Any]]:
    require_tracked(conn, accession)
    return references(conn, [accession])


def references(conn: sqlite3.Connection, accessions: Sequence[str] = (),
               reference_type: str | None = None) -> list[dict[str, Any]]:
    """External references of these experiments (default: the whole collection), optionally
    of one type, by experiment, type and id."""
    if reference_type is not None and reference_type not in REFERENCE_TYPES:
        raise InputError("references", "--type", f"{reference_type!r} is not a reference type",
                         f"use one of: {', '.join(REFERENCE_TYPES)}")
    clauses, args = [], []
    if accessions:
        clauses.append(f"experiment_accession IN ({', '.join('?' * len(accessions))})")
        args += list(accessions)
    if reference_type:
        clauses.append("reference_type = ?")
        args.append(reference_type)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(
        "SELECT experiment_accession, reference_type, reference_id, description, origin, "
        f"created_at FROM external_references{where} "
        "ORDER BY experiment_accession, reference_type, reference_id", args).fetchall()
    return [dict(r) for r in rows]


def unlink_reference(conn: sqlite3.Connection, accession: str, reference_type: str,
                     identifier: str) -> dict[str, Any]:
    """Remove a reference the user linked. One the portal lists is refused (re-tracking
    would bring it back); one that is not there is an error naming what is."""
    canonical = reference_id(reference_type, identifier)
    require_tracked(conn, accession)
    with write(conn):
        row = conn.execute(
            "SELECT origin FROM external_references WHERE experiment_accession = ? AND "
            "reference_type = ? AND reference_id = ?",
            (accession, reference_type, canonical)).fetchone()
        if row is None:
            raise InputError(accession, f"{reference_type} {canonical}", "is not linked",
                             f"see `references {accession}` for what is")
        if row["origin"] == "portal":
            raise InputError(accession, f"{reference_type} {canonical}",
                             "comes from the portal's own record and returns on re-tracking",
                             "only references you linked can be unlinked")
        conn.execute("DELETE FROM external_references WHERE experiment_accession = ? AND "
                     "reference_type = ? AND reference_id = ?",
                     (accession, reference_type, canonical))
    return {"experiment_accession": accession, "reference_type": reference_type,
            "reference_id": canonical, "unlinked": True}


def pipelines_of(conn: sqlite3.Connection, accession: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT pipeline_title, pipeline_accession, analysis_accession, analysis_title, "
        "version, software, analysis_status FROM pipeline_info WHERE experiment_accession = ? "
        "ORDER BY pipeline_title, analysis_accession", (accession,)).fetchall()
    return [{**dict(r), "software": json.loads(r["software"])} for r in rows]


def quality_metrics_of(conn: sqlite3.Connection, accession: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT file_accession, metric_id, metric_type, metric_data FROM quality_metrics "
        "WHERE experiment_accession = ? ORDER BY file_accession, metric_type, metric_id",
        (accession,)).fetchall()
    return [{**dict(r), "metric_data": json.loads(r["metric_data"])} for r in rows]


def derived_files_from(conn: sqlite3.Connection, accession: str) -> list[dict[str, Any]]:
    """Files whose current version was made from `accession`: an exact, indexed match on the
    version_sources join rows, never a substring of JSON text."""
    rows = conn.execute(
        "SELECT d.* FROM derived_files d WHERE d.id IN (SELECT v.file_id FROM version_sources s "
        "JOIN file_versions v ON v.id = s.version_id WHERE s.accession = ? AND v.version = "
        "(SELECT max(version) FROM file_versions WHERE file_id = v.file_id)) "
        "ORDER BY d.file_path", (accession,)).fetchall()
    return [{**dict(r), "source_accessions": json.loads(r["source_accessions"])} for r in rows]
