"""A local record of accessioning runs, and the ``info`` query over it.

Like the reference tool's run database, it answers "what did we accession, when, for which
experiment?" across runs. The tables (migration 5 of
:mod:`encode_accession.database.schema`) live in the machine's one database, beside the
provenance of the same files (``tracker_db``, default ``$ENCODE_TRACKER_DB`` or
``~/.encode_connector/tracker.db``). Written by the summary job (a localrule) in the same
transaction as that provenance; a run summarized again (a re-run, a later verify) replaces its
record instead of adding one.
"""

from __future__ import annotations

import calendar
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from encode_accession.core.errors import InputError

HIDDEN_LABELS = {"caper-backend", "caper-user", "cromwell-workflow-id"}
# The reference tool's columns, then the portal a run went to: one workflow accessioned to
# two portals is two runs, told apart here (last, so the reference's column positions hold).
HEADER = ("Experiment @id", "WF ID", "WF Labels", "Accessioning Status", "Date(%m/%d/%y)",
          "File @id", "File status", "Quality Metrics", "Server")
UUID = re.compile(r"^[a-f\d]{8}-([a-f\d]{4}-){3}[a-f\d]{12}$")
UUID_PREFIX = re.compile(r"^[a-f\d][a-f\d-]{3,35}$")
EXPERIMENT = re.compile(r"^(/?experiments/)?(ENC|TST)SR\d{3}[A-Z\d]{3}/?$")


@dataclass(frozen=True)
class FileRecord:
    portal_id: str
    status: str | None
    created: bool
    quality_metrics: tuple[str, ...] = ()


def record_run(db: sqlite3.Connection, *, experiment: str, workflow_id: str,
               labels: dict[str, str], status: str, files: Iterable[FileRecord],
               server: str = "", day: date | None = None) -> int:
    """Record (or re-record: one row per workflow and server) a run and its files."""
    db.execute("DELETE FROM accession_runs WHERE workflow_id = ? AND server = ?",
               (workflow_id, server))
    cur = db.execute("INSERT INTO accession_runs (experiment, workflow_id, server, "
                     "date_created, status) VALUES (?, ?, ?, ?, ?)",
                     (experiment, workflow_id, server, (day or date.today()).isoformat(),
                      status))
    run_id = int(cur.lastrowid or 0)
    db.executemany("INSERT INTO accession_run_labels (run, key, value) VALUES (?, ?, ?)",
                   [(run_id, k, v) for k, v in sorted(labels.items())
                    if k not in HIDDEN_LABELS])
    for f in files:
        file_id = db.execute("INSERT INTO accession_run_files (run, portal_id, status, created) "
                             "VALUES (?, ?, ?, ?)",
                             (run_id, f.portal_id, f.status, int(f.created))).lastrowid
        db.executemany("INSERT INTO accession_run_qc (file, portal_id) VALUES (?, ?)",
                       [(file_id, q) for q in f.quality_metrics])
    return run_id


def parse_id(text: str) -> tuple[str, str, str | None]:
    """An ``info --ids`` item -> (kind, value, label key). Workflow ids may be prefixes
    (``2099edd0``), which the reference tool promised but did not do."""
    if UUID.match(text):
        return "workflow", text, None
    if EXPERIMENT.match(text):
        return "experiment", f"/experiments/{text.strip('/').rsplit('/', 1)[-1]}/", None
    key, sep, value = _split_label(text)
    if sep:
        return "label", value, key
    if UUID_PREFIX.match(text) and any(c.isdigit() for c in text):
        return "workflow_prefix", text, None
    return "label", text, "caper-str-label"


def _split_label(text: str) -> tuple[str, str, str]:
    """``key=value`` with ``\\=`` escaping an equals sign inside the key."""
    match = re.search(r"(?<!\\)=", text)
    if not match:
        return text, "", ""
    return text[:match.start()].replace("\\=", "="), "=", text[match.end():]


def parse_dates(text: str, today: date | None = None) -> tuple[date | None, date | None]:
    """``MM``, ``MM/DD``, ``MM/DD/YY[YY]`` or a range ``A-B``, ``-B``, ``A-``; inclusive."""
    today = today or date.today()
    start, sep, end = text.partition("-")
    if not sep:
        return _day(start, today, first=True), _day(start, today, first=False)
    return (_day(start, today, first=True) if start else None,
            _day(end, today, first=False) if end else None)


def _day(text: str, today: date, *, first: bool) -> date:
    parts = text.split("/")
    try:
        month = int(parts[0])
        year = today.year
        if len(parts) == 3:
            year = int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
        if len(parts) >= 2:
            return date(year, month, int(parts[1]))
        return date(year, month, 1 if first else calendar.monthrange(year, month)[1])
    except (ValueError, IndexError):
        raise InputError("info --date", text, "is not MM, MM/DD or MM/DD/YY[YY]",
                         "e.g. 03, 03/15, 03/15/26, or a range 03/01-03/31") from None


def query(db: sqlite3.Connection, ids: list[str], dates: str | None = None,
          today: date | None = None) -> list[tuple[str, ...]]:
    """Rows of the ``info`` table: one per file, run columns (the server among them) on each
    run's first row only."""
    clauses, params = [], []
    for text in ids:
        kind, value, key = parse_id(text)
        if kind == "workflow":
            clauses.append("r.workflow_id = ?")
        elif kind == "workflow_prefix":
            clauses.append("r.workflow_id LIKE ? ESCAPE '\\'")
            value = value.replace("%", "\\%").replace("_", "\\_") + "%"
        elif kind == "experiment":
            clauses.append("r.experiment = ?")
        else:
            clauses.append("r.id IN (SELECT run FROM accession_run_labels "
                           "WHERE key = ? AND value = ?)")
            params.append(key)
        params.append(value)
    where = [f"({' OR '.join(clauses)})"] if clauses else []
    if dates:
        start, end = parse_dates(dates, today)
        if start:
            where.append("r.date_created >= ?")
            params.append(start.isoformat())
        if end:
            where.append("r.date_created <= ?")
            params.append(end.isoformat())
    sql = ("SELECT r.id, r.experiment, r.workflow_id, r.status, r.date_created, f.id, "
           "f.portal_id, f.status, r.server FROM accession_runs r "
           "LEFT JOIN accession_run_files f ON f.run = r.id"
           + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY r.id, f.id")
    rows: list[tuple[str, ...]] = []
    seen: set[int] = set()
    for run_id, experiment, wf_id, status, day, file_id, portal_id, file_status, server in \
            db.execute(sql, params):
        qcs = ",".join(q for (q,) in db.execute(
            "SELECT portal_id FROM accession_run_qc WHERE file = ? ORDER BY rowid",
            (file_id,)))
        file_cols = (portal_id or "", file_status or "", qcs)
        if run_id in seen:
            rows.append(("", "", "", "", "", *file_cols, ""))
            continue
        seen.add(run_id)
        labels = ",".join(f"{k}={v}" for k, v in db.execute(
            "SELECT key, value FROM accession_run_labels WHERE run = ? ORDER BY key",
            (run_id,)))
        shown = date.fromisoformat(day).strftime("%m/%d/%y")
        rows.append((experiment, wf_id, labels, status, shown, *file_cols, server))
    return rows


def format_tsv(rows: list[tuple[Any, ...]]) -> str:
    return "\n".join("\t".join(map(str, r)) for r in [HEADER, *rows])
