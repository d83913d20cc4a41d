"""Serving the local portal over HTTP or HTTPS with werkzeug's threaded server."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from encode_accession.localportal.app import PortalApp
from encode_accession.localportal.faults import DROP_CONNECTION
from encode_accession.localportal.tls import write_self_signed


def _dropping_connections(app: PortalApp) -> Callable[..., Any]:
    """Turn the app's drop mark into a real dropped connection: the request was processed,
    but the client gets no HTTP response at all."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = app(environ, start_response)
        if environ.get(DROP_CONNECTION):
            conn = environ.get("werkzeug.socket")
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            return []
        return body

    return wsgi


def create_server(app: PortalApp, host: str = "127.0.0.1", port: int = 8000, *,
                  tls_dir: Path | None = None) -> tuple[BaseWSGIServer, str, Path | None]:
    """A threaded server (not started), its base URL, and the CA bundle path if TLS is on.
    Port 0 picks a free port."""
    context, cert = None, None
    if tls_dir is not None:
        cert, key = write_self_signed(tls_dir, host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    server = make_server(host, port, _dropping_connections(app), threaded=True,
                         ssl_context=context)
    scheme = "https" if context else "http"
    shown = f"[{host}]" if ":" in host else host
    return server, f"{scheme}://{shown}:{server.server_port}", cert
