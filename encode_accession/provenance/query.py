"""Reading lineage: the whole graph (for reports) or one target's ancestors and descendants,
any number of steps away.

Traversal walks the join rows breadth first, one indexed query per step and direction, so
matching is exact: an accession is compared whole (ENCFF001AAA never finds ENCFF001AAAB) and
a path is compared in its canonical form (/a/b.txt never finds /a/b.txt.gz).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from encode_accession.core.errors import InputError
from encode_accession.provenance.identity import accession_of, canonical_location
from encode_accession.provenance.model import (
    AccessionNode,
    Activity,
    Graph,
    PortalRecord,
    PortalSource,
    SourceRow,
    Version,
    accession_key,
)

_BATCH = 500  # ids per IN (...) list, well under SQLite's variable limit
_VERSION_SELECT = (
    "SELECT v.id, d.file_path, v.version, v.sha256, v.md5, v.size, v.accession, v.portal_id, "
    "v.activity_id, v.recorded_at, v.output_type, v.file_format, "
    "(SELECT max(version) FROM file_versions l "
    "WHERE l.file_id = v.file_id) AS latest "
    "FROM file_versions v JOIN derived_files d ON d.id = v.file_id")


@dataclass
class Lineage:
    """A target (path or accession), the nodes it names, and what lies up and down from it."""

    target: str
    roots: list[str]
    upstream: list[str]
    downstream: list[str]
    graph: Graph


def load_graph(conn: sqlite3.Connection) -> Graph:
    """Every recorded version, activity and source accession."""
    return _complete(conn, _versions(conn, "1", ()))


def lineage(conn: sqlite3.Connection, target: str) -> Lineage:
    """Everything `target` was made from (up to the ENCODE accessions) and everything made
    from it. A path names all its versions (so files made from an older version are found
    too); an accession names the recorded files carrying it, or else the accession itself."""
    accession = accession_of(target)
    if accession:
        name = accession
        seeds = _versions_carrying(conn, [accession])
    else:
        name = canonical_location(target)
        seeds = _versions(conn, "d.file_path = ?", (name,))
        if not seeds:
            raise InputError(target, "target", "is neither an ENCODE accession nor a logged "
                             "file", "give a path logged with log-derived, or an accession")
    found = {v.id: v for v in seeds}
    _walk_up(conn, found, [v.id for v in seeds])
    down = _walk_down(conn, found, [v.id for v in seeds], {accession} if accession else set())
    graph = _complete(conn, found.values())
    roots = [v.key for v in seeds]
    if not seeds:
        graph.accessions.update(_accession_nodes(conn, [name]))
        roots = [accession_key(name)]
    upstream = [k for k in _ancestor_keys(graph, roots) if k not in roots]
    return Lineage(name, roots, upstream,
                   [v.key for v in graph.ordered_versions() if v.id in down], graph)


def _walk_up(conn: sqlite3.Connection, found: dict[int, Version], frontier: list[int]) -> None:
    """Load every ancestor version of `frontier` into `found`, one query per step."""
    seen_accessions: set[str] = set()
    while frontier:
        parents: set[int] = set()
        accessions: set[str] = set()
        for version_id in frontier:
            for source in found[version_id].sources:
                if source.version_id is not None:
                    parents.add(source.version_id)
                elif source.accession not in seen_accessions:
                    accessions.add(str(source.accession))
        seen_accessions |= accessions
        new = [v for v in _versions_carrying(conn, sorted(accessions)) if v.id not in found]
        new += _versions_in(conn, "v.id", sorted(parents - found.keys() - {v.id for v in new}))
        found.update((v.id, v) for v in new)
        frontier = [v.id for v in new]


def _walk_down(conn: sqlite3.Connection, found: dict[int, Version], frontier: list[int],
               accessions: set[str]) -> set[int]:
    """Load every descendant version into `found`; return their ids."""
    reached: set[int] = set()
    seen_accessions: set[str] = set()
    while frontier or accessions:
        names = (accessions | {a for i in frontier for a in found[i].accessions}
                 ) - seen_accessions
        seen_accessions |= names
        children = {r[0] for r in _rows_in(conn, "SELECT version_id FROM version_sources "
                                                 "WHERE source_version_id", frontier)}
        children |= {r[0] for r in _rows_in(conn, "SELECT version_id FROM version_sources "
                                                  "WHERE accession", sorted(names))}
        frontier, accessions = sorted(children - reached), set()
        reached |= children
        found.update((v.id, v) for v in _versions_in(conn, "v.id", [i for i in frontier
                                                                    if i not in found]))
    return reached


def _ancestor_keys(graph: Graph, roots: Sequence[str]) -> list[str]:
    """Breadth-first ancestors of `roots` in the loaded graph, each once."""
    order: dict[str, None] = dict.fromkeys(roots)
    queue = list(roots)
    while queue:
        node = graph.node(queue.pop(0))
        if isinstance(node, Version):
            for parent in graph.parents(node):
                if parent not in order:
                    order[parent] = None
                    queue.append(parent)
    return list(order)


# -- rows ------------------------------------------------------------------------------------

def _complete(conn: sqlite3.Connection, versions: Iterable[Version]) -> Graph:
    """A graph of these versions, with their activities, the versions carrying each source
    accession, and the other source accessions with their tracker status."""
    graph = Graph(versions={v.id: v for v in versions})
    for version in graph.versions.values():
        for accession in version.accessions:
            graph.carriers.setdefault(accession, []).append(version.id)
    for ids in graph.carriers.values():
        ids.sort()
    activity_ids = sorted({v.activity_id for v in graph.versions.values() if v.activity_id})
    graph.activities = {a.id: a for a in _activities(conn, activity_ids)}
    leaves = sorted({s.accession for v in graph.versions.values() for s in v.sources
                     if s.accession and s.accession not in graph.carriers})
    graph.accessions = _accession_nodes(conn, leaves)
    return graph


def _versions(conn: sqlite3.Connection, where: str, args: Sequence[object]) -> list[Version]:
    rows = conn.execute(f"{_VERSION_SELECT} WHERE {where} ORDER BY d.file_path, v.version",
                        args).fetchall()
    return _with_sources(conn, rows)


def _versions_carrying(conn: sqlite3.Connection, accessions: Sequence[str]) -> list[Version]:
    """The versions any portal knows by one of these accessions."""
    ids = {r[0] for r in _rows_in(conn, "SELECT version_id FROM version_accessions "
                                        "WHERE accession", accessions)}
    ids |= {r[0] for r in _rows_in(conn, "SELECT id FROM file_versions WHERE accession",
                                   accessions)}
    return _versions_in(conn, "v.id", sorted(ids))


def _versions_in(conn: sqlite3.Connection, column: str, values: Sequence[object]
                 ) -> list[Version]:
    return _with_sources(conn, _rows_in(conn, f"{_VERSION_SELECT} WHERE {column}", values))


def _with_sources(conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Version]:
    sources: dict[int, list[SourceRow]] = {}
    for row in _rows_in(conn, "SELECT version_id, accession, source_version_id FROM "
                              "version_sources WHERE version_id", [r["id"] for r in rows],
                        order="version_id, position"):
        sources.setdefault(row[0], []).append(SourceRow(row[1], row[2]))
    records: dict[int, list[PortalRecord]] = {}
    for row in _rows_in(conn, "SELECT version_id, server, accession, portal_id FROM "
                              "version_accessions WHERE version_id", [r["id"] for r in rows],
                        order="version_id, recorded_at, server"):
        records.setdefault(row[0], []).append(PortalRecord(row[1], row[2], row[3]))
    return [Version(r["id"], r["file_path"], r["version"], r["latest"], r["sha256"], r["md5"],
                    r["size"], r["accession"], r["portal_id"], r["activity_id"],
                    r["recorded_at"], tuple(sources.get(r["id"], ())), r["output_type"],
                    r["file_format"], tuple(records.get(r["id"], ()))) for r in rows]


def _activities(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Activity]:
    rows = _rows_in(conn, "SELECT id, kind, tool, tool_version, parameters, description, rule, "
                          "step_run, workflow_id, docker_image, server, lab, recorded_at, "
                          "step_name, step_version "
                          "FROM provenance_activities WHERE id", ids, order="id")
    return [Activity(**{**dict(r), "parameters": json.loads(r["parameters"])
                        if r["parameters"] is not None else None}) for r in rows]


def _accession_nodes(conn: sqlite3.Connection, accessions: Sequence[str]
                     ) -> dict[str, AccessionNode]:
    """Tracker status of source accessions: a tracked experiment, a file of one (listed by
    the portal, or carrying QC), an input an accessioning run found on the portal, or
    unknown."""
    experiments = {r[0]: r[0] for r in _rows_in(
        conn, "SELECT accession FROM tracked_experiments WHERE accession", accessions)}
    for file_accession, experiment in _rows_in(
            conn, "SELECT file_accession, min(experiment_accession) FROM experiment_files "
                  "WHERE file_accession", accessions, group="file_accession"):
        experiments.setdefault(file_accession, experiment)
    for file_accession, experiment in _rows_in(
            conn, "SELECT file_accession, min(experiment_accession) FROM quality_metrics "
                  "WHERE file_accession", accessions, group="file_accession"):
        experiments.setdefault(file_accession, experiment)
    portal = {r["accession"]: PortalSource(r["file_name"], r["output_type"], r["role"],
                                           r["filekey"], r["portal_id"], r["server"])
              for r in _rows_in(conn, "SELECT * FROM portal_sources WHERE accession",
                                accessions)}
    return {a: AccessionNode(a, experiments.get(a), portal.get(a)) for a in accessions}


def _rows_in(conn: sqlite3.Connection, query: str, values: Sequence[object], *,
             order: str | None = None, group: str | None = None) -> list[sqlite3.Row]:
    """`query` ending in `WHERE <column>` completed with `IN (...)`, in batches."""
    rows: list[sqlite3.Row] = []
    for start in range(0, len(values), _BATCH):
        batch = values[start:start + _BATCH]
        sql = f"{query} IN ({', '.join('?' * len(batch))})"
        sql += f" GROUP BY {group}" if group else ""
        sql += f" ORDER BY {order}" if order else ""
        rows += conn.execute(sql, list(batch)).fetchall()
    return rows

