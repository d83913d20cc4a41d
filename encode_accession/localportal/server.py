"""Serving the local portal over HTTP or HTTPS with werkzeug's threaded server.

One server answers the portal's REST API and, under ``S3_PATH``, its own S3 endpoint (when
uploads do not go to an external one). With an external S3 endpoint the server checks, in
its idle loop and off every request's path, which still-uploading files have their bytes in
the bucket, as the real portal's checkfiles runs beside it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from encode_accession.localportal.app import PortalApp
from encode_accession.localportal.faults import DROP_CONNECTION
from encode_accession.localportal.portal import LocalPortal
from encode_accession.localportal.requestlog import RequestLog
from encode_accession.localportal.tls import write_self_signed
from encode_accession.localportal.uploads import S3_PATH

CHECK_INTERVAL = 0.5  # seconds between looks at an external bucket for arrived uploads
log = logging.getLogger(__name__)


def _dropping_connections(app: Callable[..., Any]) -> Callable[..., Any]:
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


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (a job serving its own portal keeps its log clean)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class PortalServer(ThreadedWSGIServer):
    """werkzeug's threaded server, plus the checkfiles of an external bucket when idle."""

    def __init__(self, host: str, port: int, app: Callable[..., Any], portal: LocalPortal,
                 **kwargs: Any) -> None:
        super().__init__(host, port, app, **kwargs)
        self.portal = portal
        self._checking = threading.Lock()
        self._last_check = 0.0

    def service_actions(self) -> None:
        """Called by serve_forever between requests: start one checkfiles pass at a time."""
        if not self.portal.uploads.external:
            return
        now = time.monotonic()
        if now - self._last_check < CHECK_INTERVAL or not self._checking.acquire(False):
            return
        self._last_check = now
        threading.Thread(target=self._check, daemon=True, name="checkfiles").start()

    def _check(self) -> None:
        try:
            self.portal.check_arrived_uploads()
        except Exception:  # the next pass tries again; the server stays up
            log.exception("checkfiles of %s failed", self.portal.uploads.bucket)
        finally:
            self._checking.release()


def create_server(app: PortalApp, host: str = "127.0.0.1", port: int = 8000, *,
                  tls_dir: Path | None = None, request_log: Path | None = None,
                  quiet: bool = False) -> tuple[PortalServer, str, Path | None]:
    """A threaded server (not started), its base URL, and the CA bundle path if TLS is on.
    Port 0 picks a free port. ``request_log`` logs the portal's requests (not its S3's)."""
    context, cert = None, None
    if tls_dir is not None:
        cert, key = write_self_signed(tls_dir, host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    wsgi: Callable[..., Any] = RequestLog(app, request_log) if request_log else app
    if app.s3 is not None:
        wsgi = DispatcherMiddleware(wsgi, {S3_PATH: app.s3})
    server = PortalServer(host, port, _dropping_connections(wsgi), app.portal,
                          ssl_context=context,
                          handler=QuietRequestHandler if quiet else None)
    scheme = "https" if context else "http"
    shown = f"[{host}]" if ":" in host else host
    return server, f"{scheme}://{shown}:{server.server_port}", cert
