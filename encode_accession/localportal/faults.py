"""Injected latency and failures, so clients can be tested against a portal that misbehaves.

A seeded RNG makes a run reproducible. Errors are answered before any work is done; a
"drop" commits the POST and then loses the response, which is the case a client must not
turn into a duplicate object.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

# Set in the WSGI environ when the response must be lost; the HTTP server turns it into a
# dropped connection.
DROP_CONNECTION = "encode_accession.portal.drop_connection"


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    error_status: int = 503  # e.g. 429 to test throttling
    retry_after: str = ""  # Retry-After header of injected errors: seconds or an HTTP-date
    seed: int | None = None


class Faults:
    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def delay(self) -> None:
        """Sleep the configured latency (the portal's S3 endpoint has only this fault)."""
        if self.config.latency_ms > 0:
            time.sleep(self.config.latency_ms / 1000)

    def before_request(self) -> int | None:
        """Sleep the configured latency; the status to fail with, or None to proceed."""
        self.delay()
        return self.config.error_status if self._roll(self.config.error_rate) else None

    def drop_after_commit(self, method: str) -> bool:
        return method == "POST" and self._roll(self.config.drop_rate)
