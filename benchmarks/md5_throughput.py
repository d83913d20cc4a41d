"""Is hashing local outputs as fast as coreutils ``md5sum``, with flat memory?

Local md5s are the one md5 we must always compute ourselves, on files up to tens of GiB,
so the bar is the tool users would otherwise reach for. Both read the same file from the
page cache (best of N each), so this measures hashing, not the disk.

    .venv/bin/python benchmarks/md5_throughput.py [--size-mib 1024] [--reuse] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from encode_accession.storage.stores import Storage

BLOCK = 8 << 20

# Run in a fresh interpreter so the peak RSS is that of hashing, not of writing the file.
# tracemalloc adds the peak of Python allocations made while hashing, which RSS hides
# below the high-water mark left by the imports.
MEMORY_PROBE = """
import resource, sys, tracemalloc
from encode_accession.storage.stores import Storage
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
Storage().md5(sys.argv[1])
traced_peak = tracemalloc.get_traced_memory()[1]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before * 1024, after * 1024, traced_peak)
"""


def make_file(path: Path, size_mib: int, reuse: bool) -> None:
    size = size_mib << 20
    if reuse and path.exists() and path.stat().st_size == size:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for _ in range(size // BLOCK):
            out.write(os.urandom(BLOCK))
        out.write(os.urandom(size % BLOCK))


def best(fn: Callable[[], str], repeat: int) -> tuple[float, str]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        digest = fn()
        timings.append(time.perf_counter() - start)
    return min(timings), digest


def coreutils_md5(path: Path) -> str:
    result = subprocess.run(["md5sum", str(path)], check=True, capture_output=True, text=True)
    return result.stdout.split()[0]


def ours(path: Path) -> str:
    return Storage().md5(str(path))  # a fresh Storage each time: no md5 cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the test file")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "md5-bench")
    args = parser.parse_args()

    path = args.dir / f"random-{args.size_mib}MiB.bin"
    make_file(path, args.size_mib, args.reuse)
    try:
        coreutils_s, expected = best(lambda: coreutils_md5(path), args.repeat)
        ours_s, digest = best(lambda: ours(path), args.repeat)
        assert digest == expected, f"md5 mismatch: {digest} != {expected}"
        probe = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(path)],
            check=True, capture_output=True, text=True,
        )
        rss_before, rss_after, traced_peak = (int(n) / (1 << 20) for n in probe.stdout.split())
    finally:
        if not args.reuse:
            path.unlink()

    print(f"file:     {args.size_mib} MiB, best of {args.repeat}")
    print(f"md5sum:   {args.size_mib / coreutils_s:8.0f} MiB/s")
    print(f"storage:  {args.size_mib / ours_s:8.0f} MiB/s")
    print(f"ratio:    {coreutils_s / ours_s:8.2f} (ours / md5sum throughput)")
    print(
        f"memory:   peak RSS {rss_after:.1f} MiB ({rss_before:.1f} MiB before hashing); "
        f"peak Python allocations while hashing {traced_peak:.2f} MiB"
    )


if __name__ == "__main__":
    main()
