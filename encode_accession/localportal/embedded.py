"""The local portal as a `local:` server of the portal client: served by the calling process
itself, on 127.0.0.1 (a free port), by werkzeug's threaded server in a daemon thread.

One server per process and database file, started on first use (thread-safe), so every
`local:` client of a process talks to the same portal (and the same fault settings) over
HTTP, exactly as to a loopback portal: the client has one code path. Each Snakemake job of a
`local:` run serves the shared database itself; the uploads its portal hands out point at
that server's own S3 endpoint.

Registered in pyproject.toml under the client's entry-point group
(:data:`encode_accession.portal.servers.EMBEDDED_GROUP`), so the client finds it without
importing it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from encode_accession.localportal.app import PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.localportal.portal import LocalPortal
from encode_accession.localportal.server import create_server


@dataclass(frozen=True)
class Embedded:
    app: PortalApp  # tests reach the store and the faults through it
    base_url: str
    default_credentials: tuple[str, str] = (DEMO_KEY_ID, DEMO_SECRET)


_served: dict[Path, Embedded] = {}
_lock = threading.Lock()


def embedded(db_path: Path) -> Embedded:
    """The portal on ``db_path`` served by this process, started on the first call."""
    path = Path(db_path).resolve()
    with _lock:
        if path not in _served:
            app = PortalApp(LocalPortal(path))
            server, url, _ = create_server(app, "127.0.0.1", 0, quiet=True)
            threading.Thread(target=server.serve_forever, daemon=True,
                             name=f"local portal {path.name}").start()
            _served[path] = Embedded(app, url)
        return _served[path]
