"""`encode-accession mcp`: the tracker and provenance as tools an AI assistant calls, over
the Model Context Protocol (stdio, the official `mcp` SDK).

The twelve tools keep the names and parameters of the ENCODE skill (as the `encode-toolkit`
MCP server spells them: `encode_track_experiment`, `encode_list_tracked`, ...), and run the
same functions as the command line on the same database and portal client (`--server`,
`--db`), so a collection built in a chat is the one `encode-accession list` shows.

Every tool answers with text: JSON, or the CSV/TSV/BibTeX/RIS asked for. Bad input, an
unknown accession or a portal fault comes back as an MCP tool error (`isError`) with one
message that names the culprit and the fix; the server keeps serving. Nothing is printed to
stdout except the protocol.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import connect
from encode_accession.portal.errors import PortalError
from encode_accession.provenance import check, lineage, log_derived
from encode_accession.provenance.render import lineage_json
from encode_accession.tracker import identifiers, search, service, store
from encode_accession.tracker.credentials import portal_client

LIST_LIMIT = 50  # experiments per page of encode_list_tracked: enough to read, not to drown in

TOOLS = (
    "encode_track_experiment", "encode_list_tracked", "encode_get_citations",
    "encode_compare_experiments", "encode_summarize_collection", "encode_export_data",
    "encode_log_derived_file", "encode_get_provenance", "encode_link_reference",
    "encode_get_references", "encode_search_experiments", "encode_get_facets",
)
# The skill's reference type names that differ from the tracker's.
REFERENCE_ALIASES = {"preprint_doi": "biorxiv_doi"}
Match = Literal["exact", "contains"]
F = TypeVar("F", bound=Callable[..., str])


def register(commands: Any) -> None:
    """Add `mcp` to the main command line (the SDK is imported only when it runs)."""
    parser = commands.add_parser(
        "mcp", help="serve the tracker and provenance tools to an AI assistant (MCP, stdio)",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="prod",
                        help="portal: prod, dev, an https URL, http://127.0.0.1:PORT or "
                             "local[:PATH] (default: prod)")
    parser.add_argument("--db", type=Path, default=None,
                        help="tracker database (default: $ENCODE_TRACKER_DB or "
                             "~/.encode_connector/tracker.db)")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    build_server(args.server, args.db).run("stdio")
    return 0


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _filters(**values: str | None) -> dict[str, list[str]]:
    return {name: [value] for name, value in values.items() if value}


def build_server(server: str = "prod", db: Path | None = None):  # -> MCPServer
    """The MCP server with the twelve tools, reading `server` and writing `db`."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    app = MCPServer("encode-accession", instructions=(
        "Track ENCODE experiments in a local collection, cite them, compare them, export "
        "them, search the ENCODE portal, and record the provenance of files made from ENCODE "
        "data. Track an experiment before citing, comparing or linking it."))

    def tool(fn: F) -> F:
        """Register `fn`; the project's errors become one-message tool errors."""
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> str:
            try:
                return fn(*args, **kwargs)
            except InputError as exc:
                raise ToolError(exc.message) from None
            except PortalError as exc:
                raise ToolError(f"portal {server}: {exc}") from None
            except sqlite3.DatabaseError as exc:
                raise ToolError(f"tracker database {db or 'default'}: {exc}") from None
        app.add_tool(guarded, name=fn.__name__)
        return fn

    @contextmanager
    def database() -> Iterator[sqlite3.Connection]:
        with closing(connect(db)) as conn:
            yield conn

    @tool
    def encode_track_experiment(accession: str, fetch_publications: bool = True,
                                fetch_pipelines: bool = True, notes: str = "") -> str:
        """Fetch an ENCODE experiment (e.g. ENCSR000AKS) from the portal and store it in the
        local collection with its publications, pipelines, QC metrics and cross-references.
        Re-tracking updates it; notes are kept unless given. Required before citing,
        comparing or linking."""
        with database() as conn:
            result = service.track(conn, portal_client(server), accession, notes or None,
                                   publications=fetch_publications,
                                   pipelines=fetch_pipelines)
        return _json({"tracking": result.as_dict()})

    @tool
    def encode_list_tracked(assay_title: str | None = None, organism: str | None = None,
                            organ: str | None = None, biosample: str | None = None,
                            biosample_type: str | None = None, target: str | None = None,
                            status: str | None = None, lab: str | None = None,
                            match: Match = "contains", limit: int = LIST_LIMIT,
                            offset: int = 0) -> str:
        """List tracked experiments, a page at a time (limit, offset; total is how many
        match, next_offset where the next page starts). Filters match values containing the
        text (case-insensitive; match="exact" for whole values); different filters must all
        match."""
        filters = _filters(assay=assay_title, organism=organism, organ=organ,
                           biosample=biosample, biosample_type=biosample_type, target=target,
                           status=status, lab=lab)
        if limit < 1 or offset < 0:
            raise InputError("encode_list_tracked", "limit" if limit < 1 else "offset",
                             "is out of range", "limit 1 or more, offset 0 or more")
        with database() as conn:
            page = store.list_experiments(conn, filters, match, limit=limit, offset=offset)
            collection = store.count_experiments(conn)
        return _json({"experiments": page.experiments, "count": len(page.experiments),
                      "total": page.total, "offset": offset, "next_offset": page.next_offset,
                      "collection_total": collection, "filters": filters, "match": match})

    @tool
    def encode_get_citations(accession: str | None = None,
                             export_format: Literal["json", "bibtex", "ris"] = "json") -> str:
        """Citations of one tracked experiment (default: all): its publications, then a
        dataset entry per experiment. json is CSL-JSON; bibtex and ris load into reference
        managers."""
        with database() as conn:
            return service.cite(conn, [accession] if accession else [], export_format)

    @tool
    def encode_compare_experiments(accession1: str, accession2: str) -> str:
        """Can two tracked experiments be analysed together? Organism, assembly, assay,
        target, biosample, life stage, replication and lab compared, with a verdict
        (compatible, compatible with caveats, incompatible) and reasons."""
        with database() as conn:
            return _json(service.compare_tracked(conn, accession1, accession2).as_dict())

    @tool
    def encode_summarize_collection(assay_title: str | None = None, organism: str | None = None,
                                    organ: str | None = None, biosample_type: str | None = None,
                                    target: str | None = None, status: str | None = None,
                                    lab: str | None = None, match: Match = "contains") -> str:
        """Counts of tracked experiments (all, or those matching the filters) by assay,
        organism, organ, biosample type, status and lab, with the matching and collection
        totals."""
        filters = _filters(assay=assay_title, organism=organism, organ=organ,
                           biosample_type=biosample_type, target=target, status=status,
                           lab=lab)
        with database() as conn:
            return _json(store.summarize(conn, filters, match))

    @tool
    def encode_export_data(format: Literal["csv", "tsv", "json"] = "csv",
                           assay_title: str | None = None, organism: str | None = None,
                           organ: str | None = None, biosample_type: str | None = None,
                           target: str | None = None, status: str | None = None,
                           lab: str | None = None, match: Match = "contains") -> str:
        """Tracked experiments (all, or those matching the filters) as one table: CSV, TSV
        or a JSON array, one row per experiment, fixed column order."""
        filters = _filters(assay=assay_title, organism=organism, organ=organ,
                           biosample_type=biosample_type, target=target, status=status,
                           lab=lab)
        out = io.StringIO(newline="")
        with database() as conn:
            service.export_tracked(conn, out, format, filters, match)
        return out.getvalue()

    @tool
    def encode_log_derived_file(file_path: str, source_accessions: list[str],
                                description: str = "", file_type: str = "",
                                tool_used: str = "", parameters: str = "") -> str:
        """Record a file you made from ENCODE data: its checksum, the accessions (or
        earlier logged files) it came from, the tool and parameters. Logging it again after
        it changed makes a new version."""
        what = "; ".join(p for p in (description, f"file type: {file_type}"
                                     if file_type else "") if p)
        with database() as conn:
            logged = log_derived(conn, file_path, source_accessions, tool=tool_used or None,
                                 parameters=parameters or None, description=what or None)
        return _json({"success": True, **logged.as_dict()})

    @tool
    def encode_get_provenance(file_path: str | None = None,
                              source_accession: str | None = None) -> str:
        """The lineage of a logged file (what it was made from, up to ENCODE, and what was
        made from it, with problems such as a changed file), or the files made from an
        accession."""
        with database() as conn:
            if file_path:
                found = lineage(conn, file_path)
                return _json(lineage_json(found, check(found.graph)))
            if source_accession:
                derived = store.derived_files_from(conn, source_accession.strip().upper())
                return _json({"derived_files": derived, "count": len(derived)})
        raise InputError("encode_get_provenance", "file_path", "nothing to look up",
                         "give file_path or source_accession")

    @tool
    def encode_link_reference(experiment_accession: str, reference_type: str,
                              reference_id: str, description: str = "") -> str:
        """Attach an external reference to a tracked experiment: pmid, doi, geo_accession,
        nct_id, biorxiv_doi (also accepted as preprint_doi) or dbgap. Ids are checked and
        normalised; links survive re-tracking."""
        with database() as conn:
            return _json(store.link_reference(
                conn, identifiers.experiment_accession(experiment_accession),
                REFERENCE_ALIASES.get(reference_type, reference_type), reference_id,
                description or None))

    @tool
    def encode_get_references(experiment_accession: str | None = None,
                              reference_type: str | None = None) -> str:
        """External references (found on the portal or linked by you) of one tracked
        experiment or of the whole collection, optionally of one type."""
        with database() as conn:
            wanted = []
            if experiment_accession:
                accession = identifiers.experiment_accession(experiment_accession)
                store.require_tracked(conn, accession)
                wanted = [accession]
            kind = REFERENCE_ALIASES.get(reference_type or "", reference_type)
            refs = store.references(conn, wanted, kind)
        return _json({"references": refs, "count": len(refs)})

    @tool
    def encode_search_experiments(
            assay_title: str | None = None, organism: str | None = None,
            organ: str | None = None, biosample_type: str | None = None,
            biosample_term_name: str | None = None, target: str | None = None,
            status: str | None = None, lab: str | None = None, assembly: str | None = None,
            replication_type: str | None = None, life_stage: str | None = None,
            search_term: str | None = None, date_released_from: str | None = None,
            date_released_to: str | None = None, limit: int = search.DEFAULT_LIMIT,
            offset: int = 0) -> str:
        """Search the ENCODE portal for experiments: filters, free text (search_term), a
        release date range (YYYY-MM-DD) and paging (limit, offset; next_offset is where the
        next page starts)."""
        filters = _filters(assay=assay_title, organism=organism, organ=organ,
                           biosample_type=biosample_type, biosample=biosample_term_name,
                           target=target, status=status, lab=lab, assembly=assembly,
                           replication_type=replication_type, life_stage=life_stage)
        return _json(search.search_experiments(
            portal_client(server), filters, limit, offset=offset, text=search_term,
            released_from=date_released_from, released_to=date_released_to))

    @tool
    def encode_get_facets(facet_field: str | None = None, assay_title: str | None = None,
                          organism: str | None = None, organ: str | None = None,
                          biosample_type: str | None = None) -> str:
        """How many portal experiments have each value of a field (e.g. facet_field="assay"
        with organ="pancreas"). Without facet_field: every facet the server offers, with
        its counts. Only facets the server has are answered."""
        filters = _filters(assay=assay_title, organism=organism, organ=organ,
                           biosample_type=biosample_type)
        portal = portal_client(server)
        if facet_field:
            return _json(search.facet_counts(portal, facet_field, filters))
        return _json({"facets": search.available_facets(portal, filters)})

    return app
