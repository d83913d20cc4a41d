"""`encode-accession tracker ...`: the tracker's command line, thin over service/store/search.

`register(subparsers)` adds the `tracker` command group to the main CLI; `main()` runs the
group on its own (`python -m encode_accession.cli.tracker list`). Every command takes
`--server` (default prod) and `--db` (default $ENCODE_TRACKER_DB or
~/.encode_connector/tracker.db). Errors print one line and exit 1, never a traceback;
commands given several accessions act on each, say which failed and exit 1 if any did.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from encode_accession.cli.database import Handler, database_errors
from encode_accession.core.errors import InputError
from encode_accession.core.outputs import open_text_output
from encode_accession.database.sqlite import connect, connect_existing
from encode_accession.portal.client import PortalClient
from encode_accession.tracker import citations, export, render, search, service, store
from encode_accession.tracker.credentials import portal_client
from encode_accession.tracker.identifiers import REFERENCE_TYPES, experiment_accession

LIST_LIMIT = 100  # a screenful or two; a page costs the same at any collection size
_LIST_FILTERS = (("assay", "assay title, e.g. 'Histone ChIP-seq'"),
                 ("organism", "scientific name, e.g. 'Homo sapiens'"),
                 ("organ", "organ slim, e.g. pancreas"),
                 ("biosample", "biosample term name, e.g. 'body of pancreas'"),
                 ("biosample-type", "e.g. tissue"),
                 ("target", "e.g. H3K27ac"), ("status", "e.g. released"),
                 ("lab", "lab title or @id, e.g. /labs/bing-ren/"))
_SEARCH_FILTERS = (("assay", "assay title, e.g. 'Histone ChIP-seq'"),
                   ("organ", "organ slim, e.g. pancreas"),
                   ("organism", "scientific name, e.g. 'Homo sapiens'"),
                   ("biosample", "biosample term name, e.g. 'body of pancreas'"),
                   ("target", "e.g. H3K27ac"), ("status", "e.g. released"))


def register(commands: Any) -> None:
    """Add the tracker commands (track, list, citations, ...) to the main command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", default="prod",
                        help="portal: prod, dev, an https URL, http://127.0.0.1:PORT or "
                             "local[:PATH] (default: prod)")
    common.add_argument("--ca-bundle", help="PEM file of the CA of the portal's TLS certificate "
                                            "(default: system CAs or $REQUESTS_CA_BUNDLE)")
    common.add_argument("--rate-limit", type=float, default=None, metavar="PER_SECOND",
                        help="most portal requests per second (default: 10 for remote "
                             "portals, none for local ones; 0: no limit)")
    common.add_argument("--db", type=Path, default=None,
                        help="tracker database (default: $ENCODE_TRACKER_DB or "
                             "~/.encode_connector/tracker.db)")

    def command(name: str, handler: Handler, help_text: str,
                formats: Sequence[str] = ("text", "json")) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, parents=[common], help=help_text,
                                     description=help_text)
        parser.add_argument("--format", choices=formats, default=formats[0],
                            help=f"output format (default: {formats[0]})")
        parser.set_defaults(handler=database_errors(handler))
        return parser

    track = command("track", _track, "fetch experiments from the portal and store them "
                                     "(re-tracking updates; each accession is tried)")
    track.add_argument("accessions", nargs="+", metavar="ACCESSION")
    notes = track.add_mutually_exclusive_group()
    notes.add_argument("--notes", help="your notes (kept on re-track unless given again)")
    notes.add_argument("--clear-notes", action="store_true",
                       help="remove the notes stored with these experiments")

    untracking = command("untrack", _untrack, "stop tracking experiments: their rows and your "
                                              "links and notes go, the provenance of files "
                                              "made from them stays (and is listed)")
    untracking.add_argument("accessions", nargs="+", metavar="ACCESSION")

    listing = command("list", _list, "list tracked experiments (filters are exact whole "
                                     "values unless --contains; repeat an option to match "
                                     "any of several values)")
    _add_filters(listing, _LIST_FILTERS, partial=True)
    listing.add_argument("--limit", type=int, default=LIST_LIMIT,
                         help=f"experiments shown (default {LIST_LIMIT}; 0: all; "
                              "`export` writes them all as a table)")
    listing.add_argument("--offset", type=int, default=0, help="experiments skipped first")

    cite = command("citations", _citations, "cite tracked experiments and their publications",
                   formats=citations.FORMATS)
    cite.add_argument("accessions", nargs="*", metavar="ACCESSION",
                      help="experiments to cite (default: all tracked)")

    comparison = command("compare", _compare, "can two tracked experiments be analysed "
                                              "together? field by field, with a verdict")
    comparison.add_argument("a", metavar="ACCESSION_A")
    comparison.add_argument("b", metavar="ACCESSION_B")

    summary = command("summarize", _summarize, "counts of tracked experiments (all, or those "
                                               "matching the filters) by assay, organism, "
                                               "organ, biosample type, status and lab")
    _add_filters(summary, _LIST_FILTERS, partial=True)

    exporting = command("export", _export, "write tracked experiments (all, or those matching "
                                           "the filters) as CSV, TSV or JSON",
                        formats=export.FORMATS)
    exporting.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    _add_filters(exporting, _LIST_FILTERS, partial=True)

    link = command("link", _link, "attach an external reference to a tracked experiment")
    _reference_arguments(link)
    link.add_argument("--description")

    unlink = command("unlink", _unlink, "remove an external reference you linked")
    _reference_arguments(unlink)

    refs = command("references", _references, "external references of tracked experiments "
                                              "(default: the whole collection)")
    refs.add_argument("accessions", nargs="*", metavar="ACCESSION")
    refs.add_argument("--type", choices=REFERENCE_TYPES, dest="reference_type",
                      help="only references of this type")

    searching = command("search", _search, "search the portal for experiments")
    _add_filters(searching, _SEARCH_FILTERS)
    searching.add_argument("--text", help="free text, as in the portal's search box")
    searching.add_argument("--released-from", metavar="DATE",
                           help="released on or after DATE (YYYY[-MM[-DD]])")
    searching.add_argument("--released-to", metavar="DATE",
                           help="released on or before DATE (YYYY[-MM[-DD]])")
    searching.add_argument("--limit", type=int, default=search.DEFAULT_LIMIT,
                           help=f"results per page (default: {search.DEFAULT_LIMIT})")
    searching.add_argument("--offset", type=int, default=0,
                           help="skip this many results (the next page starts at the "
                                "offset printed)")

    facets = command("facets", _facets, "count portal experiments by one field, e.g. "
                                        "`facets assay --organ pancreas`; without FIELD, "
                                        "list the facets the server offers")
    facets.add_argument("field", metavar="FIELD", nargs="?",
                        help="a facet of the server: a short name "
                             f"({', '.join(search.PORTAL_FIELDS)}) or a portal path")
    _add_filters(facets, _SEARCH_FILTERS)


