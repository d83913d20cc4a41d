"""What the tools of one MCP server share (the database, the portal client, the files this
session wrote) and how a function becomes a tool (title, annotations, one-message errors)."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import connect
from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import PortalError
from encode_accession.tracker.credentials import portal_client

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Session:
    """What every tool of one server shares."""

    server: str
    db: Path | None
    written: dict[str, Path] = field(default_factory=dict)  # resource name -> file written

    @contextmanager
    def database(self) -> Iterator[sqlite3.Connection]:
        with closing(connect(self.db)) as conn:
            yield conn

    def portal(self, **options: Any) -> PortalClient:
        return portal_client(self.server, **options)

    def remember(self, path: Path) -> str:
        """A resource URI for a file this session wrote (only those can be read back)."""
        name = f"{len(self.written) + 1}-{path.name}"
        self.written[name] = path
        return f"encode://files/{name}"


def tool(app: MCPServer, session: Session, title: str, *, read_only: bool,
         destructive: bool = False, idempotent: bool = True,
         open_world: bool = False) -> Callable[[F], F]:
    """Register a function as a tool with its title and annotations; the project's errors
    become one-message tool errors."""
    def register(fn: F) -> F:
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except InputError as exc:
                raise ToolError(exc.message) from None
            except PortalError as exc:
                raise ToolError(f"portal {session.server}: {exc}") from None
            except sqlite3.DatabaseError as exc:
                raise ToolError(f"tracker database {session.db or 'default'}: {exc}") from None
        app.add_tool(guarded, name=fn.__name__, title=title, annotations=ToolAnnotations(
            title=title, read_only_hint=read_only,
            destructive_hint=destructive if not read_only else None,
            idempotent_hint=idempotent, open_world_hint=open_world))
        return fn
    return register
