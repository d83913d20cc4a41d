"""`encode-accession portal serve|load`, run as a user would."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from encode_accession.cli.main import main
from encode_accession.cli.portal import register, serve_command
from encode_accession.localportal import LocalPortal
from encode_accession.portal import PortalClient

from .conftest import FAST
from .payloads import R1, step_run


@contextmanager
def serve(*args: str) -> Iterator[str]:
    """Start `portal serve` in a subprocess; yields its ready line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "encode_accession.cli.main", "portal", "serve", "--port", "0",
         *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_prints_its_url_and_accepts_the_given_key_pair(tmp_path):
    with serve("--db", str(tmp_path / "p.sqlite"), "--key", "CLIKEY01",
               "--secret", "clisecretclisecr") as line:
        url = line.split("serving at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        client = PortalClient(url, "CLIKEY01", "clisecretclisecr", **FAST)
        assert client.get(R1)["@id"] == R1
        assert client.post("analysis_step_run", step_run())["lab"] == "/labs/encode-awg/"


def test_serve_with_tls_names_the_ca_bundle(tmp_path):
    with serve("--db", str(tmp_path / "p.sqlite"), "--tls") as line:
        url = line.split("serving at ")[1].split()[0]
        cert = line.split("CA bundle ")[1].rstrip(")\n")
        assert url.startswith("https://") and Path(cert).is_file()
        client = PortalClient(url, "DEMOKEY1", "demosecretdemose", ca_bundle=cert, **FAST)
        assert client.get(R1)["@id"] == R1


def test_load_imports_objects_into_the_database(tmp_path, capsys):
    objects = tmp_path / "labs.json"
    objects.write_text(json.dumps([{"@id": "/labs/new-lab/", "@type": ["Lab", "Item"],
                                    "name": "new-lab", "title": "New Lab"}]))
    db = tmp_path / "p.sqlite"
    assert main(["portal", "load", "--db", str(db), str(objects)]) == 0
    assert "1 objects loaded" in capsys.readouterr().out
    assert LocalPortal(db).store.by_at_id("/labs/new-lab/").props["title"] == "New Lab"


def test_bad_flags_are_one_line_errors(tmp_path, capsys):
    assert main(["portal", "serve", "--db", str(tmp_path / "p.sqlite"),
                 "--error-rate", "2"]) == 1
    assert capsys.readouterr().err.strip() == \
        "error: portal serve: --error-rate: 2.0 is not a fraction (fix: use 0 to 1)"
    assert main(["portal", "load", "--db", str(tmp_path / "p.sqlite"),
                 str(tmp_path / "missing.json")]) == 1


def test_register_adds_the_portal_group_with_fault_flags():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["portal", "serve", "--latency-ms", "5", "--error-rate", "0.1",
                              "--drop-rate", "0.2", "--md5-rule", "strict"])
    assert args.handler is serve_command
    assert (args.latency_ms, args.error_rate, args.drop_rate, args.md5_rule) == \
        (5.0, 0.1, 0.2, "strict")
