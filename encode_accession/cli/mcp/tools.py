"""The collection's tools: track (one, or many with progress), untrack, list, summarize,
compare, export, cite, link and read references. Each runs the command line's functions."""

from __future__ import annotations

import io
from typing import Annotated, Any

import anyio.from_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from encode_accession.cli.mcp import replies
from encode_accession.cli.mcp.params import (
    AssayTitle,
    Biosample,
    BiosampleType,
    CitationFormat,
    ExperimentAccession,
    ExperimentFilter,
    ExportFormat,
    Lab,
    Match,
    Offset,
    Organ,
    Organism,
    OutputPath,
    ReferenceType,
    Status,
    Target,
)
from encode_accession.cli.mcp.replies import (
    ExperimentPage,
    Record,
    ReferencePage,
    Summary,
    TextOutput,
    Tracked,
    TrackedMany,
    Untracked,
)
from encode_accession.cli.mcp.session import Session, tool
from encode_accession.core.errors import InputError
from encode_accession.tracker import citations, identifiers, service, store

LIST_LIMIT = 25  # experiments per page of encode_list_tracked by default: fits the budget
REFERENCE_ALIASES = {"preprint_doi": "biorxiv_doi"}  # the skill's names that differ
MIME = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json",
        "bibtex": "application/x-bibtex", "ris": "application/x-research-info-systems"}


def filters(**values: str | None) -> dict[str, list[str]]:
    return {name: [value] for name, value in values.items() if value}


def text_output(session: Session, text: str, fmt: str, items: int, *, what: str,
                output_path: str | None, resource_uri: str) -> CallToolResult:
    """An export or bibliography as a bounded reply: inline when small; else written to
    `output_path` or left behind `resource_uri`, with a link either way."""
    size = len(text.encode())
    base = {"format": fmt, "items": items, "bytes": size}
    if output_path:
        path = replies.write_new_file(output_path, text, what)
        uri = session.remember(path)
        return replies.reply({**base, "path": str(path), "resource_uri": uri}, links=[
            replies.link(uri, path.name, mime_type=MIME[fmt], size=size,
                         description=f"{what} written to {path}")])
    if size <= replies.INLINE_MAX:
        return replies.reply({**base, "data": text})
    notice = (f"{size:,} bytes is too large to return inline (limit {replies.INLINE_MAX:,}); "
              "read the linked resource, or give output_path to write it to a file")
    return replies.reply({**base, "resource_uri": resource_uri, "truncated": True,
                          "notices": [notice]},
                         links=[replies.link(resource_uri, f"{what}.{fmt}", mime_type=MIME[fmt],
                                             size=size, description=what)])


def export_query(**values: str | None) -> str:
    """The query part of an export resource URI for these filters (encode://export...)."""
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v})


