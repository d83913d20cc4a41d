"""Every failure class becomes one message naming the culprit and the fix (failures.describe),
built from real failures: real files, real sockets, the local portal served with faults. The
command line prints that message with no traceback, unless --debug."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from services import serve_portal

from encode_accession.accession.checks import dataset_status_problem, workflow_status_problem
from encode_accession.cli.main import main as cli_main
from encode_accession.core.failures import DEBUG_ENV, describe, exit_status, wants_traceback
from encode_accession.demo.synthetic import Options, write_synthetic_run
from encode_accession.localportal import FaultConfig, LocalPortal, PortalApp
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.metadata.cromwell import load_metadata, parse_metadata
from encode_accession.planning.steps import load_steps, resolve_steps
from encode_accession.portal import PortalClient

FAST = {"backoff": 0.001, "timeout": 10, "retries": 1}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def failure(call) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


@pytest.fixture
def served(tmp_path):
    app = PortalApp(LocalPortal(tmp_path / "portal.sqlite"))
    with serve_portal(app) as (url, _):
        yield url, app


@pytest.fixture
def served_tls(tmp_path):
    with serve_portal(PortalApp(LocalPortal(tmp_path / "tls.sqlite")),
                      tls_dir=tmp_path / "tls") as (url, cert):
        yield url, cert


def test_bad_input_is_its_own_message(tmp_path):
    exc = failure(lambda: load_metadata(tmp_path))
    assert describe(exc) == f"{tmp_path}: is a directory, not a metadata file " \
                            "(fix: give the path of the metadata file itself)"


def test_a_metadata_file_that_is_a_pipe_is_refused_before_reading(tmp_path):
    os.mkfifo(tmp_path / "metadata.json")  # no writer: reading would wait for ever
    exc = failure(lambda: load_metadata(tmp_path / "metadata.json"))
    assert describe(exc).startswith(f"{tmp_path / 'metadata.json'}: is a named pipe (FIFO), "
                                    "not a regular metadata file (fix: point to the metadata "
                                    "file itself")


def test_an_unreachable_portal_names_the_server_and_how_to_resume():
    url = f"http://127.0.0.1:{free_port()}"
    exc = failure(lambda: PortalClient(url, **FAST).get("/"))
    message = describe(exc, server=url)
    assert message.startswith(f"cannot reach the portal {url} (")
    assert "run the same command again" in message


def test_retries_exhausted_on_503_name_the_server_and_how_to_resume(served):
    url, app = served
    app.faults.configure(FaultConfig(error_rate=1.0))
    exc = failure(lambda: PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST).get("/"))
    message = describe(exc, server=url)
    assert message.startswith(f"the portal {url} is unavailable (GET /: HTTP 503")
    assert "run the same command again" in message and "resumes" in message


def test_throttling_that_outlasts_the_retries_is_unavailable_too(served):
    url, app = served
    app.faults.configure(FaultConfig(error_rate=1.0, error_status=429, retry_after="0"))
    exc = failure(lambda: PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST).get("/"))
    assert f"the portal {url} is unavailable (GET /: HTTP 429" in describe(exc, server=url)


def test_an_untrusted_certificate_names_both_ways_to_trust_it(served_tls):
    url, _ = served_tls
    exc = failure(lambda: PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST).get("/"))
    message = describe(exc, server=url)
    assert f"the TLS certificate of {url} is not trusted" in message
    assert "ca_bundle: <cert.pem>" in message and "REQUESTS_CA_BUNDLE=<cert.pem>" in message


def test_rejected_keys_are_named_by_id_never_by_secret(served):
    url, _ = served
    exc = failure(lambda: PortalClient(url, "WRONGKEY", "wrongsecret12345", **FAST)
                  .post("analysis_step_run", {}))
    message = describe(exc, server=url)
    assert "did not accept access key id 'WRONGKEY'" in message
    assert "wrongsecret12345" not in message


def test_a_validation_failure_lists_each_property(served):
    url, _ = served
    exc = failure(lambda: PortalClient(url, DEMO_KEY_ID, DEMO_SECRET, **FAST)
                  .post("analysis_step_run", {"aliases": ["demo-lab:x"]}))
    message = describe(exc, server=url)
    assert "the portal rejected the object" in message and "analysis_step_version" in message


def test_os_errors_on_files_name_the_path(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    exc = failure(lambda: (blocker / "receipt.json").write_text("{}"))
    assert describe(exc).startswith(f"{blocker / 'receipt.json'}: Not a directory (fix: ")


def test_database_errors_are_one_message(tmp_path):
    exc = failure(lambda: sqlite3.connect(tmp_path).execute("SELECT 1"))
    assert describe(exc).startswith("SQLite database: unable to open database file")


def test_s3_errors_outside_the_storage_layer_are_one_message():
    from botocore.exceptions import ClientError, EndpointConnectionError

    missing = ClientError({"Error": {"Code": "NoSuchBucket", "BucketName": "encoded-files-dev",
                                     "Message": "The specified bucket does not exist"}},
                          "PutObject")
    assert describe(missing) == (
        "S3 PutObject: NoSuchBucket: The specified bucket does not exist (bucket "
        "encoded-files-dev) (fix: check the bucket, the s3_endpoint_url setting and the AWS "
        "credentials, then run the same command again: objects already posted are found, "
        "not duplicated)")
    down = describe(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert down.startswith('S3: Could not connect to the endpoint URL: "http://127.0.0.1:9" '
                           "(fix: check the network and the s3_endpoint_url setting; ")


def test_google_cloud_errors_outside_the_storage_layer_are_one_message():
    from google.api_core.exceptions import ServiceUnavailable

    message = describe(ServiceUnavailable("backend error"))
    assert message.startswith("Google Cloud: 503 backend error (fix: check the network")


def test_an_unexpected_bug_keeps_its_traceback():
    assert describe(ValueError("a bug")) is None
    assert describe(KeyError("x")) is None


def _bug() -> int:
    return {"rep1": 1}["rep10"]


def test_a_bug_in_a_job_ends_with_one_line_below_its_traceback(capsys, monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    assert exit_status("step", _bug, lambda: {"server": "dev"}) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"  # into the job's log
    assert lines[-2] == "KeyError: 'rep10'"
    assert lines[-1] == ("encode-accession step: internal error KeyError: 'rep10' (the "
                         "traceback is in the log above; please report it)")


def test_a_bug_in_a_job_is_raised_as_it_is_with_debug(monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    with pytest.raises(KeyError, match="rep10"):
        exit_status("step", _bug, lambda: {"debug": True})


def test_a_bug_behind_the_cli_is_one_line_naming_debug(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    monkeypatch.setattr("encode_accession.cli.main.build_plan", lambda *a, **k: _bug())
    metadata = write_synthetic_run(load_steps(resolve_steps("atac")), Options(folder=tmp_path))
    assert cli_main(["plan", "-m", str(metadata), "--steps", "atac"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: internal error KeyError: 'rep10' (run again with --debug to see the "
        "traceback; please report it)")
    with pytest.raises(KeyError):
        cli_main(["--debug", "plan", "-m", str(metadata), "--steps", "atac"])


def test_the_traceback_is_kept_when_asked(monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    assert not wants_traceback({"debug": False})
    assert wants_traceback({"debug": True})
    monkeypatch.setenv(DEBUG_ENV, "1")
    assert wants_traceback(None)


@pytest.mark.parametrize(("status", "refused"), [
    ("Succeeded", False), (None, False), ("Failed", True), ("Running", True),
    ("Aborted", True), ("Aborting", True), ("Submitted", True)])
def test_only_succeeded_workflows_are_accessioned_unless_allowed(status, refused):
    workflow = parse_metadata({"id": "wf-1", "calls": {}, "status": status}, "m.json")
    problem = workflow_status_problem(workflow, allow_unsucceeded=False)
    assert (problem is not None) == refused
    if refused:
        assert problem.message.startswith(f"m.json: status: workflow wf-1 is {status}")
    assert workflow_status_problem(workflow, allow_unsucceeded=True) is None


@pytest.mark.parametrize(("status", "refused"), [
    ("deleted", True), ("replaced", True), ("revoked", True), ("in progress", False),
    ("submitted", False), ("released", False), ("archived", False)])
def test_datasets_that_take_no_new_files(status, refused):
    problem = dataset_status_problem({"@id": "/experiments/ENCSR000AAA/", "status": status})
    assert (problem is not None) == refused


# -- the command line ------------------------------------------------------------------------

def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("REQUESTS_CA_BUNDLE", DEBUG_ENV, "DCC_API_KEY", "DCC_SECRET_KEY")}
    return subprocess.run([sys.executable, "-m", "encode_accession.cli.main", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**clean, "HOME": str(tmp_path), **env})


def one_error(result: subprocess.CompletedProcess) -> str:
    """Exit 1, one `error:` line, no traceback; that line."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    return line


