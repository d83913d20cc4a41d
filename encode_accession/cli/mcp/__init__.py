"""`encode-accession mcp`: the tracker and provenance as tools an AI assistant calls, over
the Model Context Protocol (the official `mcp` SDK), on stdio or streamable HTTP.

What an assistant sees (see docs/tracker.md, "The MCP server"):
- tools (`tools.py`, `portal_tools.py`, `provenance_tools.py`) that keep the names and
  parameters of the ENCODE skill (as the `encode-toolkit` server spells them), each with a
  title, truthful annotations (read-only, destructive, idempotent, open world), a
  description with an example call, a described parameter for every argument, enums for
  closed sets and an output schema; they run the same functions as the command line on the
  same database and portal, so a collection built in a chat is the one `list` shows;
- bounded replies (`replies.py`): every list pages with a documented maximum (a larger
  `limit` is clamped, with a notice), every reply says its size and whether it was cut, and
  a large export or bibliography is written to a path the caller names or handed back as a
  resource link instead of inline;
- resources (tracked experiments, the collection summary, lineage) and prompts (the
  walkthroughs: a reference collection for a tissue, two experiments combinable?, cite a
  collection) in `resources.py`; progress notifications while tracking many accessions.

Bad input, an unknown accession or a portal fault comes back as a tool error (`isError`)
with one message naming the culprit and the fix; the server keeps serving. Nothing but the
protocol is printed to stdout. The SDK is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOOLS = (
    "encode_track_experiment", "encode_track_experiments", "encode_untrack_experiment",
    "encode_list_tracked", "encode_get_citations", "encode_compare_experiments",
    "encode_summarize_collection", "encode_export_data", "encode_log_derived_file",
    "encode_get_provenance", "encode_link_reference", "encode_get_references",
    "encode_search_experiments", "encode_get_facets",
)


def register(commands: Any) -> None:
    """Add `mcp` to the main command line."""
    parser = commands.add_parser(
        "mcp", help="serve the tracker and provenance tools to an AI assistant (MCP, stdio "
                    "or --http)", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="prod",
                        help="portal: prod, dev, an https URL, http://127.0.0.1:PORT or "
                             "local[:PATH] (default: prod)")
    parser.add_argument("--db", type=Path, default=None,
                        help="tracker database (default: $ENCODE_TRACKER_DB or "
                             "~/.encode_connector/tracker.db)")
    parser.add_argument("--http", type=int, metavar="PORT", default=None,
                        help="serve streamable HTTP on PORT (path /mcp) instead of stdio")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on with --http (default: 127.0.0.1, this "
                             "machine only; the server has no authentication)")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from encode_accession.cli.mcp.server import build_server

    app = build_server(args.server, args.db)
    if args.http is None:
        app.run("stdio")
        return 0
    if args.host not in LOOPBACK:
        print(f"warning: serving on {args.host}: anyone who can reach it may read and change "
              "the tracker database (there is no authentication)", file=sys.stderr)
    print(f"serving MCP on http://{args.host}:{args.http}/mcp", file=sys.stderr, flush=True)
    app.run("streamable-http", host=args.host, port=args.http)
    return 0
