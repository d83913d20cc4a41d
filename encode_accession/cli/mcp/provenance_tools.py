"""The provenance tools: record a file made from ENCODE data, and read a lineage."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Literal
from urllib.parse import quote

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from encode_accession.cli.mcp import replies
from encode_accession.cli.mcp.replies import Record
from encode_accession.cli.mcp.session import Session, tool
from encode_accession.core.errors import InputError
from encode_accession.provenance import check, lineage, log_derived
from encode_accession.provenance.identity import accession_of
from encode_accession.provenance.known import check_accessions
from encode_accession.provenance.render import lineage_json
from encode_accession.tracker import store

ClearField = Literal["tool", "parameters", "description"]


def provenance_uri(target: str) -> str:
    """The resource holding the whole lineage of an accession or a logged path."""
    accession = accession_of(target)
    if accession:
        return f"encode://provenance/{accession}"
    return f"encode://provenance/file?path={quote(target, safe='')}"


def lineage_reply(found_json: dict, target: str) -> CallToolResult:
    """The lineage inline when it fits; else its outline (what is up and down, problems)
    and a link to the whole of it."""
    size = len(json.dumps(found_json, ensure_ascii=False).encode())
    if size <= replies.TEXT_BUDGET:
        return replies.reply(found_json)
    uri = provenance_uri(target)
    outline = {k: found_json[k] for k in ("target", "roots", "upstream", "downstream",
                                          "problems")}
    return replies.reply({**outline, "nodes": len(found_json["nodes"]), "truncated": True,
                          "resource_uri": uri, "notices": [
                              f"the lineage is {size:,} bytes; its outline is here, the whole "
                              "of it in the linked resource"]},
                         links=[replies.link(uri, "lineage", mime_type="application/json",
                                             size=size, description=f"lineage of {target}")])


def register(app: MCPServer, session: Session) -> None:
    @tool(app, session, "Record a file made from ENCODE data", read_only=False,
          open_world=True)
    def encode_log_derived_file(
            file_path: Annotated[str, Field(description="the file you made (absolute path)")],
            source_accessions: Annotated[list[str], Field(
                description="what it was made from: ENCODE accessions (ENCFF..., ENCSR...) "
                            "and/or paths of files logged before; at least one",
                min_length=1)],
            description: Annotated[str, Field(description="what the file is; empty keeps "
                                                          "the earlier record's")] = "",
            file_type: Annotated[str, Field(description="e.g. bed, bigWig")] = "",
            tool_used: Annotated[str, Field(description="tool and command, e.g. 'bedtools "
                                                        "intersect'; empty keeps the "
                                                        "earlier record's")] = "",
            parameters: Annotated[str, Field(description="parameters as text or JSON; empty "
                                                         "keeps the earlier record's")] = "",
            clear: Annotated[list[ClearField], Field(
                description="fields of the earlier record to remove (a re-log keeps every "
                            "field it does not give)")] = [],  # noqa: B006 (never mutated)
    ) -> Annotated[CallToolResult, Record]:
        """Record a file you made from ENCODE data: its checksums, what it came from (checked:
        an accession the portal does not have is refused), the tool and parameters. Logging it
        again after it changed makes a new version; logging only adds, never erases.
        Example: {"file_path": "/data/peaks.filtered.bed", "source_accessions":
        ["ENCFF001AAA"], "tool_used": "bedtools intersect -v"}"""
        what = "; ".join(p for p in (description, f"file type: {file_type}"
                                     if file_type else "") if p)
        portal = session.portal(retries=1, timeout=15)
        with session.database() as conn:
            logged = log_derived(conn, file_path, source_accessions, tool=tool_used or None,
                                 parameters=parameters or None, description=what or None,
                                 clear=clear, check=functools.partial(check_accessions, conn,
                                                                      portal=portal))
        notices = [*logged.warnings, *(f"kept the earlier {field}" for field in logged.kept)]
        return replies.reply({"success": True, **logged.as_dict(), "notices": notices})

    @tool(app, session, "Read the lineage of a file or accession", read_only=True)
    def encode_get_provenance(
            file_path: Annotated[str | None, Field(
                description="a logged file: what it was made from and what was made "
                            "from it")] = None,
            source_accession: Annotated[str | None, Field(
                description="an accession: the files made from it")] = None,
    ) -> Annotated[CallToolResult, Record]:
        """The lineage of a logged file (what it was made from, back to ENCODE, what was made
        from it, and problems such as a changed file), or the files made from an accession.
        Example: {"file_path": "/data/peaks.filtered.bed"}"""
        with session.database() as conn:
            if file_path:
                found = lineage(conn, file_path)
                return lineage_reply(lineage_json(found, check(found.graph)), file_path)
            if source_accession:
                accession = accession_of(source_accession)
                if accession is None:
                    raise InputError("encode_get_provenance", "source_accession",
                                     f"{source_accession!r} is not an ENCODE accession",
                                     "give one such as ENCFF001AAA or ENCSR000AKS")
                derived = store.derived_files_from(conn, accession)
                rows, cut = replies.fit(derived)
                return replies.reply({"derived_files": rows, "count": len(rows),
                                      "total": len(derived), "truncated": cut})
        raise InputError("encode_get_provenance", "file_path", "nothing to look up",
                         "give file_path or source_accession")
