"""How fast do a step's files upload from GCS to S3, against what the services move alone?

12 files of 5-50 MB (300 MB) are staged in a GCS emulator, posted to a local portal, and
uploaded as the upload job does (`accession.uploads`: the run's concurrency of files at once,
each in parallel parts) to two S3 targets: moto (the portal's credentials point there) and
the local portal's own S3 endpoint. Beside each, in the same script and interleaved, the
plain copy baseline: the same bytes read whole from GCS and written with one PutObject per
file, as many files at once. Every service runs in its own process (as in a real run, where
they are other machines), the uploads in this one; best of ``--repeat`` rounds.

    .venv/bin/python benchmarks/upload_rate.py [--repeat 3] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent),
                str(Path(__file__).resolve().parents[1] / "tests")]

from services import DUMMY_AWS_KEY, running_gcs_emulator, running_moto_s3  # noqa: E402

from encode_accession.accession.journal import Journal  # noqa: E402
from encode_accession.accession.upload import Planned, _s3_client, upload  # noqa: E402
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET  # noqa: E402
from encode_accession.portal import PortalClient  # noqa: E402
from encode_accession.storage.progress import Progress  # noqa: E402
from encode_accession.storage.stores import Storage  # noqa: E402

MB = 1_000_000
SIZES_MB = (5, 8, 11, 14, 17, 20, 26, 29, 32, 38, 50, 50)  # 300 MB
FILES_AT_ONCE = 4  # the run's default concurrency (Settings.concurrency)
BUCKET = "encode-bench"


def serve(kind: str) -> None:
    """Child process: one service on loopback; prints its URL, runs until stdin closes."""
    with (running_gcs_emulator(BUCKET) if kind == "gcs" else running_moto_s3(BUCKET)) as s:
        print(s.endpoint_url, flush=True)
        sys.stdin.read()


@contextmanager
def child(args: list[str], pattern: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """A service process; yields the URL its first line names."""
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert process.stdout is not None
        match = re.search(pattern, process.stdout.readline())
        assert match, f"{args[:4]} did not start"
        yield match[1]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        process.wait(timeout=30)


def portal_serve(folder: Path, s3_endpoint: str | None) -> list[str]:
    command = [sys.executable, "-m", "encode_accession.cli.main", "portal", "serve",
               "--port", "0", "--db", str(folder / "portal.sqlite")]
    return command + (["--s3-endpoint", s3_endpoint, "--s3-bucket", "uploads"]
                      if s3_endpoint else [])


def post(portal: PortalClient, name: str, content_md5: str, size: int) -> dict[str, Any]:
    return portal.post("file", {
        "aliases": [f"encode-awg:bench-rate-{name}"], "dataset": "/experiments/TSTSR000001/",
        "file_format": "bam", "output_type": "alignments", "assembly": "GRCh38",
        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/", "md5sum": content_md5,
        "file_size": size, "derived_from": ["/files/TSTFF000001/"]})


def ours(portal: PortalClient, staged: dict[str, bytes], folder: Path, n: int) -> float:
    """The upload job's way: FILES_AT_ONCE files at once, each in parallel parts; seconds."""
    files = {uri: post(portal, f"{n}-{i}", hashlib.md5(data).hexdigest(), len(data))
             for i, (uri, data) in enumerate(staged.items())}
    storage = Storage()
    step = Progress("upload", f"round {n}", sum(map(len, staged.values())))

    def one(uri: str) -> None:
        file = files[uri]
        journal = Journal(folder / f"{n}-{file['accession']}.json", folder,
                          workflow_id="bench", server=portal.server, file_id=file["accession"],
                          portal_id=file["@id"])
        upload(storage, uri, Planned(file["md5sum"], file["file_size"]),
               file["upload_credentials"], journal=journal, progress=step)

    started = time.perf_counter()
    with ThreadPoolExecutor(FILES_AT_ONCE) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def plain_copy(portal: PortalClient, staged: dict[str, bytes], gcs: Any, n: int) -> float:
    """The baseline: each object read whole from GCS and written with one PutObject (to a
    file's own key, with its credentials), FILES_AT_ONCE at once; seconds."""
    files = {uri: post(portal, f"copy-{n}-{i}", hashlib.md5(data).hexdigest(), len(data))
             for i, (uri, data) in enumerate(staged.items())}

    def one(uri: str) -> None:
        creds = files[uri]["upload_credentials"]
        target = creds["upload_url"].removeprefix("s3://").split("/", 1)
        body = gcs.bucket(BUCKET).blob(uri.split("/", 3)[3]).download_as_bytes()
        _s3_client(creds, None).put_object(Bucket=target[0], Key=target[1], Body=body)

    started = time.perf_counter()
    with ThreadPoolExecutor(FILES_AT_ONCE) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def measure(repeat: int, scale: float) -> dict[str, dict[str, Any]]:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage as gcs_storage

    me = [sys.executable, __file__, "--serve"]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        gcs_url = stack.enter_context(child([*me, "gcs"], r"(\S+)"))
        moto_url = stack.enter_context(child([*me, "moto"], r"(\S+)"))
        os.environ.update({"STORAGE_EMULATOR_HOST": gcs_url, "AWS_ACCESS_KEY_ID": DUMMY_AWS_KEY,
                           "AWS_SECRET_ACCESS_KEY": DUMMY_AWS_KEY,
                           "AWS_DEFAULT_REGION": "us-east-1"})
        gcs = gcs_storage.Client(project="bench", credentials=AnonymousCredentials(),
                                 client_options={"api_endpoint": gcs_url})
        staged = {}
        for i, size in enumerate(SIZES_MB):
            data = os.urandom(int(size * MB * scale))
            gcs.bucket(BUCKET).blob(f"run/call-{i}/out.bam").upload_from_string(data)
            staged[f"gs://{BUCKET}/run/call-{i}/out.bam"] = data
        total_mb = sum(map(len, staged.values())) / MB
        targets = {"moto S3": moto_url, "local portal S3": None}
        for name, endpoint in targets.items():
            where = folder / name.replace(" ", "-")
            where.mkdir()
            url = stack.enter_context(child(portal_serve(where, endpoint),
                                            r"serving at (\S+) "))
            portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET)
            timings: dict[str, list[float]] = {"ours": [], "copy": []}
            cpu: dict[str, list[float]] = {"ours": [], "copy": []}
            for n in range(repeat):  # interleaved, alternating which goes first
                for kind in (("ours", "copy") if n % 2 == 0 else ("copy", "ours")):
                    before = time.process_time()
                    timings[kind].append(ours(portal, staged, where, n) if kind == "ours"
                                         else plain_copy(portal, staged, gcs, n))
                    cpu[kind].append(time.process_time() - before)
            results[name] = {"MB": total_mb, "ours_MB_s": total_mb / min(timings["ours"]),
                             "copy_MB_s": total_mb / min(timings["copy"]),
                             "ours_cpu_s": min(cpu["ours"]), "copy_cpu_s": min(cpu["copy"]),
                             "ours_s": timings["ours"], "copy_s": timings["copy"]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="file sizes times this")
    parser.add_argument("--serve", choices=["gcs", "moto"], help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    results = measure(args.repeat, args.scale)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    load = os.getloadavg()[0]
    for name, r in results.items():
        print(f"GCS emulator -> {name}: {r['MB']:.0f} MB, ours {r['ours_MB_s']:.1f} MB/s, "
              f"plain copy {r['copy_MB_s']:.1f} MB/s ({r['ours_MB_s'] / r['copy_MB_s']:.2f}x); "
              f"uploader CPU {r['ours_cpu_s']:.2f} s vs {r['copy_cpu_s']:.2f} s "
              f"[load {load:.1f}]")


if __name__ == "__main__":
    main()
