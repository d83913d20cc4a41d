"""The MCP server: one MCPServer with the tools, resources and prompts of this package."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mcp.server.mcpserver import MCPServer

from encode_accession.cli.mcp import portal_tools, provenance_tools, resources, tools
from encode_accession.cli.mcp.session import Session

INSTRUCTIONS = (
    "Track ENCODE experiments in a local collection, cite them, compare them, export them, "
    "search the ENCODE portal, and record the provenance of files made from ENCODE data. "
    "Track an experiment before citing, comparing or linking it. Lists come a page at a "
    "time (follow next_offset); large exports and bibliographies come as a file or a "
    "resource link, not inline. Every reply states its size (reply_bytes) and whether it was "
    "cut (truncated). The prompts walk through common tasks.")


def package_version() -> str:
    try:
        return version("encode-accession")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def build_server(server: str = "prod", db: Path | None = None) -> MCPServer:
    """The MCP server reading `server` and writing `db`."""
    app = MCPServer("encode-accession", title="ENCODE tracker and provenance",
                    version=package_version(), instructions=INSTRUCTIONS)
    session = Session(server, db)
    for module in (tools, portal_tools, provenance_tools, resources):
        module.register(app, session)
    return app
