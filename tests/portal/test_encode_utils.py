"""encode_utils (the DCC's own client, pip `encode-utils`) against `portal serve --tls`.

encode_utils pins google-cloud-storage 1.28, which this project cannot share an environment
with; install it with `pip install --no-deps encode-utils` (see docs/local-portal.md). The
test skips when it is not installed.
"""

from __future__ import annotations

import hashlib
import time

import pytest
from conftest import time_limit

from encode_accession.localportal.demo import DEMO_AWARD, DEMO_EXPERIMENT

from .payloads import R1
from .test_portal_cli import serve

eu_connection = pytest.importorskip("encode_utils.connection")

KEY, SECRET = "EUKEY001", "eusecreteusecret"
CONTENT = b"encode_utils upload\n"


@pytest.fixture
def connection(tmp_path, monkeypatch, moto_s3, aws_env):
    """An encode_utils Connection to a TLS local portal whose uploads go to moto."""
    with serve("--db", str(tmp_path / "p.sqlite"), "--tls", "--key", KEY, "--secret", SECRET,
               "--s3-endpoint", moto_s3.endpoint_url, "--s3-bucket", moto_s3.bucket) as line:
        url = line.split("serving at ")[1].split()[0]
        ca_bundle = line.rsplit("CA bundle ", 1)[1].strip().rstrip(")")
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("DCC_API_KEY", KEY)
        monkeypatch.setenv("DCC_SECRET_KEY", SECRET)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
        monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3.endpoint_url)
        monkeypatch.chdir(tmp_path)
        yield eu_connection.Connection(url, no_log_file=True, submission=True)


def test_encode_utils_reads_searches_posts_with_name_links_and_patches(connection):
    assert connection.get(R1)["@id"] == R1
    assert connection.get("encode-awg:rep1_R1.fastq.gz")["@id"] == R1
    assert connection.get("/labs/encode-awg")["name"] == "encode-awg"
    found = connection.search([("type", "Experiment")])
    assert DEMO_EXPERIMENT in [e["@id"] for e in found]
    profile = connection.profiles.profiles["file"]
    assert "aliases" in profile.identifying_properties
    posted = connection.post({
        connection.PROFILE_KEY: "analysis_step_run", "aliases": ["encode-awg:eu-run-1"],
        "analysis_step_version": "/analysis-step-versions/atac-seq-alignment-step-v-2-1/",
        "lab": "encode-awg", "award": DEMO_AWARD.strip("/").rsplit("/", 1)[-1]})
    assert posted["lab"] == "/labs/encode-awg/"
    patched = connection.patch({connection.ENCID_KEY: posted["@id"],
                                connection.PROFILE_KEY: "analysis_step_run",
                                "aliases": ["encode-awg:eu-run-1b"]})
    assert sorted(patched["aliases"]) == ["encode-awg:eu-run-1", "encode-awg:eu-run-1b"]


def test_encode_utils_uploads_a_file_the_portal_then_checks(connection, tmp_path):
    path = tmp_path / "eu.bam"
    path.write_bytes(CONTENT)
    created = connection.post({
        connection.PROFILE_KEY: "file", "aliases": ["encode-awg:eu-bam"],
        "dataset": DEMO_EXPERIMENT, "file_format": "bam", "output_type": "alignments",
        "assembly": "GRCh38", "md5sum": hashlib.md5(CONTENT).hexdigest(),
        "file_size": len(CONTENT), "lab": "encode-awg", "award": "DEMO-AWARD",
        "derived_from": [R1], "submitted_file_name": str(path)}, upload_file=False)
    # encode_utils joins `files/<id>/@@upload` itself, so it takes the accession, not the @id
    connection.upload_file(created["accession"], file_path=str(path))
    deadline = time.monotonic() + time_limit(10)  # the portal checks moto between requests
    while (status := connection.get(created["@id"], database=True)["status"]) == "uploading" \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == "in progress"
