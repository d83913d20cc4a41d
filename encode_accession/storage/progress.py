"""Progress of long byte transfers (md5 of a large file, an upload) for the job's log.

A line at most every ``interval`` seconds per transfer, and only for transfers that take
that long: a run of small files logs nothing extra, a 100 GB BAM says how far it got.
Transfers may feed a ``parent`` (every upload of a job feeds the job's), and ``finish``
ends a large one with its average rate. Thread-safe: uploads report from worker threads.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

INTERVAL_SECONDS = 10.0
MIB = 1 << 20
FINAL_LINE_BYTES = 16 * MIB  # smaller transfers end without a line


class Progress:
    """Counts bytes of one transfer; call it with each chunk's size (boto3's ``Callback``)."""

    def __init__(self, what: str, label: str, total: int | None, *,
                 interval: float | None = None, out: TextIO | None = None,
                 parent: Progress | None = None) -> None:
        self.what, self.label, self.total, self.parent = what, label, total, parent
        self.interval = INTERVAL_SECONDS if interval is None else interval
        self.out: TextIO = out or (parent.out if parent else sys.stderr)
        self.done = 0
        self._lock = threading.Lock()
        self._started = self._last = time.monotonic()

    def __call__(self, count: int) -> None:
        with self._lock:
            self.done += count
            now = time.monotonic()
            if now - self._last >= self.interval:
                self._last = now
                self._print(now)
        if self.parent is not None:
            self.parent(count)

    def finish(self, *, always: bool = False) -> None:
        """The transfer's closing line (for one of at least FINAL_LINE_BYTES, or ``always``
        when it moved any bytes): how much, how long, at what average rate."""
        with self._lock:
            if self.done and (always or self.done >= FINAL_LINE_BYTES):
                now = time.monotonic()
                amount = f"{self.done / MIB:,.1f} MiB" if self.done >= MIB // 10 else \
                    f"{self.done:,} bytes"
                print(f"{self.what} {self.label}: {amount} in {now - self._started:,.1f} s, "
                      f"{self._rate(now):,.1f} MiB/s", file=self.out, flush=True)

    def _print(self, now: float) -> None:
        of = f" of {self.total / MIB:,.0f} MiB ({100 * self.done / self.total:.0f}%)" \
            if self.total else " MiB"
        print(f"{self.what} {self.label}: {self.done / MIB:,.0f}{of}, "
              f"{self._rate(now):,.0f} MiB/s", file=self.out, flush=True)

    def _rate(self, now: float) -> float:
        return self.done / MIB / max(now - self._started, 1e-9)
