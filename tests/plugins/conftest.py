"""A local portal served by `encode-accession portal serve` over HTTP (a subprocess, as a user
would run it), holding bed files with real bytes uploaded the way the portal takes them
(POST, then the bytes to where its upload credentials point), and an admin key pair to
replace, revoke and tamper with them."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from accounts import ADMIN, ADMIN_KEYS
from conftest import time_limit

from encode_accession.accession.journal import Journal
from encode_accession.accession.upload import Planned, upload
from encode_accession.localportal import LocalPortal
from encode_accession.localportal.demo import DEMO_AWARD, DEMO_EXPERIMENT, DEMO_LAB
from encode_accession.portal import PortalClient
from encode_accession.storage.stores import Storage

DEMO_KEYS = {"DCC_API_KEY": "DEMOKEY1", "DCC_SECRET_KEY": "demosecretdemose"}
# two replicates' peaks: chr1 overlaps twice (merged into one region), chr2 once, chr3 never
PEAKS = {
    "rep1": "chr1\t100\t200\tp1\t900\nchr1\t150\t260\tp2\t800\nchr2\t500\t600\tp3\t700\n"
            "chr3\t10\t20\tp4\t600\n",
    "rep2": "chr1\t120\t180\tq1\t900\nchr1\t250\t300\tq2\t800\nchr2\t590\t700\tq3\t700\n",
}


@dataclass
class ServedPortal:
    url: str
    db: Path
    requests: Path  # one "METHOD PATH STATUS ARRIVED" line per request
    files: dict[str, dict[str, Any]]  # name in PEAKS -> the portal's file object

    def client(self, admin: bool = False) -> PortalClient:
        keys = ADMIN_KEYS if admin else (DEMO_KEYS["DCC_API_KEY"], DEMO_KEYS["DCC_SECRET_KEY"])
        return PortalClient(self.url, *keys, backoff=0.01, timeout=30)

    def downloads(self) -> list[str]:
        return [line for line in self.request_lines() if "@@download" in line]

    def request_lines(self) -> list[str]:
        return self.requests.read_text().splitlines() if self.requests.exists() else []

    def add_file(self, name: str, text: str) -> dict[str, Any]:
        """A gzipped bed file of the demo experiment, posted and its bytes uploaded."""
        data = gzip.compress(text.encode(), mtime=0)
        client = self.client()
        created = client.post("files", {
            "aliases": [f"encode-awg:{name}"], "dataset": DEMO_EXPERIMENT,
            "file_format": "bed", "file_format_type": "narrowPeak",
            "output_type": "IDR thresholded peaks", "assembly": "GRCh38",
            "md5sum": hashlib.md5(data).hexdigest(), "file_size": len(data),
            "lab": DEMO_LAB, "award": DEMO_AWARD})
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / f"{name}.bed.gz"
            source.write_bytes(data)
            journal = Journal(Path(folder) / "journal.json", Path(folder), workflow_id=name,
                              server=self.url, file_id=name, portal_id=created["@id"])
            upload(Storage(), str(source), Planned(hashlib.md5(data).hexdigest(), len(data)),
                   client.get_upload_credentials(created["@id"]), journal=journal)
        checked = client.get(created["@id"], database=True)  # the portal's checkfiles
        assert checked is not None and checked["status"] == "in progress", checked
        return checked

    def tamper(self, accession: str, data: bytes) -> None:
        """Replace the bytes the portal holds for a file (its md5sum stays): the object in the
        portal's own S3 store, where its upload credentials point."""
        credentials = self.client(admin=True).get_upload_credentials(accession)
        target = urlsplit(credentials["upload_url"])
        assert target.scheme == "s3", credentials["upload_url"]
        LocalPortal(self.db).uploads.objects.path(target.path.lstrip("/")).write_bytes(data)


@pytest.fixture(scope="module")
def served_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedPortal]:
    folder = tmp_path_factory.mktemp("served-portal")
    admin = folder / "admin.json"
    admin.write_text(json.dumps(ADMIN))
    db, requests = folder / "portal.sqlite", folder / "requests.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "encode_accession", "portal", "serve", "--port", "0",
         "--db", str(db), "--load", str(admin), "--request-log", str(requests)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if k not in DEMO_KEYS})
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "serving at http" in line, line + server.stdout.read()
        url = line.split("serving at ", 1)[1].split()[0]
        portal = ServedPortal(url, db, requests, {})
        portal.files = {name: portal.add_file(name, text) for name, text in PEAKS.items()}
        yield portal
    finally:
        server.terminate()
        server.wait(timeout=time_limit(30))


@pytest.fixture
def plugin_path() -> dict[str, str]:
    """The environment for a Snakemake subprocess of this clone: the editable install puts
    the clone's top level on sys.path, where Snakemake's plugin discovery finds
    ``snakemake_storage_plugin_encode`` as it finds an installed one (test_wheel.py checks a
    wheel installed in a fresh venv)."""
    return {**os.environ, **DEMO_KEYS}
