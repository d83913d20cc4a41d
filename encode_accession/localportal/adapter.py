"""A requests transport that hands requests to the local portal's WSGI app in-process.

`PortalClient("local")` mounts it, so the embedded portal needs no port, thread or socket,
while the client code path (sessions, redirects, error handling) stays the one used over
HTTP. A response the portal marked as dropped becomes a ConnectionError, as on a socket.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder

from encode_accession.localportal.faults import DROP_CONNECTION


class WSGIAdapter(BaseAdapter):
    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        url = urlsplit(request.url)
        body = request.body.encode() if isinstance(request.body, str) else request.body
        environ = EnvironBuilder(
            method=request.method, path=url.path, query_string=url.query,
            base_url=f"{url.scheme}://{url.netloc}", headers=list(request.headers.items()),
            data=body or b"",
        ).get_environ()
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            started.update(status=status, headers=headers)
            return lambda data: None

        app_iter = self.app(environ, start_response)  # this environ: the app marks drops in it
        try:
            content = b"".join(app_iter)
        finally:
            getattr(app_iter, "close", lambda: None)()
        status = started["status"]
        if environ.get(DROP_CONNECTION):
            raise requests.ConnectionError("local portal dropped the connection after the "
                                           "request was processed", request=request)
        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.split(" ", 1)[1] if " " in status else ""
        response.headers = CaseInsensitiveDict(started["headers"])
        response._content = content
        response.raw = io.BytesIO(content)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        """Nothing to release: no sockets or pools."""
