"""One request rate per portal, shared by every thread and every process of this host, and
the pauses a 429 asks for.

Why a schedule and not a counter: the real portal asks clients for at most 10 requests per
second. Jobs post files from several threads, and Snakemake runs several step jobs (separate
processes) at once, a batch many more: a limit per thread or per process multiplies the rate
by their number. So the limit is one schedule of request slots: each request reserves the
next free slot (``next free`` moves on by ``1 / rate``) and sleeps until it comes; a 429's
Retry-After moves ``paused until`` and delays every later slot, whoever reserves it.

Why a file: the processes sharing a rate have nothing else in common (no server, no parent
to ask), and a file is the one thing every job of this host reaches. The schedule is 16
bytes (two doubles, Unix times) in ``$XDG_CACHE_HOME/encode-accession/rate/<hash>``, one file
per host name and portal URL, so a home folder shared by a cluster's nodes gives each node
its own (the brief's "one host"; the portal sees each node's own address).

Why fcntl: an OS file lock (``flock``) is held only to read and write those 16 bytes (a few
microseconds); the sleep until the slot happens outside it, so a thousand waiting requests
hold no lock. Threads of one process take a lock of the process first (a process's threads
share its file lock, so the OS lock alone would not keep them apart).

What happens on a crash: the OS drops a lock when its process dies (the file descriptor
closes), so a killed job never leaves the others locked out. What it leaves is at most its
reserved slots, already in the past a moment later. A slot or pause more than an hour ahead
can only come from a clock set back (or a file written by something else): it is ignored.

If the cache folder cannot hold the file (read-only, no locks on that file system), the
limiter warns and keeps the schedule in the process, as before (so does Windows, which has
no flock). No rate (0, the default for local portals) means no file at all: a 429 then
pauses only the threads of its process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

if sys.platform != "win32":  # no flock on Windows: there each process keeps its own schedule
    import fcntl

log = logging.getLogger(__name__)

SCHEDULE = struct.Struct("<dd")  # next free slot, paused until: Unix times
STALE_AHEAD = 3600.0  # seconds; a slot further ahead than any queue or Retry-After is stale


def schedule_path(portal: str, folder: Path | None = None) -> Path:
    """The file holding ``portal``'s schedule for this host (under ``folder`` if given)."""
    if folder is None:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(cache) / "encode-accession" / "rate"
    key = f"{socket.gethostname()} {portal.rstrip('/')}"
    return folder / hashlib.sha256(key.encode()).hexdigest()[:24]


class _Schedule(Protocol):
    """Where the two times live: ``read``/``write`` them only inside ``locked()``."""

    def locked(self) -> AbstractContextManager[object]: ...

    def read(self) -> tuple[float, float]: ...

    def write(self, next_free: float, paused_until: float) -> None: ...


class _MemoryState:
    """The schedule of one process, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times = (0.0, 0.0)

    def locked(self) -> threading.Lock:
        return self._lock

    def read(self) -> tuple[float, float]:
        return self._times

    def write(self, next_free: float, paused_until: float) -> None:
        self._times = (next_free, paused_until)


class _FileState:
    """The schedule in a file, shared by every process that opens it. One per file and
    process (``_FILES``), so all of a process's limiters for a portal queue behind one lock
    (two descriptors of one process would also do, but not on NFS, where flock is emulated
    by locks that belong to the process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:  # a file system without locks says so now, not on the first request
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        except OSError:
            os.close(self._fd)
            raise

    def reopen(self) -> None:
        """After a fork: the child's copy of the descriptor shares the parent's lock, and the
        thread lock may have been copied while held; the child takes its own."""
        self._lock = threading.Lock()
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def read(self) -> tuple[float, float]:
        data = os.pread(self._fd, SCHEDULE.size, 0)
        if len(data) != SCHEDULE.size:  # a new file
            return 0.0, 0.0
        next_free, paused_until = SCHEDULE.unpack(data)
        return next_free, paused_until

    def write(self, next_free: float, paused_until: float) -> None:
        os.pwrite(self._fd, SCHEDULE.pack(next_free, paused_until), 0)


_FILES: dict[Path, _FileState] = {}  # open for the process's life: one per portal it talks to
_FILES_LOCK = threading.Lock()


def _shared_state(path: Path) -> _FileState:
    with _FILES_LOCK:
        state = _FILES.get(path)
        if state is None:
            state = _FILES[path] = _FileState(path)
        return state


def _reopen_after_fork() -> None:
    for state in list(_FILES.values()):
        state.reopen()


os.register_at_fork(after_in_child=_reopen_after_fork)


class RateLimiter:
    """Hands out request slots at most ``rate`` per second; ``rate`` 0 (or None) means no
    limit. With ``portal`` (its base URL) and a rate, the slots are shared with every limiter
    of this host for that portal, in other processes too (``folder`` overrides where the
    schedule file lives); else with this limiter's threads only. A pause (a 429's
    Retry-After) delays every later slot of everyone sharing the schedule."""

    def __init__(self, rate: float | None, *, portal: str | None = None,
                 folder: Path | None = None, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate or 0.0
        self._interval = 1.0 / self.rate if self.rate > 0 else 0.0
        self._sleep = sleep
        self.schedule: Path | None = None  # the shared file, if any
        self._state: _Schedule = _MemoryState()
        if portal is not None and self.rate > 0 and sys.platform != "win32":
            path = schedule_path(portal, folder)
            try:
                self._state = _shared_state(path)
                self.schedule = path
            except OSError as exc:
                log.warning("request rate for %s kept per process: cannot share it through "
                            "%s (%s)", portal, path, exc)
        # times in a shared file must mean the same in every process: Unix time
        self._clock = clock or (time.time if self.schedule else time.monotonic)

    def wait(self) -> None:
        """Block until this caller's slot: reserved under the lock, slept outside it. A pause
        written while it slept (another thread's or process's 429) sends it back in line."""
        while True:
            with self._state.locked():
                now = self._clock()
                next_free, paused_until = (_fresh(t, now) for t in self._state.read())
                slot = max(now, next_free, paused_until)
                self._state.write(slot + self._interval, paused_until)
            if slot <= now:
                return
            self._sleep(slot - now)
            with self._state.locked():
                paused_until = _fresh(self._state.read()[1], now)
            if paused_until <= slot:
                return

    def pause(self, seconds: float) -> None:
        """No request from anyone sharing the schedule before ``seconds`` from now."""
        with self._state.locked():
            now = self._clock()
            next_free, paused_until = (_fresh(t, now) for t in self._state.read())
            self._state.write(next_free, max(paused_until, now + seconds))


def _fresh(moment: float, now: float) -> float:
    """``moment``, or 0 when it cannot be a real slot: more than STALE_AHEAD away (a clock
    set back) or not a number (a foreign file)."""
    return moment if moment <= now + STALE_AHEAD else 0.0
