"""The portal's tools: search experiments (a bounded page) and count them by facet."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from encode_accession.cli.mcp import replies
from encode_accession.cli.mcp.params import (
    AssayTitle,
    BiosampleType,
    Lab,
    Offset,
    Organ,
    Organism,
    Status,
    Target,
)
from encode_accession.cli.mcp.replies import Record, SearchPage
from encode_accession.cli.mcp.session import Session, tool
from encode_accession.cli.mcp.tools import filters
from encode_accession.tracker import search

Date = Annotated[str | None, Field(description="YYYY, YYYY-MM or YYYY-MM-DD, a real date "
                                               "(2020-13-45 is refused)")]


def register(app: MCPServer, session: Session) -> None:
    @tool(app, session, "Search ENCODE experiments", read_only=True, open_world=True)
    def encode_search_experiments(
            assay_title: AssayTitle = None, organism: Organism = None, organ: Organ = None,
            biosample_type: BiosampleType = None,
            biosample_term_name: Annotated[str | None, Field(
                description="biosample term name, e.g. 'body of pancreas'")] = None,
            target: Target = None, status: Status = None, lab: Lab = None,
            assembly: Annotated[str | None, Field(description="e.g. GRCh38, mm10")] = None,
            replication_type: Annotated[str | None, Field(
                description="e.g. isogenic, anisogenic, unreplicated")] = None,
            life_stage: Annotated[str | None, Field(description="e.g. adult, embryonic")]
            = None,
            search_term: Annotated[str | None, Field(
                description="free text, as in the portal's search box")] = None,
            date_released_from: Date = None, date_released_to: Date = None,
            limit: Annotated[int, Field(description=f"hits per page, at most "
                                                    f"{replies.SEARCH_MAX} (more is clamped)")]
            = search.DEFAULT_LIMIT,
            offset: Offset = 0) -> Annotated[CallToolResult, SearchPage]:
        """Search the ENCODE portal for experiments (not the local collection): filters, free
        text, a release date range and a page of hits; follow next_offset for more. Track a
        hit to keep it. Example: {"assay_title": "ATAC-seq", "organ": "heart",
        "date_released_from": "2020-01-01", "limit": 10}"""
        chosen = filters(assay=assay_title, organism=organism, organ=organ,
                         biosample_type=biosample_type, biosample=biosample_term_name,
                         target=target, status=status, lab=lab, assembly=assembly,
                         replication_type=replication_type, life_stage=life_stage)
        limit, notices = replies.clamp("encode_search_experiments", "limit", limit,
                                       replies.SEARCH_MAX)
        found = search.search_experiments(
            session.portal(), chosen, limit, offset=offset, text=search_term,
            released_from=date_released_from, released_to=date_released_to)
        rows, cut = replies.fit(found["experiments"])
        end = offset + len(rows)
        return replies.reply({**found, "experiments": rows, "count": len(rows),
                              "next_offset": end if end < found["total"] else None,
                              "truncated": cut, "notices": notices})

    @tool(app, session, "Count ENCODE experiments by facet", read_only=True, open_world=True)
    def encode_get_facets(
            facet_field: Annotated[str | None, Field(
                description=f"a short name ({', '.join(search.PORTAL_FIELDS)}) or a portal "
                            "path; omit to list every facet the server offers")] = None,
            assay_title: AssayTitle = None, organism: Organism = None, organ: Organ = None,
            biosample_type: BiosampleType = None) -> Annotated[CallToolResult, Record]:
        """How many portal experiments have each value of a field, among those matching the
        filters; without facet_field, every facet the server offers with its counts.
        Example: {"facet_field": "assay", "organ": "pancreas"}"""
        chosen = filters(assay=assay_title, organism=organism, organ=organ,
                         biosample_type=biosample_type)
        portal = session.portal()
        if facet_field:
            counts = search.facet_counts(portal, facet_field, chosen)
            terms, cut = replies.fit(counts["terms"])
            return replies.reply({**counts, "terms": terms, "truncated": cut})
        facets, cut = replies.fit(search.available_facets(portal, chosen))
        return replies.reply({"facets": facets, "truncated": cut})