def _reference_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("accession", metavar="ACCESSION")
    parser.add_argument("reference_type", metavar="TYPE", choices=REFERENCE_TYPES,
                        help=f"one of: {', '.join(REFERENCE_TYPES)}")
    parser.add_argument("reference_id", metavar="ID")


def _add_filters(parser: argparse.ArgumentParser, filters: Sequence[tuple[str, str]],
                 partial: bool = False) -> None:
    group = parser.add_argument_group("filters")
    for name, help_text in filters:
        group.add_argument(f"--{name}", action="append", default=[], metavar="VALUE",
                           dest=f"filter_{name.replace('-', '_')}", help=help_text)
    if partial:
        group.add_argument("--contains", dest="match", action="store_const", const="contains",
                           default="exact", help="match values containing the text "
                           "(`--assay chip` finds 'Histone ChIP-seq'); default: whole values")


def _filters(args: argparse.Namespace) -> dict[str, list[str]]:
    return {key.removeprefix("filter_"): values for key, values in vars(args).items()
            if key.startswith("filter_") and values}


def _portal(args: argparse.Namespace) -> PortalClient:
    return portal_client(args.server, ca_bundle=args.ca_bundle, rate_limit=args.rate_limit)


def _db(args: argparse.Namespace) -> closing[sqlite3.Connection]:
    """The database for a command that writes (created and upgraded as needed)."""
    return closing(connect(args.db))


def _read_db(args: argparse.Namespace) -> closing[sqlite3.Connection]:
    """The database for a command that only reads: opened read-only; one that does not
    exist is one message, and nothing is created."""
    return closing(connect_existing(args.db))


def _out(args: argparse.Namespace, data: Any, text: str) -> int:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.format == "json" else text)
    return 0


def _report_failures(failures: Sequence[dict[str, Any]]) -> int:
    """One line per accession that failed; 1 if any did."""
    for failure in failures:
        print(f"error: {failure['error']}", file=sys.stderr)
    return 1 if failures else 0


# -- handlers --------------------------------------------------------------------------------

