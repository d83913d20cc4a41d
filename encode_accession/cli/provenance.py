"""`encode-accession log-derived | provenance | report`: recording and reading lineage.

`register(subparsers)` adds the three commands to the main CLI; `main()` runs them on their
own (`python -m encode_accession.cli.provenance provenance figure.tsv`). Every command takes
`--db` (default $ENCODE_TRACKER_DB or ~/.encode_connector/tracker.db). Bad input and database
errors print one line and exit 1, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from encode_accession.cli.database import Handler, database_errors
from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import connect, connect_existing
from encode_accession.provenance import render
from encode_accession.provenance.checks import check
from encode_accession.provenance.query import lineage
from encode_accession.provenance.record import RECORD_FIELDS, log_derived, parse_parameters
from encode_accession.provenance.report import DEFAULT_OUTPUT, write_report


def register(commands: Any) -> None:
    """Add log-derived, provenance and report to a subparsers object."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=None,
                        help="tracker database (default: $ENCODE_TRACKER_DB or "
                             "~/.encode_connector/tracker.db)")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, parents=[common], help=help_text,
                                     description=help_text)
        parser.set_defaults(handler=database_errors(handler))
        return parser

    log = command("log-derived", _log_derived,
                  "record a file made from ENCODE data or earlier logged files: sha256, md5, "
                  "size, sources, tool (same content again: no change; new content: new version)")
    log.add_argument("path", metavar="PATH")
    log.add_argument("--sources", nargs="+", required=True, metavar="SOURCE",
                     help="ENCODE accessions (ENCFF..., ENCSR..., TST...) and/or paths of "
                          "files logged before")
    log.add_argument("--tool", help="tool name, e.g. bedtools")
    log.add_argument("--tool-version", help="tool version, e.g. 2.31.0")
    log.add_argument("--parameters", metavar="JSON",
                     help="""parameters as JSON, e.g. '{"q": 0.01}'""")
    log.add_argument("--description")
    log.add_argument("--clear", action="append", default=[], metavar="FIELD",
                     choices=[f.replace("_", "-") for f in RECORD_FIELDS],
                     help="remove a field of the earlier record (a re-log keeps every field "
                          "it does not give): " + ", ".join(f.replace("_", "-")
                                                             for f in RECORD_FIELDS))
    log.add_argument("--server", help="portal to check source accessions the database does not "
                                      "know against: prod, dev, a URL or local[:PATH] "
                                      "(default: none; unknown accessions are a warning)")
    _format_option(log)

    prov = command("provenance", _provenance,
                   "lineage of a logged file or an accession: what it was made from, back to "
                   "ENCODE, and what was made from it; flags changed or missing files and "
                   "sources missing from the tracker")
    prov.add_argument("target", metavar="PATH|ACCESSION")
    _format_option(prov)

    report = command("report", _report,
                     "write the lineage of everything recorded as a self-contained HTML report, "
                     "W3C PROV-JSON and an RO-Crate (Workflow Run Crate)")
    report.add_argument("--output", "-o", type=Path, default=Path(DEFAULT_OUTPUT),
                        help=f"folder to write (default: ./{DEFAULT_OUTPUT})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="encode-accession-provenance", description=__doc__)
    register(parser.add_subparsers(title="commands"))
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")


def _log_derived(args: argparse.Namespace) -> int:
    from encode_accession.provenance.known import check_accessions
    from encode_accession.tracker.credentials import portal_client

    parameters = parse_parameters(args.parameters)
    portal = portal_client(args.server, retries=1, timeout=15) if args.server else None
    with closing(connect(args.db)) as conn:
        result = log_derived(conn, args.path, args.sources, tool=args.tool,
                             tool_version=args.tool_version, parameters=parameters,
                             description=args.description, clear=args.clear,
                             check=functools.partial(check_accessions, conn, portal=portal))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(result.as_dict(), indent=2) if args.format == "json"
          else render.logged_text(result))
    return 0


def _provenance(args: argparse.Namespace) -> int:
    with closing(connect_existing(args.db)) as conn:  # reads only: creates nothing
        found = lineage(conn, args.target)
    checked = check(found.graph)
    print(json.dumps(render.lineage_json(found, checked), indent=2, ensure_ascii=False)
          if args.format == "json" else render.lineage_text(found, checked))
    return 0


def _report(args: argparse.Namespace) -> int:
    with closing(connect_existing(args.db)) as conn:  # reads the records, writes the report
        written = write_report(conn, args.output)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
