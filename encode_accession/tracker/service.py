"""The tracker's operations: each fetches or reads at its edges and leaves the shaping to
the pure modules (extract, citations, compare, export).

Portal reads happen before the database write begins, so the write lock is held for
milliseconds, not for a network round trip: that is what keeps eight parallel Snakemake
jobs from queueing behind each other's HTTP requests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from encode_accession.core.errors import InputError
from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import PortalError
from encode_accession.tracker import citations, extract, store
from encode_accession.tracker.compare import Comparison, compare
from encode_accession.tracker.export import write_rows
from encode_accession.tracker.identifiers import experiment_accession
from encode_accession.tracker.records import Software


@dataclass(frozen=True)
class TrackResult:
    accession: str
    created: bool
    assay_title: str | None
    biosample: str | None
    publications: int
    pipelines: int
    quality_metrics: int
    references: int
    raw_metadata_trimmed: bool
    tracked_at: str
    updated_at: str
    notes: str | None
    kept: tuple[str, ...] = ()  # parts not fetched this time (publications, pipelines) kept

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fetch_experiment(portal: PortalClient, accession: str) -> dict[str, Any]:
    """The experiment in the embedded frame; a non-experiment or unknown accession is an
    InputError that says what it is."""
    wanted = experiment_accession(accession)
    obj = portal.get(wanted, frame="embedded")
    if obj is None:
        raise InputError("accession", accession, f"was not found on {portal.server}",
                         "check the accession, or the --server it lives on")
    extract.ensure_experiment(obj, accession)
    return obj


def _software(portal: PortalClient, refs: set[str]) -> dict[str, Software]:
    """Software versions the embedded frame left as links: one search for all of them
    (the portal allows 10 requests/s), then a GET for any the search did not return."""
    if not refs:
        return {}
    wanted = sorted(refs)
    found = {v["@id"]: v for v in portal.search("SoftwareVersion", [("@id", r) for r in wanted],
                                                frame="embedded")}
    for ref in wanted:
        if ref not in found and (version := portal.get(ref, frame="embedded")):
            found[ref] = version
    return {ref: software for ref, version in found.items()
            if (software := extract.software_from_version(version))}


def track(conn: sqlite3.Connection, portal: PortalClient, accession: str,
          notes: str | None = None, *, publications: bool = True,
          pipelines: bool = True, clear_notes: bool = False) -> TrackResult:
    """Fetch one experiment and store it with its publications, pipelines, QC metrics and
    cross-references. Re-tracking updates in place; notes are kept unless given (or
    `clear_notes`). `publications=False` / `pipelines=False` skip reading those: a new
    experiment is stored without them, a tracked one keeps the rows it had."""
    obj = fetch_experiment(portal, accession)
    record = extract.tracked_experiment(
        obj, portal_url=portal.server,
        software=_software(portal, extract.software_version_refs(obj)) if pipelines else {})
    fetched = [part for part, wanted in (("publications", publications),
                                         ("pipelines", pipelines)) if wanted]
    saved = store.save_tracked(conn, record, notes, fetched=fetched, clear_notes=clear_notes)
    exp = record.experiment
    counts = {part: len(getattr(record, part)) for part in fetched}
    for part in saved.kept:
        counts[part] = store.count_rows(conn, part, exp.accession)
    return TrackResult(
        accession=exp.accession, created=saved.created, assay_title=exp.assay_title,
        biosample=exp.biosample, publications=counts.get("publications", 0),
        pipelines=counts.get("pipelines", 0), quality_metrics=len(record.quality_metrics),
        references=len(record.references), raw_metadata_trimmed=exp.raw.trimmed,
        tracked_at=saved.tracked_at, updated_at=saved.updated_at, notes=saved.notes,
        kept=saved.kept)


def track_many(conn: sqlite3.Connection, portal: PortalClient, accessions: Sequence[str],
               notes: str | None = None, *, publications: bool = True, pipelines: bool = True,
               clear_notes: bool = False,
               progress: Callable[[int, dict[str, Any]], None] | None = None
               ) -> list[dict[str, Any]]:
    """Track each accession in turn; one that fails (unknown, not an experiment, the portal
    refusing) is reported with its message and the rest are still tried. Each entry has
    `accession`, `ok` and either the TrackResult fields or `error`; `progress(done, entry)`
    is called after each."""
    results: list[dict[str, Any]] = []
    for accession in accessions:
        try:
            entry = {"ok": True, **track(conn, portal, accession, notes,
                                         publications=publications, pipelines=pipelines,
                                         clear_notes=clear_notes).as_dict()}
        except (InputError, PortalError) as exc:
            message = exc.message if isinstance(exc, InputError) else str(exc)
            entry = {"accession": accession, "ok": False, "error": message}
        results.append(entry)
        if progress is not None:
            progress(len(results), entry)
    return results


def untrack(conn: sqlite3.Connection, accession: str) -> dict[str, Any]:
    """Stop tracking one experiment (store.untrack: provenance pointing at it stays)."""
    return store.untrack(conn, experiment_accession(accession))


def tracked_or_errors(conn: sqlite3.Connection, accessions: Sequence[str]
                      ) -> tuple[list[str], list[dict[str, str]]]:
    """The given accessions that are tracked experiments, and one error per other one (not
    an accession, not tracked), so a command can act on the rest and say what it skipped."""
    found: list[str] = []
    errors: list[dict[str, str]] = []
    for text in accessions:
        try:
            accession = experiment_accession(text)
            store.require_tracked(conn, accession)
        except InputError as exc:
            errors.append({"accession": text, "error": exc.message})
        else:
            found.append(accession)
    return list(dict.fromkeys(found)), errors


def _accessions(conn: sqlite3.Connection, accessions: Sequence[str]) -> list[str]:
    """The given experiments (checked as tracked), or every tracked one."""
    if not accessions:
        return [row["accession"] for row in store.iter_experiments(conn)]
    wanted = [experiment_accession(a) for a in accessions]
    for accession in wanted:
        store.require_tracked(conn, accession)
    return list(dict.fromkeys(wanted))


def citation_entries(conn: sqlite3.Connection, accessions: Sequence[str] = ()
                     ) -> list[citations.Citation]:
    """The citations of these experiments (default: all tracked): their publications, each
    once, then a dataset entry per experiment."""
    wanted = _accessions(conn, accessions)
    experiments = [store.get_experiment(conn, a) for a in wanted]
    return citations.build(store.publications_of(conn, wanted), experiments)


def cite(conn: sqlite3.Connection, accessions: Sequence[str] = (), fmt: str = "bibtex") -> str:
    """Citations for the experiments (default: all tracked) in bibtex, ris or json."""
    if fmt not in citations.FORMATS:
        raise InputError("citations", "--format", f"{fmt!r} is not a citation format",
                         f"use one of {', '.join(citations.FORMATS)}")
    return citations.render(citation_entries(conn, accessions), fmt)


def compare_tracked(conn: sqlite3.Connection, a: str, b: str) -> Comparison:
    first, second = (experiment_accession(x) for x in (a, b))
    return compare(store.get_experiment(conn, first), store.get_experiment(conn, second))


def export_tracked(conn: sqlite3.Connection, out: TextIO, fmt: str = "csv",
                   filters: store.Filters | None = None, match: str = "exact") -> int:
    """Write the tracked experiments matching `filters` (as for list) to `out`; returns how
    many."""
    return write_rows(store.iter_experiments(conn, filters, match, counts=True), out, fmt)
