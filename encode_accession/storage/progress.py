"""Progress of long byte transfers (md5 of a large file, an upload) for the job's log.

A line at most every ``interval`` seconds per transfer, and only for transfers that take
that long: a run of small files logs nothing extra, a 100 GB BAM says how far it got.
Thread-safe: uploads report from boto3's worker threads.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

INTERVAL_SECONDS = 10.0
MIB = 1 << 20


class Progress:
    """Counts bytes of one transfer; call it with each chunk's size (boto3's ``Callback``)."""

    def __init__(self, what: str, label: str, total: int | None, *,
                 interval: float | None = None, out: TextIO | None = None) -> None:
        self.what, self.label, self.total = what, label, total
        self.interval = INTERVAL_SECONDS if interval is None else interval
        self.out = out or sys.stderr
        self.done = 0
        self._lock = threading.Lock()
        self._started = self._last = time.monotonic()

    def __call__(self, count: int) -> None:
        with self._lock:
            self.done += count
            now = time.monotonic()
            if now - self._last < self.interval:
                return
            self._last = now
            rate = self.done / MIB / max(now - self._started, 1e-9)
            of = f" of {self.total / MIB:,.0f} MiB ({100 * self.done / self.total:.0f}%)" \
                if self.total else " MiB"
            print(f"{self.what} {self.label}: {self.done / MIB:,.0f}{of}, {rate:,.0f} MiB/s",
                  file=self.out, flush=True)
