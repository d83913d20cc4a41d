"""The local portal as a `local:` server of the portal client: in this process, one per
database file, reached through a requests transport (no port, thread or socket).

Registered in pyproject.toml under the client's entry-point group
(:data:`encode_accession.portal.servers.EMBEDDED_GROUP`), so the client finds it without
importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from encode_accession.localportal import PortalApp, shared_app
from encode_accession.localportal.adapter import WSGIAdapter
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal.servers import LOCAL_BASE_URL


@dataclass
class Embedded:
    app: PortalApp
    base_url: str = LOCAL_BASE_URL
    default_credentials: tuple[str, str] = (DEMO_KEY_ID, DEMO_SECRET)

    def attach(self, session: Any) -> None:
        session.mount(self.base_url + "/", WSGIAdapter(self.app))


def embedded(db_path: Path) -> Embedded:
    """The in-process portal on ``db_path`` (the same app for every client of a process)."""
    return Embedded(shared_app(db_path))
