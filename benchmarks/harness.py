"""What the accessioning benchmarks share: a served local portal in its own process with a
request log, client processes measured by wall time and CPU, and an isolated environment.

Client CPU is the rusage `os.wait4` returns for the client's process: its own and its
waited-for descendants' user+sys time (Snakemake's job processes included), never the portal
server's, which runs as a separate process started before the measurement.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.localportal.requestlog import read_request_log, request_arrivals

__all__ = ["read_request_log", "request_arrivals"]  # tests read logs through the harness too

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
SERVE_TIMEOUT = float(os.environ.get("BENCH_SERVE_TIMEOUT", "60"))


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    cpu_s: float  # user + sys of the process and its waited-for descendants
    returncode: int
    log: Path

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@dataclass(frozen=True)
class ServedPortal:
    url: str
    ca_bundle: Path | None
    request_log: Path
    pid: int

    def requests(self) -> Counter[str]:
        """Requests answered so far, by method."""
        return Counter(method for method, _, _ in read_request_log(self.request_log))

    def cpu_s(self) -> float:
        """CPU the portal's server process has used so far (user + sys, from /proc; 0 where
        there is none): what the double costs while it serves a client."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a child process: PATH and locale from ours, a fresh HOME (so no
    ~/.accession, ~/.aws, ~/.config leaks in or out), the demo portal keys, and `extra`."""
    home.mkdir(parents=True, exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"), "DCC_API_KEY": DEMO_KEY_ID,
            "DCC_SECRET_KEY": DEMO_SECRET, "PYTHONDONTWRITEBYTECODE": "1", **extra}


@contextmanager
def served_portal(folder: Path, *, latency_ms: float = 0, tls: bool = False,
                  load: list[Path] | None = None, s3_endpoint: str | None = None,
                  s3_bucket: str | None = None, env: Mapping[str, str] | None = None
                  ) -> Iterator[ServedPortal]:
    """`encode-accession portal serve` on a free port with a fresh database in `folder`,
    logging every request; stopped (SIGTERM) on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "requests.log"
    cmd = [sys.executable, "-m", "encode_accession.cli.main", "portal", "serve", "--port", "0",
           "--db", str(folder / "portal.sqlite"), "--latency-ms", str(latency_ms),
           "--request-log", str(log)]
    cmd += ["--tls"] if tls else []
    for path in load or []:
        cmd += ["--load", str(path)]
    if s3_endpoint:
        cmd += ["--s3-endpoint", s3_endpoint, "--s3-bucket", s3_bucket or "encode-files"]
    with (folder / "server.log").open("w") as server_log:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=server_log, text=True,
                                   env=dict(env or isolated_env(folder / "home")), cwd=folder)
    try:
        assert process.stdout is not None
        # "local ENCODE portal serving at URL (db DB[, CA bundle CERT])"
        line = process.stdout.readline()
        match = re.search(r"serving at (\S+) \(db .*?(?:, CA bundle (\S+))?\)$", line.strip())
        if not match:
            raise RuntimeError(f"portal did not start: {line!r} "
                               f"{(folder / 'server.log').read_text()[-2000:]}")
        ca = Path(match[2]) if match[2] else None
        yield ServedPortal(match[1], ca, log, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(cmd: list[str], *, env: Mapping[str, str], cwd: Path, log: Path) -> Measurement:
    """Run `cmd` to completion with stdout+stderr to `log`; wall time and the CPU of the
    process tree from its rusage."""
    with log.open("w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=dict(env),
                                   cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measurement(wall, usage.ru_utime + usage.ru_stime, process.returncode, log)


def snakemake_jobs(log: str) -> int:
    """Jobs Snakemake ran, from its log ("Finished jobid: N" lines; older "Finished job N.")."""
    return len(re.findall(r"^Finished job(?:id:)? \d+", log, flags=re.MULTILINE))


def planned_jobs(log: str) -> int:
    """Jobs a dry run lists (the "total" row of Snakemake's job stats; 0 if none)."""
    totals = re.findall(r"^total\s+(\d+)$", log, flags=re.MULTILINE)
    return int(totals[-1]) if totals else 0


def name_of(at_id: str) -> str:
    """The name a config takes for a lab or award @id: /labs/encode-awg/ -> encode-awg."""
    return at_id.strip("/").rsplit("/", 1)[-1]


def ratio(ours: float, reference: float) -> float | None:
    return round(ours / reference, 3) if reference else None


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    print(title)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def dependent_rounds(arrivals: list[float], latency_s: float) -> int:
    """The longest chain of requests each of which reached the portal at least one latency
    after the one before (sorted Unix arrival times): the request rounds a client made one
    after another, its critical path in requests. Earliest-first is optimal for a chain of
    points spaced at least ``latency_s`` apart."""
    rounds, last = 0, float("-inf")
    for arrived in arrivals:
        if arrived >= last + latency_s:
            rounds, last = rounds + 1, arrived
    return rounds


def process_start_s(python: Path | str, repeat: int = 5) -> float:
    """The quickest start and exit of a bare interpreter (``python -c pass``): what one more
    process on a run's critical path costs at the least."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(python), "-c", "pass"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def physical_limit(rounds: int, latency_s: float, processes: int, start_s: float) -> float:
    """What a run cannot beat: its dependent request rounds at the portal's latency, plus
    the process starts on its critical path (`concurrency` is in the rounds: requests sent
    at once share a round)."""
    return rounds * latency_s + processes * start_s


def jobs_on_critical_path(work: Path) -> int:
    """The job processes one after another in this workflow's longest run (read from its
    plan files under ``work/results``): the plan job where it ran, checksums, the preflight
    unless the first step's job runs it, the longest chain of step jobs, the summary unless
    a batch's last step's job makes it, and the provenance report (workflow/rules/common.smk
    says which stages share a job)."""
    from encode_accession.run.planfile import planned_checksums_job, planned_steps

    longest = 0
    plans = list((work / "results").rglob("plan.json"))
    for plan in plans:
        steps = planned_steps(str(plan))
        depth: dict[str, int] = {}

        def chain(step: str, steps: dict[str, list[str]] = steps,
                  depth: dict[str, int] = depth) -> int:
            if step not in depth:
                depth[step] = 1 + max((chain(p) for p in steps[step]), default=0)
            return depth[step]

        roots = [s for s, after in steps.items() if not after]
        sinks = [s for s in steps if not any(s in after for after in steps.values())]
        summary_job = not (len(plans) > 1 and len(sinks) == 1)
        longest = max(longest, max(map(chain, steps), default=0) + (len(roots) != 1)
                      + planned_checksums_job(str(plan)) + summary_job + 1)
    log = next(work.glob("*.log"), None)
    planned_by_job = log is not None and "Rule: plan)" in log.read_text(errors="replace")
    return longest + planned_by_job
