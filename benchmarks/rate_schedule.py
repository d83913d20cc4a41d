"""What does sharing the request rate through a file cost per request?

Every portal request reserves its slot in the schedule file (``portal/ratelimit.py``): a
process lock, flock, a 16-byte pread and pwrite, unlock. This times reservations with a rate
so high that no one ever sleeps, so only the bookkeeping is measured: the schedule kept in
the process, in the file from one process, and in the file from several processes at once
(contended: each waits for the others' locks). The budget is well under 1 ms per request
(a request to the real portal takes 50-500 ms).

    .venv/bin/python benchmarks/rate_schedule.py [--requests 20000] [--processes 4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from encode_accession.portal.ratelimit import RateLimiter

PORTAL = "https://rate-benchmark.invalid"
RATE = 1e12  # requests/s: slots 1 ps apart, so no reservation ever sleeps


def per_request_us(limiter: RateLimiter, requests: int) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        limiter.wait()
    return (time.perf_counter() - start) / requests * 1e6


def contended_us(folder: Path, requests: int, processes: int) -> float:
    """Mean wall time per reservation in each of ``processes`` processes reserving at once."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            "from pathlib import Path; import rate_schedule as b; "
            "from encode_accession.portal.ratelimit import RateLimiter; "
            f"print(b.per_request_us(RateLimiter(b.RATE, portal=b.PORTAL, "
            f"folder=Path({str(folder)!r})), {requests}))")
    workers = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
               for _ in range(processes)]
    times = [float(worker.communicate()[0]) for worker in workers]
    return sum(times) / len(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        memory = per_request_us(RateLimiter(RATE), args.requests)
        shared = RateLimiter(RATE, portal=PORTAL, folder=folder)
        assert shared.schedule is not None, "the schedule file could not be opened"
        alone = per_request_us(shared, args.requests)
        together = contended_us(folder, args.requests, args.processes)
    print(f"per request: {memory:.1f} us in the process, {alone:.1f} us through the file, "
          f"{together:.1f} us through the file with {args.processes} processes at once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
