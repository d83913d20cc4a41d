"""`encode-accession tracker ...`: the tracker's command line, thin over service/store/search.

`register(subparsers)` adds the `tracker` command group to the main CLI; `main()` runs the
group on its own (`python -m encode_accession.tracker.cli list`). Every command takes
`--server` (default prod) and `--db` (default $ENCODE_TRACKER_DB or
~/.encode_connector/tracker.db). Errors print one line and exit 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from ..portal.client import PortalClient
from ..portal.errors import PortalError
from . import citations, export, render, search, service, store
from .db import connect, default_db_path
from .identifiers import REFERENCE_TYPES, experiment_accession

Handler = Callable[[argparse.Namespace], int]
_LIST_FILTERS = (("assay", "assay title, e.g. 'Histone ChIP-seq'"),
                 ("organism", "scientific name, e.g. 'Homo sapiens'"),
                 ("organ", "organ slim, e.g. pancreas"),
                 ("biosample", "biosample term name, e.g. 'body of pancreas'"),
                 ("biosample-type", "e.g. tissue"),
                 ("target", "e.g. H3K27ac"), ("status", "e.g. released"), ("lab", "lab title"))
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
        parser.set_defaults(handler=_guarded(handler))
        return parser

    track = command("track", _track, "fetch experiments from the portal and store them "
                                     "(re-tracking updates)")
    track.add_argument("accessions", nargs="+", metavar="ACCESSION")
    track.add_argument("--notes", help="your notes (kept on re-track unless given again)")

    listing = command("list", _list, "list tracked experiments (filters are exact matches; "
                                     "repeat an option to match any of several values)")
    _add_filters(listing, _LIST_FILTERS)

    cite = command("citations", _citations, "cite tracked experiments and their publications",
                   formats=citations.FORMATS)
    cite.add_argument("accessions", nargs="*", metavar="ACCESSION",
                      help="experiments to cite (default: all tracked)")

    comparison = command("compare", _compare, "can two tracked experiments be analysed "
                                              "together? field by field, with a verdict")
    comparison.add_argument("a", metavar="ACCESSION_A")
    comparison.add_argument("b", metavar="ACCESSION_B")

    command("summarize", _summarize, "counts of tracked experiments by assay, organism, "
                                     "organ, biosample type, status and lab")

    exporting = command("export", _export, "write tracked experiments as CSV, TSV or JSON",
                        formats=export.FORMATS)
    exporting.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")

    link = command("link", _link, "attach an external reference to a tracked experiment")
    link.add_argument("accession", metavar="ACCESSION")
    link.add_argument("reference_type", metavar="TYPE", choices=REFERENCE_TYPES,
                      help=f"one of: {', '.join(REFERENCE_TYPES)}")
    link.add_argument("reference_id", metavar="ID")
    link.add_argument("--description")

    refs = command("references", _references, "external references of a tracked experiment")
    refs.add_argument("accession", metavar="ACCESSION")

    searching = command("search", _search, "search the portal for experiments")
    _add_filters(searching, _SEARCH_FILTERS)
    searching.add_argument("--limit", type=int, default=search.DEFAULT_LIMIT,
                           help=f"at most this many results (default: {search.DEFAULT_LIMIT})")

    facets = command("facets", _facets, "count portal experiments by one field, e.g. "
                                        "`facets assay --organ pancreas`")
    facets.add_argument("field", metavar="FIELD",
                        help=f"one of {', '.join(search.PORTAL_FIELDS)} or a portal path")
    _add_filters(facets, _SEARCH_FILTERS)


def _add_filters(parser: argparse.ArgumentParser, filters: Sequence[tuple[str, str]]) -> None:
    group = parser.add_argument_group("filters")
    for name, help_text in filters:
        group.add_argument(f"--{name}", action="append", default=[], metavar="VALUE",
                           dest=f"filter_{name.replace('-', '_')}", help=help_text)


def _filters(args: argparse.Namespace) -> dict[str, list[str]]:
    return {key.removeprefix("filter_"): values for key, values in vars(args).items()
            if key.startswith("filter_") and values}


def _guarded(handler: Handler) -> Handler:
    """Portal and database failures become one-line errors, like InputError in main()."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except PortalError as exc:
            print(f"error: {exc}", file=sys.stderr)
        except sqlite3.DatabaseError as exc:
            print(f"error: tracker database {args.db or default_db_path()}: {exc}",
                  file=sys.stderr)
        return 1
    return run


def _portal(args: argparse.Namespace) -> PortalClient:
    return PortalClient(args.server, ca_bundle=args.ca_bundle, rate_limit=args.rate_limit)


def _db(args: argparse.Namespace) -> closing[sqlite3.Connection]:
    return closing(connect(args.db))


def _out(args: argparse.Namespace, data: Any, text: str) -> int:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.format == "json" else text)
    return 0


# -- handlers --------------------------------------------------------------------------------

def _track(args: argparse.Namespace) -> int:
    portal = _portal(args)
    results = []
    with _db(args) as conn:
        for accession in args.accessions:
            result = service.track(conn, portal, accession, args.notes).as_dict()
            results.append(result)
            if args.format == "text":
                print(render.track_text(result), flush=True)
    if args.format == "json":
        print(json.dumps(results, indent=2))
    return 0


def _list(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        rows = list(store.iter_experiments(conn, _filters(args)))
    return _out(args, rows, render.experiments_text(rows))


def _citations(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        sys.stdout.write(service.cite(conn, args.accessions, args.format))
    return 0


def _compare(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        comparison = service.compare_tracked(conn, args.a, args.b)
    return _out(args, comparison.as_dict(), render.comparison_text(comparison))


def _summarize(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        summary = store.summarize(conn)
    return _out(args, summary, render.summary_text(summary))


def _export(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        if args.output is None:
            service.export_tracked(conn, sys.stdout, args.format)
            return 0
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("w", encoding="utf-8", newline="") as out:
            count = service.export_tracked(conn, out, args.format)
    print(f"wrote {render.plural(count, 'experiment')} to {args.output}", file=sys.stderr)
    return 0


def _link(args: argparse.Namespace) -> int:
    with _db(args) as conn:
        linked = store.link_reference(conn, experiment_accession(args.accession),
                                      args.reference_type, args.reference_id, args.description)
    return _out(args, linked, f"{linked['experiment_accession']}: linked "
                              f"{linked['reference_type']} {linked['reference_id']}")


def _references(args: argparse.Namespace) -> int:
    accession = experiment_accession(args.accession)
    with _db(args) as conn:
        refs = store.references_of(conn, accession)
    return _out(args, refs, render.references_text(accession, refs))


def _search(args: argparse.Namespace) -> int:
    result = search.search_experiments(_portal(args), _filters(args), args.limit)
    return _out(args, result, render.search_text(result))


def _facets(args: argparse.Namespace) -> int:
    result = search.facet_counts(_portal(args), args.field, _filters(args))
    return _out(args, result, render.facets_text(result))