def register(app: MCPServer, session: Session) -> None:
    @tool(app, session, "Track an ENCODE experiment", read_only=False, open_world=True)
    def encode_track_experiment(
            accession: ExperimentAccession,
            fetch_publications: Annotated[bool, Field(
                description="read its publications (false keeps the ones stored before)")]
            = True,
            fetch_pipelines: Annotated[bool, Field(
                description="read its pipelines and software (false keeps the stored ones)")]
            = True,
            notes: Annotated[str, Field(description="your notes; empty keeps the stored "
                                                    "ones")] = "",
            clear_notes: Annotated[bool, Field(description="remove the stored notes")] = False,
    ) -> Annotated[CallToolResult, Tracked]:
        """Fetch an ENCODE experiment from the portal and store it in the local collection
        with its publications, pipelines, QC metrics, files and cross-references. Use it
        before citing, comparing or linking an experiment; re-tracking updates it and never
        drops what you stored (notes, links; parts not fetched stay as they were).
        Example: {"accession": "ENCSR000AKS", "notes": "K562 H3K4me3 for figure 2"}"""
        if notes and clear_notes:
            raise InputError("encode_track_experiment", "clear_notes", "given with notes",
                             "give new notes, or clear them, not both")
        with session.database() as conn:
            result = service.track(conn, session.portal(), accession, notes or None,
                                   publications=fetch_publications,
                                   pipelines=fetch_pipelines, clear_notes=clear_notes)
        return replies.reply({"tracking": result.as_dict(), "notices": [
            f"kept the stored {part} (not fetched)" for part in result.kept]})

    @tool(app, session, "Track many ENCODE experiments", read_only=False, open_world=True)
    def encode_track_experiments(
            accessions: Annotated[list[str], Field(
                description=f"experiment accessions, 1 to {replies.BATCH_MAX}",
                min_length=1, max_length=replies.BATCH_MAX)],
            ctx: Context,
            fetch_publications: Annotated[bool, Field(description="read publications")]
            = True,
            fetch_pipelines: Annotated[bool, Field(description="read pipelines")] = True,
            notes: Annotated[str, Field(description="notes for every one; empty keeps "
                                                    "each one's stored notes")] = "",
    ) -> Annotated[CallToolResult, TrackedMany]:
        """Track several experiments in one call, each as encode_track_experiment does, with a
        progress notification after each one when the client sends a progress token. One
        that fails (unknown, not an experiment) is reported and the rest are still tracked.
        Example: {"accessions": ["ENCSR000AKS", "ENCSR000AKP"]}"""
        total = len(accessions)

        def progress(done: int, entry: dict[str, Any]) -> None:
            state = "tracked" if entry["ok"] else f"failed: {entry['error']}"
            anyio.from_thread.run(ctx.report_progress, done, total,
                                  f"{entry['accession']} {state}")

        with session.database() as conn:
            results = service.track_many(conn, session.portal(), accessions, notes or None,
                                         publications=fetch_publications,
                                         pipelines=fetch_pipelines, progress=progress)
        failed = sum(1 for r in results if not r["ok"])
        return replies.reply({"results": results, "tracked": total - failed,
                              "failed": failed})

    @tool(app, session, "Stop tracking an experiment", read_only=False, destructive=True)
    def encode_untrack_experiment(
            accession: ExperimentAccession) -> Annotated[CallToolResult, Untracked]:
        """Remove a tracked experiment and its rows (publications, pipelines, QC, files,
        references, your links and notes). The provenance of files made from it is kept
        and listed in kept_provenance. Example: {"accession": "ENCSR000AKS"}"""
        with session.database() as conn:
            return replies.reply(service.untrack(conn, accession))

    @tool(app, session, "List tracked experiments", read_only=True)
    def encode_list_tracked(
            assay_title: AssayTitle = None, organism: Organism = None, organ: Organ = None,
            biosample: Biosample = None, biosample_type: BiosampleType = None,
            target: Target = None, status: Status = None, lab: Lab = None,
            match: Match = "contains",
            limit: Annotated[int, Field(description=f"experiments per page, at most "
                                                    f"{replies.LIST_MAX} (more is clamped)")]
            = LIST_LIMIT,
            offset: Offset = 0) -> Annotated[CallToolResult, ExperimentPage]:
        """List tracked experiments a page at a time; filters narrow them (different filters
        must all match). Follow next_offset for the next page; total is how many match.
        Example: {"organ": "pancreas", "assay_title": "ChIP", "limit": 20}"""
        chosen = filters(assay=assay_title, organism=organism, organ=organ,
                         biosample=biosample, biosample_type=biosample_type, target=target,
                         status=status, lab=lab)
        limit, notices = replies.clamp("encode_list_tracked", "limit", limit, replies.LIST_MAX)
        replies.check_offset("encode_list_tracked", offset)
        with session.database() as conn:
            page = store.list_experiments(conn, chosen, match, limit=limit, offset=offset)
            collection = store.count_experiments(conn)
        rows, cut = replies.fit(page.experiments)
        end = offset + len(rows)
        if cut:
            notices.append(f"cut to {len(rows)} experiments to stay under "
                           f"{replies.TEXT_BUDGET:,} bytes")
        return replies.reply({
            "experiments": rows, "count": len(rows), "total": page.total, "offset": offset,
            "limit": limit, "next_offset": end if end < page.total else None,
            "collection_total": collection, "filters": chosen, "match": match,
            "truncated": cut, "notices": notices})

    @tool(app, session, "Summarize the collection", read_only=True)
    def encode_summarize_collection(
            assay_title: AssayTitle = None, organism: Organism = None, organ: Organ = None,
            biosample_type: BiosampleType = None, target: Target = None,
            status: Status = None, lab: Lab = None,
            match: Match = "contains") -> Annotated[CallToolResult, Summary]:
        """Counts of tracked experiments (all, or those matching the filters) by assay,
        target, organism, organ, biosample type, status and lab, with totals of
        experiments, distinct publications, references and files made from them.
        Example: {"organism": "Homo sapiens"}"""
        chosen = filters(assay=assay_title, organism=organism, organ=organ,
                         biosample_type=biosample_type, target=target, status=status, lab=lab)
        with session.database() as conn:
            return replies.reply(store.summarize(conn, chosen, match))

    @tool(app, session, "Compare two tracked experiments", read_only=True)
    def encode_compare_experiments(
            accession1: ExperimentAccession,
            accession2: ExperimentAccession) -> Annotated[CallToolResult, Record]:
        """Can two tracked experiments be analysed together? Organism, assembly, assay,
        target, biosample, life stage, replication and lab compared, with a verdict
        (compatible, compatible with caveats, incompatible) and reasons.
        Example: {"accession1": "ENCSR000AKS", "accession2": "ENCSR000AKP"}"""
        with session.database() as conn:
            return replies.reply(service.compare_tracked(conn, accession1, accession2)
                                 .as_dict())

    @tool(app, session, "Export tracked experiments", read_only=False, idempotent=False)
    def encode_export_data(
            format: Annotated[ExportFormat, Field(description="csv, tsv, or a json array")]
            = "csv",
            assay_title: AssayTitle = None, organism: Organism = None, organ: Organ = None,
            biosample_type: BiosampleType = None, target: Target = None,
            status: Status = None, lab: Lab = None, match: Match = "contains",
            output_path: OutputPath = None) -> Annotated[CallToolResult, TextOutput]:
        """Tracked experiments (all, or those matching the filters) as one table for pandas,
        R or a spreadsheet: one row per experiment, fixed columns (fields, PMIDs, counts of
        publications, references and derived files). Small tables come inline; a large one
        is written to output_path (a new file) or handed back as a resource link.
        Example: {"format": "csv", "organ": "pancreas", "output_path": "/tmp/pancreas.csv"}"""
        chosen = filters(assay=assay_title, organism=organism, organ=organ,
                         biosample_type=biosample_type, target=target, status=status, lab=lab)
        out = io.StringIO(newline="")
        with session.database() as conn:
            count = service.export_tracked(conn, out, format, chosen, match)
        query = export_query(assay_title=assay_title, organism=organism, organ=organ,
                             biosample_type=biosample_type, target=target, status=status,
                             lab=lab, match=match)
        return text_output(session, out.getvalue(), format, count, what="export",
                           output_path=output_path,
                           resource_uri=f"encode://export/{format}?{query}")

    @tool(app, session, "Cite tracked experiments", read_only=False, idempotent=False)
    def encode_get_citations(
            accession: ExperimentFilter = None,
            export_format: Annotated[CitationFormat, Field(
                description="json (CSL-JSON), bibtex or ris")] = "json",
            output_path: OutputPath = None) -> Annotated[CallToolResult, TextOutput]:
        """Citations of one tracked experiment or of the whole collection: its publications
        (each once), then a dataset entry per experiment, for Zotero, Mendeley or LaTeX.
        Small bibliographies come inline; a large one is written to output_path or handed
        back as a resource link. Example: {"export_format": "bibtex"}"""
        wanted = [accession] if accession else []
        with session.database() as conn:
            entries = service.citation_entries(conn, wanted)
        text = citations.render(entries, export_format)
        count = len(entries)
        uri = (f"encode://citations/{export_format}"
               + (f"?accession={identifiers.experiment_accession(accession)}"
                  if accession else ""))
        return text_output(session, text, export_format, count, what="citations",
                           output_path=output_path, resource_uri=uri)

    @tool(app, session, "Link an external reference", read_only=False)
    def encode_link_reference(
            experiment_accession: ExperimentAccession, reference_type: ReferenceType,
            reference_id: Annotated[str, Field(description="the id, e.g. 32728249 (pmid), "
                                                           "10.1038/nature11247 (doi), GSE12345, "
                                                           "NCT01234567, phs000123")],
            description: Annotated[str, Field(description="what it is, for you")] = "",
    ) -> Annotated[CallToolResult, Record]:
        """Attach an external reference to a tracked experiment (ids are checked and
        normalised; links survive re-tracking).
        Example: {"experiment_accession": "ENCSR000AKS", "reference_type": "geo_accession",
        "reference_id": "GSE12345"}"""
        with session.database() as conn:
            return replies.reply(store.link_reference(
                conn, identifiers.experiment_accession(experiment_accession),
                REFERENCE_ALIASES.get(reference_type, reference_type), reference_id,
                description or None))

    @tool(app, session, "Read external references", read_only=True)
    def encode_get_references(
            experiment_accession: ExperimentFilter = None,
            reference_type: Annotated[ReferenceType | None, Field(
                description="only this kind; omit for all")] = None,
            limit: Annotated[int, Field(description=f"references per page, at most "
                                                    f"{replies.REFERENCES_MAX}")] = 100,
            offset: Offset = 0) -> Annotated[CallToolResult, ReferencePage]:
        """External references (found on the portal or linked by you) of one tracked
        experiment or of the whole collection, a page at a time.
        Example: {"experiment_accession": "ENCSR000AKS", "reference_type": "pmid"}"""
        limit, notices = replies.clamp("encode_get_references", "limit", limit,
                                       replies.REFERENCES_MAX)
        replies.check_offset("encode_get_references", offset)
        with session.database() as conn:
            wanted = []
            if experiment_accession:
                accession = identifiers.experiment_accession(experiment_accession)
                store.require_tracked(conn, accession)
                wanted = [accession]
            kind = REFERENCE_ALIASES.get(reference_type or "", reference_type)
            refs = store.references(conn, wanted, kind)
        rows, cut = replies.fit(refs[offset:offset + limit])
        end = offset + len(rows)
        return replies.reply({"references": rows, "count": len(rows), "total": len(refs),
                              "offset": offset, "limit": limit,
                              "next_offset": end if end < len(refs) else None,
                              "truncated": cut, "notices": notices})
