"""Real S3 (moto) and GCS (gcp-storage-emulator) servers on loopback, one each per session.

Shared by every test folder through tests/conftest.py. They only yield endpoint info; tests
opt into the environment the code under test reads (credentials, STORAGE_EMULATOR_HOST)
with function-scoped fixtures, so nothing leaks into unrelated tests.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config
from gcp_storage_emulator.server import create_server
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage as gcs
from moto.server import ThreadedMotoServer

DUMMY_AWS_KEY = "testing"


@dataclass(frozen=True)
class MotoS3:
    endpoint_url: str
    bucket: str

    def client(self, service: str = "s3"):
        """A boto3 client for test setup, independent of the process environment."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=DUMMY_AWS_KEY,
            aws_secret_access_key=DUMMY_AWS_KEY,
            config=Config(
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    @contextmanager
    def iam_auth(self) -> Iterator[None]:
        """Make moto check credentials and IAM policies, as AWS does, inside the block."""
        previous = self._reset_auth("0")
        try:
            yield
        finally:
            self._reset_auth(previous)

    def _reset_auth(self, initial_no_auth_action_count: str) -> str:
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=initial_no_auth_action_count.encode(),
            # Not form-encoded, or the server parses the body away as a form.
            headers={"Content-Type": "text/plain"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            return json.load(response)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]


@dataclass(frozen=True)
class GcsEmulator:
    endpoint_url: str  # the value for STORAGE_EMULATOR_HOST
    bucket: str

    def client(self) -> gcs.Client:
        """A client for test setup, independent of STORAGE_EMULATOR_HOST."""
        return gcs.Client(
            project="test",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoint_url},
        )


@contextmanager
def running_moto_s3(bucket: str = "encode-test") -> Iterator[MotoS3]:
    """A moto S3 server on a free loopback port with `bucket` created (also for benchmarks)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = MotoS3(endpoint_url=f"http://{host}:{port}", bucket=bucket)
    s3.client().create_bucket(Bucket=s3.bucket)
    try:
        yield s3
    finally:
        server.stop()


@contextmanager
def running_gcs_emulator(bucket: str = "encode-test") -> Iterator[GcsEmulator]:
    """An in-memory GCS emulator on a free loopback port with `bucket` (also for benchmarks)."""
    # The emulator has no accessor for the port it bound, so port 0 would leave us blind;
    # take a free port from the OS instead (released just before the emulator binds it).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=bucket)
    server.start()
    try:
        yield GcsEmulator(endpoint_url=f"http://127.0.0.1:{port}", bucket=bucket)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    with running_moto_s3() as s3:
        yield s3


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[GcsEmulator]:
    with running_gcs_emulator() as emulator:
        yield emulator


@contextmanager
def serve_portal(app, tls_dir=None, request_log=None) -> Iterator[tuple[str, object]]:
    """Serve a local portal app on a free loopback port in a thread; yields (URL, CA bundle).
    ``request_log``: a file getting a line per request to the portal's API."""
    import logging
    import threading

    from encode_accession.localportal.server import create_server as create_portal_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server, url, cert = create_portal_server(app, "127.0.0.1", 0, tls_dir=tls_dir,
                                             request_log=request_log)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield url, cert
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_cromwell(workflows: list[dict]) -> Iterator[tuple[str, list[str]]]:
    """A Cromwell server's REST endpoints the accessioner reads, on a free loopback port:
    ``/api/workflows/v1/{id}/metadata`` and ``/api/workflows/v1/query?label=key:value``,
    answered from the given metadata documents as Cromwell answers (404 for an unknown id,
    ``{"results": [...], "totalResultsCount": n}`` for a query; Cromwell's docs/api/RESTAPI.md).
    Yields (URL, the request paths with query strings, in order)."""
    import threading
    from urllib.parse import unquote

    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    by_id = {w["id"]: w for w in workflows}
    seen: list[str] = []

    def reply(body: object, status: int = 200) -> Response:
        return Response(json.dumps(body), status, mimetype="application/json")

    @Request.application
    def app(request: Request) -> Response:
        seen.append(unquote(request.full_path))
        parts = request.path.strip("/").split("/")
        if parts[:3] == ["api", "workflows", "v1"] and parts[3:] == ["query"]:
            wanted = [tuple(v.split(":", 1)) for v in request.args.getlist("label")]
            found = [w for w in workflows
                     if all(w.get("labels", {}).get(k) == v for k, v in wanted)]
            return reply({"results": [{"id": w["id"], "name": w.get("workflowName"),
                                       "status": w.get("status")} for w in found],
                          "totalResultsCount": len(found)})
        if parts[:3] == ["api", "workflows", "v1"] and parts[4:] == ["metadata"]:
            if parts[3] in by_id:
                return reply(by_id[parts[3]])
            return reply({"status": "fail", "message": f"Unrecognized workflow ID: {parts[3]}"},
                         404)
        return reply({"status": "fail", "message": "not found"}, 404)

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
