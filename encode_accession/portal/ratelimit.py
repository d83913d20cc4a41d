"""One request-rate limit shared by every thread of a client, and pauses a 429 asks for.

The real portal asks clients for at most 10 requests per second, and jobs post files from
several threads of one process: a per-thread limit would multiply the rate by the thread
count, so the limit is one schedule of request slots behind a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Hands out request slots at most ``rate`` per second across all threads; ``rate`` 0
    (or None) means no limit. A pause (e.g. a 429's Retry-After) delays every later slot."""

    def __init__(self, rate: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate or 0.0
        self._interval = 1.0 / self.rate if self.rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0  # clock time of the next free slot

    def wait(self) -> None:
        """Block until this caller's slot; slots are reserved under the lock, slept outside."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            if self._interval or slot > now:
                self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """No request from any thread before ``seconds`` from now."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)
