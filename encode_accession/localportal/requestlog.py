"""A request log for the served local portal: a ``METHOD PATH STATUS ARRIVED`` line per
request (ARRIVED: Unix time the request reached the portal, before any work or latency).

Benchmarks count a client's portal requests from it (``portal serve --request-log FILE``),
and tests read the rate clients keep from the arrival times; it sits outside the portal
app, so it sees every request, faults included.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


class RequestLog:
    """WSGI middleware appending each request to a file, flushed per line so a reader sees
    every request answered so far."""

    def __init__(self, app: Callable[..., Iterable[bytes]], path: Path) -> None:
        self.app = app
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        arrived = time.time()
        status: list[str] = []

        def recording(code: str, headers: list, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info) if exc_info else \
                start_response(code, headers)

        body = self.app(environ, recording)
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING")
        line = f"{environ['REQUEST_METHOD']} {path}{'?' + query if query else ''} " \
               f"{status[0] if status else '-'} {arrived:.6f}\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()
        return body


def read_request_log(path: Path) -> list[tuple[str, str, str]]:
    """(method, path with query, status) per logged request."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        method, target, status = line.split(" ")[:3]
        entries.append((method, target, status))
    return entries


def request_arrivals(path: Path) -> list[float]:
    """When each logged request reached the portal (Unix times), earliest first."""
    if not path.exists():
        return []
    return sorted(float(line.rsplit(" ", 1)[1]) for line in path.read_text().splitlines())


def busiest_second(arrivals: list[float]) -> int:
    """Most requests in any one-second window [t, t + 1) of sorted ``arrivals``: the rate a
    portal saw at its peak (the busiest window starts at an arrival)."""
    busiest = first = 0
    for last, arrived in enumerate(arrivals):
        while arrivals[first] <= arrived - 1:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest
