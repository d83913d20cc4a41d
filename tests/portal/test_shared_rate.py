"""One request rate per portal across processes: the schedule file every limiter of a host
shares (unit tests with a fake clock), and real processes against a served portal whose
request log shows the rate they kept together."""

from __future__ import annotations

import logging
import math
import os
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import time_limit
from services import serve_portal

from encode_accession.localportal import LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.localportal.requestlog import (
    busiest_second,
    request_arrivals,
)
from encode_accession.portal import PortalClient
from encode_accession.portal.ratelimit import RateLimiter, schedule_path

from .payloads import R1

PORTAL = "https://portal.example.org"


class FakeClock:
    """Unix time that moves only when told; ``sleep`` records each wait (and, unless
    ``frozen``, lets the time pass), calling ``during_sleep`` first if set."""

    def __init__(self, now: float = 1.7e9, *, frozen: bool = False) -> None:
        self.now = now
        self.frozen = frozen
        self.sleeps: list[float] = []
        self.during_sleep = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        if self.during_sleep:
            action, self.during_sleep = self.during_sleep, None
            action()
        if not self.frozen:
            self.now += seconds


def limiter(folder: Path, clock: FakeClock, rate: float = 5, portal: str = PORTAL
            ) -> RateLimiter:
    return RateLimiter(rate, portal=portal, folder=folder, clock=clock, sleep=clock.sleep)


def test_limiters_of_one_portal_hand_out_slots_from_one_schedule_file(tmp_path):
    clock = FakeClock(frozen=True)  # every caller arrives at the same moment
    first, second = limiter(tmp_path, clock), limiter(tmp_path, clock)
    for each in (first, second, first, second):
        each.wait()
    assert clock.sleeps == [0.2, 0.4, 0.6]  # the first slot is now, then one per 1/rate
    assert first.schedule == second.schedule == schedule_path(PORTAL, tmp_path)
    next_free, paused_until = struct.unpack("<dd", first.schedule.read_bytes())
    assert next_free == pytest.approx(clock.now + 0.8) and paused_until == 0


def test_a_schedule_written_by_another_process_is_honoured(tmp_path):
    clock = FakeClock(frozen=True)
    # another job's queue: its last slot is 1.5 s away
    schedule_path(PORTAL, tmp_path).write_bytes(struct.pack("<dd", clock.now + 1.5, 0))
    limiter(tmp_path, clock).wait()
    assert clock.sleeps == [1.5]


def test_a_pause_delays_everyone_sharing_the_schedule(tmp_path):
    clock = FakeClock()
    throttled, other = limiter(tmp_path, clock), limiter(tmp_path, clock)
    throttled.pause(3)
    other.wait()
    assert clock.sleeps == [3]
    assert struct.unpack("<dd", other.schedule.read_bytes())[1] == pytest.approx(clock.now)


def test_a_pause_written_while_a_caller_sleeps_sends_it_back_in_line(tmp_path):
    clock = FakeClock()
    throttled, waiting = limiter(tmp_path, clock), limiter(tmp_path, clock)
    throttled.wait()  # takes the slot now; the next is 0.2 s away
    clock.during_sleep = lambda: throttled.pause(2)  # a 429 arrives while `waiting` sleeps
    waiting.wait()
    assert clock.sleeps == [0.2, pytest.approx(1.8)]  # its slot passed, then the pause's end


def test_other_portals_and_no_rate_do_not_share(tmp_path):
    clock = FakeClock(frozen=True)
    limiter(tmp_path, clock).wait()
    limiter(tmp_path, clock, portal="https://other.example.org").wait()
    assert clock.sleeps == []
    unlimited = RateLimiter(0, portal=PORTAL, folder=tmp_path / "none")
    unlimited.wait()
    assert unlimited.schedule is None and not (tmp_path / "none").exists()


@pytest.mark.parametrize("stored", [1.7e9 + 10 * 86400, math.nan])
def test_a_slot_no_clock_could_mean_is_ignored(tmp_path, stored):
    clock = FakeClock(frozen=True)  # a slot days ahead: this host's clock was set back
    schedule_path(PORTAL, tmp_path).write_bytes(struct.pack("<dd", stored, stored))
    limiter(tmp_path, clock).wait()
    assert clock.sleeps == []


def test_a_folder_that_cannot_hold_the_schedule_keeps_the_rate_per_process(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    clock = FakeClock(frozen=True)
    with caplog.at_level(logging.WARNING):
        fallback = RateLimiter(5, portal=PORTAL, folder=blocked, clock=clock,
                               sleep=clock.sleep)
    assert fallback.schedule is None and "kept per process" in caplog.text
    fallback.wait()
    fallback.wait()
    assert clock.sleeps == [0.2]


def test_the_schedule_lives_in_the_users_cache_one_file_per_portal():
    first = schedule_path(PORTAL)
    assert first.parent == Path(os.environ["XDG_CACHE_HOME"]) / "encode-accession" / "rate"
    assert schedule_path(PORTAL + "/") == first != schedule_path("https://other.example.org")


FORKED = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from encode_accession.portal.ratelimit import RateLimiter
    shared = RateLimiter(1000, portal="https://portal.example", folder=Path(sys.argv[1]))
    shared.wait()
    with shared._state.locked():  # another thread of the parent holds the lock at the fork
        child = os.fork()
        if child == 0:
            signal.alarm(5)  # a deadlock ends the child instead of the test run
            shared.wait()
            os._exit(0)
    _, status = os.waitpid(child, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_while_the_schedule_was_locked_gets_its_own_lock(tmp_path):
    # in a process of its own: forking pytest, whose other threads hold locks of their own
    # (loggers, servers), could deadlock the child on those rather than on the schedule's
    done = subprocess.run([sys.executable, "-c", FORKED, str(tmp_path)], capture_output=True,
                          text=True, timeout=time_limit(60))
    assert done.returncode == 0, done.stderr


# -- real processes against a served portal -------------------------------------------------

WORKER = textwrap.dedent("""
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from encode_accession.portal import PortalClient
    url, rate, count, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    client = PortalClient(url, "DEMOKEY1", "demosecretdemose", rate_limit=rate, backoff=0.01)
    print("ready", flush=True)
    sys.stdin.readline()  # every worker starts at once
    with ThreadPoolExecutor(3) as threads:
        list(threads.map(lambda _: client.get(path, frame="object"), range(count)))
""")


def start_workers(url: str, rate: float, count: int, path: str, n: int
                  ) -> list[subprocess.Popen]:
    """``n`` processes, each with its own client, ready to make ``count`` GETs of ``path``."""
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(rate), str(count),
                                 path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(n)]
    for worker in workers:
        assert worker.stdout.readline() == "ready\n", worker.stderr.read()
    return workers


def finish(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        _, errors = worker.communicate(timeout=time_limit(120))
        assert worker.returncode == 0, errors


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`encode-accession portal serve --request-log FILE` on a free loopback port."""
    log = tmp_path / "requests.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "encode_accession", "portal", "serve", "--port", "0",
         "--db", str(tmp_path / "portal.sqlite"), "--request-log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()
        assert "serving at http" in line, line + server.stdout.read()
        yield line.split("serving at ", 1)[1].split()[0], log
    finally:
        server.terminate()
        server.wait(timeout=time_limit(30))


def test_the_busiest_second_of_a_request_log_is_a_half_open_window():
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.5]) == 3  # [0, 1) or [0.5, 1.5)
    assert busiest_second([0.0, 1.0, 2.0]) == 1 and busiest_second([]) == 0


def test_processes_talking_to_one_portal_keep_one_rate_in_its_request_log(served):
    """Four processes of three threads each, at 5 requests/s on loopback: the portal's log
    shows no second with more than 5 + 1. Slots are exactly 1/rate apart, but a request
    reaches the server a little after its slot (thread wake-up, the socket); while that delay
    stays under one interval (200 ms), a window holds at most one request more than the rate."""
    url, log = served
    rate, per_worker, workers = 5, 8, 4
    running = start_workers(url, rate, per_worker, R1, workers)
    for worker in running:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    finish(running)
    arrivals = request_arrivals(log)
    total = per_worker * workers
    assert len(arrivals) == total
    assert busiest_second(arrivals) <= rate + 1
    # the limit held because the slots were shared: 32 requests cannot take less than 6.2 s
    assert arrivals[-1] - arrivals[0] >= (total - 1) / rate * 0.95


def test_a_redirect_the_client_follows_waits_for_its_own_slot(tmp_path):
    """An alias answers with a redirect to the object's @id: two requests, two slots."""
    log = tmp_path / "requests.log"
    with serve_portal(PortalApp(LocalPortal(tmp_path / "portal.sqlite")), request_log=log) \
            as (url, _):
        client = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, rate_limit=5)
        assert client.get("/encode-awg:demo-atac-experiment/")["@id"] == "/experiments/TSTSR000001/"
    lines = log.read_text().splitlines()
    assert [line.split(" ")[2] for line in lines] == ["301", "200"]
    first, second = request_arrivals(log)
    # the redirect waited for a slot (1/rate = 0.2 s after the first); unpaced it follows in
    # ~10 ms. Half an interval of slack: the first request may reach the server late on a
    # busy machine, which shortens the gap the log shows
    assert second - first >= 0.2 * 0.5


class ThrottleOnce:
    """WSGI middleware answering the first request for ``path`` with a 429."""

    def __init__(self, app, path: str, retry_after: float) -> None:
        self.app, self.path, self.retry_after = app, path, retry_after
        self.throttled = threading.Event()

    def __getattr__(self, name: str):  # the server reads the app's portal and its S3
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == self.path and not self.throttled.is_set():
            self.throttled.set()
            start_response("429 Too Many Requests",
                           [("Retry-After", str(self.retry_after)), ("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)


def test_a_429_seen_by_one_process_pauses_the_others(tmp_path):
    retry_after, lab = 3, "/labs/encode-awg/"
    app = ThrottleOnce(PortalApp(LocalPortal(tmp_path / "portal.sqlite")), lab, retry_after)
    log = tmp_path / "requests.log"
    with serve_portal(app, request_log=log) as (url, _):
        throttled = start_workers(url, 5, 1, lab, 1)
        throttled[0].stdin.write("go\n")
        throttled[0].stdin.flush()
        assert app.throttled.wait(time_limit(30))
        seen = time.time()
        time.sleep(0.5)  # the throttled process has read its 429 and written the pause
        client = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, rate_limit=5)  # another process
        assert client.get(R1)["@id"] == R1
        finish(throttled)
    ours = [float(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines()
            if line.startswith(f"GET {R1}")]
    assert len(ours) == 1 and ours[0] >= seen + retry_after - 0.2  # the other's Retry-After
