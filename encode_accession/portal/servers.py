"""Which portal a server name means: prod, dev, an https URL, loopback http, or local."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from encode_accession.core.errors import InputError

SERVERS = {"prod": "https://www.encodeproject.org", "dev": "https://test.encodedcc.org"}
# The package that provides `local:` servers registers itself under this entry-point group
# (pyproject.toml), so this package never imports it: the local portal depends on the
# client, not the reverse.
EMBEDDED_GROUP = "encode_accession.embedded_portal"


def default_local_db() -> Path:
    """Where `local` keeps its database unless a path is given."""
    return Path(os.environ.get("ENCODE_LOCAL_PORTAL_DB", "local_portal.sqlite"))


@dataclass(frozen=True)
class Server:
    base_url: str  # for `local:` the name; its provider serves it at a loopback URL
    local_db: Path | None = None  # set for the local portal this process serves itself

    @property
    def local(self) -> bool:
        """A `local:` portal or one on this machine (loopback): no politeness limit."""
        host = urlsplit(self.base_url).hostname or ""
        return self.local_db is not None or _is_loopback(host)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_server(server: str) -> Server:
    """Map a server name to a base URL; `local[:/path/db.sqlite]` to the local portal on that
    database, which the calling process serves itself (:func:`embedded_portal`)."""
    if server in SERVERS:
        return Server(SERVERS[server])
    if server == "local" or server.startswith("local:"):
        path = server.partition(":")[2]
        db = Path(path) if path else default_local_db()
        return Server(f"local:{db}", db)
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("server", server, "is not prod, dev, local[:<db path>] or an http(s) URL",
                         "use e.g. prod, dev, local, https://host or http://127.0.0.1:8000")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InputError("server", server, "plain http is only allowed for loopback hosts",
                         f"use https://{parts.netloc} (credentials must not cross the network "
                         "unencrypted)")
    return Server(server.rstrip("/"))


class EmbeddedPortal(Protocol):
    """The portal behind a `local:` server name, as its provider hands it out: served by
    this process on loopback, reached over HTTP like any other portal."""

    base_url: str  # e.g. http://127.0.0.1:40123
    default_credentials: tuple[str, str]  # used when the caller gives no key pair


def embedded_portal(server: Server) -> EmbeddedPortal:
    """The portal for a `local:` server, from the package registered under
    :data:`EMBEDDED_GROUP` (the local portal's ``embedded`` module), which starts serving it
    on first use in this process."""
    from importlib.metadata import entry_points

    assert server.local_db is not None
    providers = entry_points(group=EMBEDDED_GROUP, name="local")
    if not providers:
        raise InputError("server", f"local:{server.local_db}", "no local portal is installed "
                         f"(no entry point {EMBEDDED_GROUP}:local)",
                         "install encode-accession with pip (its metadata registers it)")
    provider = next(iter(providers)).load()
    portal: EmbeddedPortal = provider(server.local_db)
    return portal