def test_cli_names_a_metadata_directory_and_a_binary_metadata_file(tmp_path):
    assert one_error(cli(tmp_path, "plan", "-m", str(tmp_path), "--steps", "atac")) == \
        f"error: {tmp_path}: is a directory, not a metadata file (fix: give the path of the " \
        "metadata file itself)"
    binary = tmp_path / "metadata.json.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00")
    assert f"{binary}: byte 1: not UTF-8 text" in \
        one_error(cli(tmp_path, "plan", "-m", str(binary), "--steps", "atac"))


def test_cli_debug_shows_the_traceback(tmp_path):
    result = cli(tmp_path, "--debug", "plan", "-m", str(tmp_path), "--steps", "atac")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "InputError" in result.stderr


def test_cli_steps_validate_names_a_directory(tmp_path):
    result = cli(tmp_path, "steps", "validate", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path}: is a directory, not a steps file" in result.stderr


def test_cli_untrusted_portal_names_ca_bundle_and_the_option_fixes_it(tmp_path, served_tls):
    url, cert = served_tls
    line = one_error(cli(tmp_path, "search", "--server", url))
    assert f"the TLS certificate of {url} is not trusted" in line and "--ca-bundle" in line
    trusted = cli(tmp_path, "search", "--server", url, "--ca-bundle", str(cert))
    assert trusted.returncode == 0, trusted.stderr


def test_cli_names_a_ca_bundle_that_does_not_exist(tmp_path):
    missing = tmp_path / "nope.pem"
    assert one_error(cli(tmp_path, "search", "--server", "prod", "--ca-bundle", str(missing))) \
        .startswith(f"error: ca_bundle: CA bundle {missing} does not exist")


def test_cli_names_a_ca_bundle_that_is_not_pem_rather_than_the_server(tmp_path, served_tls):
    url, cert = served_tls
    key = tmp_path / "key.pem"  # a PEM file, but a key: no certificate in it
    key.write_text("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
                   "-----END PRIVATE KEY-----\n")
    line = one_error(cli(tmp_path, "search", "--server", url, "--ca-bundle", str(key)))
    assert line.startswith(f"error: ca_bundle: CA bundle {key} holds no PEM certificate (")
    assert url not in line


def test_cli_unreachable_portal_is_one_line(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    assert url in one_error(cli(tmp_path, "facets", "assay", "--server", url))