def _track(args: argparse.Namespace) -> int:
    portal = _portal(args)
    results = []
    with _db(args) as conn:
        for accession in args.accessions:
            result = service.track_many(conn, portal, [accession], args.notes,
                                        clear_notes=args.clear_notes)[0]
            results.append(result)
            if args.format == "text" and result["ok"]:
                print(render.track_text(result), flush=True)
            elif not result["ok"]:
                print(f"error: {result['error']}", file=sys.stderr, flush=True)
    if args.format == "json":
        print(json.dumps(results, indent=2, ensure_ascii=False))
    failed = sum(1 for r in results if not r["ok"])
    if failed and len(results) > 1:
        print(f"error: {failed} of {len(results)} accessions failed", file=sys.stderr)
    return 1 if failed else 0


def _untrack(args: argparse.Namespace) -> int:
    done, failures = [], []
    with _db(args) as conn:
        for accession in args.accessions:
            try:
                done.append(service.untrack(conn, accession))
            except InputError as exc:
                failures.append({"accession": accession, "error": exc.message})
    if args.format == "json":
        print(json.dumps(done, indent=2, ensure_ascii=False))
    else:
        for result in done:
            print(render.untrack_text(result))
    return _report_failures(failures)


def _list(args: argparse.Namespace) -> int:
    if args.limit < 0 or args.offset < 0:
        raise InputError("command line", "--limit" if args.limit < 0 else "--offset",
                         "is negative", "give 0 or more (--limit 0 shows every experiment)")
    with _read_db(args) as conn:
        page = store.list_experiments(conn, _filters(args), args.match,
                                      limit=args.limit or None, offset=args.offset)
    if page.next_offset is not None:  # on stderr: stdout stays the rows (or their JSON list)
        print(f"showing {args.offset + 1:,}-{page.next_offset:,} of {page.total:,} "
              f"experiments; --offset {page.next_offset} for more, --limit 0 for all",
              file=sys.stderr)
    return _out(args, page.experiments, render.experiments_text(page.experiments))


def _citations(args: argparse.Namespace) -> int:
    with _read_db(args) as conn:
        wanted, failures = service.tracked_or_errors(conn, args.accessions)
        if wanted or not args.accessions:
            sys.stdout.write(service.cite(conn, wanted, args.format))
    return _report_failures(failures)


def _compare(args: argparse.Namespace) -> int:
    with _read_db(args) as conn:
        comparison = service.compare_tracked(conn, args.a, args.b)
    return _out(args, comparison.as_dict(), render.comparison_text(comparison))


def _summarize(args: argparse.Namespace) -> int:
    with _read_db(args) as conn:
        summary = store.summarize(conn, _filters(args), args.match)
    return _out(args, summary, render.summary_text(summary))


def _export(args: argparse.Namespace) -> int:
    filters = _filters(args)
    with _read_db(args) as conn:
        if args.output is None:
            service.export_tracked(conn, sys.stdout, args.format, filters, args.match)
            return 0
        with open_text_output(args.output) as out:
            count = service.export_tracked(conn, out, args.format, filters, args.match)
    print(f"wrote {render.plural(count, 'experiment')} to {args.output}", file=sys.stderr)
    return 0


def _link(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        linked = store.link_reference(conn, experiment_accession(args.accession),
                                      args.reference_type, args.reference_id, args.description)
    return _out(args, linked, f"{linked['experiment_accession']}: linked "
                              f"{linked['reference_type']} {linked['reference_id']}")


def _unlink(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        removed = store.unlink_reference(conn, experiment_accession(args.accession),
                                         args.reference_type, args.reference_id)
    return _out(args, removed, f"{removed['experiment_accession']}: unlinked "
                               f"{removed['reference_type']} {removed['reference_id']}")


def _references(args: argparse.Namespace) -> int:
    with _read_db(args) as conn:
        wanted, failures = service.tracked_or_errors(conn, args.accessions)
        if wanted or not args.accessions:
            refs = store.references(conn, wanted, args.reference_type)
            _out(args, refs, render.references_text(refs, args.reference_type))
    return _report_failures(failures)


def _search(args: argparse.Namespace) -> int:
    result = search.search_experiments(
        _portal(args), _filters(args), args.limit, offset=args.offset,
        text=args.text, released_from=args.released_from, released_to=args.released_to)
    return _out(args, result, render.search_text(result))


def _facets(args: argparse.Namespace) -> int:
    portal = _portal(args)
    if args.field is None:
        offered = search.available_facets(portal)
        return _out(args, offered, render.available_facets_text(portal.server, offered))
    result = search.facet_counts(portal, args.field, _filters(args))
    return _out(args, result, render.facets_text(result))
