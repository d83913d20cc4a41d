"""How fast does a local file upload into the embedded portal's own S3, against `cp`?

`cp` of the same file into the same folder is the physical baseline: an upload reads the file,
hashes it (the md5 compared with the planned one before completing), sends its parts over
loopback HTTP, and the portal writes, joins and checks them. Both read from the page cache
(best of N each).

    .venv/bin/python benchmarks/local_upload.py [--size-mib 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

from encode_accession.accession.journal import Journal
from encode_accession.accession.upload import Planned, upload
from encode_accession.portal import PortalClient
from encode_accession.storage.stores import Storage

MIB = 1 << 20


def post(portal: PortalClient, md5: str, size: int, n: int) -> dict:
    return portal.post("file", {
        "aliases": [f"encode-awg:bench-upload-{n}"], "dataset": "/experiments/TSTSR000001/",
        "file_format": "bam", "output_type": "alignments", "assembly": "GRCh38",
        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/", "md5sum": md5,
        "file_size": size, "derived_from": ["/files/TSTFF000001/"]})


def measure(size_mib: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.bam"
        source.write_bytes(os.urandom(size_mib * MIB))
        md5, size = hashlib.md5(source.read_bytes()).hexdigest(), source.stat().st_size
        portal = PortalClient(f"local:{folder / 'portal.sqlite'}")
        uploads, copies = [], []
        for n in range(repeat):
            file = post(portal, md5, size, n)  # a new file (the portal accepts the same md5)
            started = time.perf_counter()
            journal = Journal(folder / f"journal-{n}.json", folder, workflow_id="bench",
                              server=portal.server, file_id=str(n), portal_id=file["@id"])
            upload(Storage(), str(source), Planned(md5, size), file["upload_credentials"],
                   journal=journal)
            uploads.append(time.perf_counter() - started)
            assert portal.get(file["@id"], database=True)["status"] == "in progress"
            started = time.perf_counter()
            subprocess.run(["cp", str(source), str(folder / f"copy-{n}.bam")], check=True)
            copies.append(time.perf_counter() - started)
    return {"size_mib": size_mib, "upload_mib_s": size_mib / min(uploads),
            "cp_mib_s": size_mib / min(copies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.size_mib, args.repeat)
    print(f"{result['size_mib']} MiB: upload into the embedded portal "
          f"{result['upload_mib_s']:,.0f} MiB/s, cp {result['cp_mib_s']:,.0f} MiB/s "
          f"({result['upload_mib_s'] / result['cp_mib_s']:.2f}x)")


if __name__ == "__main__":
    main()
