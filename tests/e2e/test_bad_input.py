"""Bad input and failing portals stop the run before anything is posted, with one message
naming the culprit (file, key or server) and the fix, no traceback, and the portal unchanged.

Real Snakemake runs the workflow against the local portal, in-process (`local:`) or served
over loopback HTTP(S) with injected faults.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sqlite3
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from accounts import ADMIN, ADMIN_KEYS
from services import serve_portal

from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.demo.run import write_demo_run
from encode_accession.localportal import FaultConfig, Faults, LocalPortal, PortalApp, load_objects
from encode_accession.localportal.auth import User
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.localportal.identity import resolve
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps

from .conftest import snakemake, start_snakemake, write_config

DEMO_ENV = {"DCC_API_KEY": DEMO_KEY_ID, "DCC_SECRET_KEY": DEMO_SECRET}
DEMO_KEYS = (DEMO_KEY_ID, DEMO_SECRET)


def config_for(workdir: Path, metadata: Path | None = None, **overrides) -> Path:
    values = {"pipeline": "atac", "lab": "encode-awg", "award": "DEMO-AWARD",
              "server": f"local:{workdir / 'portal.sqlite'}", "results": "results"}
    values.update({"metadata": str(metadata)} if metadata else {})  # none: the demo run
    values.update(overrides)
    return write_config(workdir, **values)


def snapshot(db: Path) -> tuple[int, str]:
    """How many objects the portal holds and a digest of all of them."""
    LocalPortal(db)  # a new database is created with the demo objects, as a run would
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT uuid, props FROM items ORDER BY uuid").fetchall()
    return len(rows), hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def run_failing(workdir: Path, config: Path, env: dict | None = None,
                db: Path | None = None) -> str:
    """Run Snakemake, expect failure with no traceback and an unchanged portal; its output."""
    db = db or workdir / "portal.sqlite"
    before = snapshot(db)
    result = snakemake(workdir, config, "-j", "2", env={**os.environ, **(env or {})})
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    assert snapshot(db) == before
    return out


def assert_one_message(out: str, text: str) -> None:
    """The culprit is named in one message, not a cascade of errors; a failed job's message
    comes twice, as the job stopped and again as the run's very last line."""
    assert out.count(text) in (1, 2), out[-3000:]
    if out.count(text) == 2:
        assert text in out.strip().splitlines()[-1], out[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_wrong_portal_keys_are_named_without_the_secret(tmp_path):
    env = {**os.environ, "DCC_API_KEY": "WRONGKEY", "DCC_SECRET_KEY": "topsecretvalue12"}
    out = run_failing(tmp_path, config_for(tmp_path), env)
    assert_one_message(out, "did not accept access key id 'WRONGKEY'")
    assert "topsecretvalue12" not in out
    assert "topsecretvalue12" not in "".join(
        p.read_text() for p in (tmp_path / "results").rglob("*.json"))


def test_a_run_without_portal_keys_stops_in_the_preflight_before_any_step(tmp_path):
    """Without keys every GET of released objects still works; the preflight proves the keys
    with one authenticated request, so the run stops there, not at its first POST."""
    db = tmp_path / "portal.sqlite"
    env = {"DCC_API_KEY": "", "DCC_SECRET_KEY": ""}  # none, whatever this shell exports
    with serve_portal(PortalApp(LocalPortal(db))) as (url, _):
        out = run_failing(tmp_path, config_for(tmp_path, server=url), env, db=db)
    assert_one_message(out, "portal credentials: DCC_API_KEY: not set: posting to")
    assert "(fix: export DCC_API_KEY and DCC_SECRET_KEY" in out
    assert (tmp_path / "results" / "plan.json").exists()
    assert not (tmp_path / "results" / "steps").exists()  # no step job ran


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lab", "no-such-lab", "config: lab: /labs/no-such-lab/ is not on the portal"),
    ("award", "NO-AWARD", "config: award: /awards/NO-AWARD/ is not on the portal"),
])
def test_a_lab_or_award_the_portal_does_not_know(tmp_path, key, value, message):
    out = run_failing(tmp_path, config_for(tmp_path, **{key: value}))
    assert_one_message(out, message)


def test_a_missing_output_file_is_named_before_anything_is_posted(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    gone = tmp_path / "run/atac" / json.loads(metadata.read_text())["id"] / \
        "call-filter/shard-1/execution/rep2.nodup.bam"
    gone.unlink()
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    assert_one_message(out, f"{gone}: file not found")


def test_malformed_metadata_stops_snakemake_at_parse_time(tmp_path):
    bad = tmp_path / "metadata.json"
    bad.write_text('{"id": "x", "calls": ')
    out = run_failing(tmp_path, config_for(tmp_path, bad))
    assert_one_message(out, f"{bad}: line 1 column 22: not valid JSON")


def test_a_steps_file_that_does_not_validate_stops_at_parse_time(tmp_path):
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps({"accession.steps": [{"dcc_step_run": "x",
                                                      "wdl_task_name": "align"}]}))
    metadata = write_demo_run(tmp_path / "run")
    out = run_failing(tmp_path, config_for(tmp_path, metadata, steps=str(steps)))
    assert_one_message(out, f"{steps}: accession.steps[0]: 'wdl_files' is required")


# -- files that cannot be read (parse time, before any job) -------------------------------

def test_metadata_that_is_not_utf8_is_named(tmp_path):
    bad = tmp_path / "metadata.json"
    bad.write_bytes(b'{"id": "\xff\xfe"}')
    out = run_failing(tmp_path, config_for(tmp_path, bad))
    assert_one_message(out, f"{bad}: byte 8: not UTF-8 text, so not a metadata file")


def test_metadata_that_is_a_directory_is_named(tmp_path):
    folder = tmp_path / "metadata.json"
    folder.mkdir()
    out = run_failing(tmp_path, config_for(tmp_path, folder))
    assert_one_message(out, f"{folder}: is a directory, not a metadata file")


def test_a_steps_file_that_is_a_directory_or_not_utf8_is_named(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    folder = tmp_path / "steps.yaml"
    folder.mkdir()
    out = run_failing(tmp_path, config_for(tmp_path, metadata, steps=str(folder)))
    assert_one_message(out, f"{folder}: is a directory, not a steps file")
    binary = tmp_path / "steps.json"
    binary.write_bytes(b"\x1f\x8b\x08\x00gzip")
    out = run_failing(tmp_path, config_for(tmp_path, metadata, steps=str(binary)))
    assert_one_message(out, f"{binary}: byte 1: not UTF-8 text, so not a steps file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_metadata_file_without_read_permission_is_named(tmp_path):
    locked = write_demo_run(tmp_path / "run")
    locked.chmod(0)
    out = run_failing(tmp_path, config_for(tmp_path, locked))
    assert_one_message(out, f"{locked}: permission denied")


def test_an_output_path_the_os_refuses_is_named_before_anything_is_posted(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    text = metadata.read_text()
    nodup = next(p for p in json.loads(text)["calls"]["atac.filter"][1]["outputs"].values()
                 if isinstance(p, str) and p.endswith(".nodup.bam"))
    too_long = str(Path(nodup).parent / ("x" * 300 + ".nodup.bam"))
    metadata.write_text(text.replace(nodup, too_long))
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    assert_one_message(out, f"{too_long}: the operating system refused to read it "
                            "(File name too long)")


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_an_output_that_is_not_a_regular_file_is_named_before_any_read(tmp_path, kind):
    """A FIFO would block the checksums job for ever, /dev/zero would never end."""
    metadata = write_demo_run(tmp_path / "run")
    odd = tmp_path / "run/atac" / json.loads(metadata.read_text())["id"] / \
        "call-filter/shard-1/execution/rep2.nodup.bam"
    odd.unlink()
    if kind == "fifo":
        os.mkfifo(odd)
        problem = "is a named pipe (FIFO), not a regular file"
    else:
        odd.symlink_to("/dev/zero")
        problem = "is a character device (the link leads to /dev/zero), not a regular file"
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    assert_one_message(out, f"{odd}: {problem} (fix: point to the file itself")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda filt, nodup: filt.update(attempt=float("nan")),  # json.dumps writes NaN
     "calls.atac.filter[1].attempt: expected a whole number, found nan"),
    (lambda filt, nodup: filt["outputs"].update(nodup_bam=nodup.split("/run/", 1)[1]),
     "calls.atac.filter[1].outputs.nodup_bam: 'atac/"),
], ids=["nan-attempt", "relative-output"])
def test_metadata_cromwell_did_not_write_is_named_at_its_key(tmp_path, edit, message):
    metadata = write_demo_run(tmp_path / "run")
    data = json.loads(metadata.read_text())
    filt = data["calls"]["atac.filter"][1]
    edit(filt, filt["outputs"]["nodup_bam"])
    metadata.write_text(json.dumps(data))
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    assert_one_message(out, f"{metadata}: {message}")


def test_a_results_folder_under_a_file_is_named(tmp_path):
    (tmp_path / "taken").write_text("")
    out = run_failing(tmp_path, config_for(tmp_path, results="taken/results"))
    assert_one_message(out, "results: taken/results: taken is a file, not a folder (fix: ")


# -- runs that must not be accessioned --------------------------------------------------------

@pytest.mark.parametrize("status", ["Failed", "Aborted"])
def test_a_workflow_that_did_not_succeed_is_refused(tmp_path, status):
    metadata = write_demo_run(tmp_path / "run")
    data = json.loads(metadata.read_text())
    metadata.write_text(json.dumps({**data, "status": status}))
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    assert_one_message(out, f"{metadata}: status: workflow {data['id']} is {status}, "
                            "not Succeeded")
    assert_one_message(out, "allow_unsucceeded: true")


def test_allow_unsucceeded_accessions_a_failed_workflow_anyway(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    data = json.loads(metadata.read_text())
    metadata.write_text(json.dumps({**data, "status": "Failed"}))
    config = config_for(tmp_path, metadata, allow_unsucceeded=True)
    result = snakemake(tmp_path, config, "-j", "1", "results/preflight.json")
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_suggested_command_line_spelling_accessions_a_failed_workflow(tmp_path):
    """The refusal says `--config allow_unsucceeded=true`: that works as printed."""
    metadata = write_demo_run(tmp_path / "run")
    data = json.loads(metadata.read_text())
    metadata.write_text(json.dumps({**data, "status": "Failed"}))
    out = run_failing(tmp_path, config_for(tmp_path, metadata))
    # (the message comes twice: as the job stopped, and as the run's last line)
    (suggested,) = set(re.findall(r"--config (allow_unsucceeded=\w+)", out))
    result = snakemake(tmp_path, config_for(tmp_path, metadata), "-j", "1",
                       "results/preflight.json", "--config", suggested)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_misspelt_server_stops_before_any_job(tmp_path):
    out = run_failing(tmp_path, config_for(tmp_path, server="prd"))
    assert_one_message(out, "server: prd: is not prod, dev, local[:<db path>] or an http(s) "
                            "URL (fix: use e.g. prod")
    assert not (tmp_path / "results").exists()  # no job ran: nothing was hashed


@pytest.mark.parametrize(("status", "keys"), [
    ("deleted", ADMIN_KEYS), ("deleted", DEMO_KEYS), ("revoked", DEMO_KEYS),
    ("replaced", ADMIN_KEYS), ("replaced", DEMO_KEYS)])
def test_a_dataset_that_takes_no_new_files_is_refused(tmp_path, status, keys):
    """Deleted and replaced datasets are DELETED (encoded base.py): an admin is told their
    status, a submitter's key that it may not see them; a revoked one (ALLOW_CURRENT) is
    seen by all."""
    db = tmp_path / "portal.sqlite"
    portal = LocalPortal(db)
    load_objects(portal, ADMIN)
    experiment = resolve(portal.store, portal.types, "/experiments/TSTSR000001/")
    admin = User(at_id="/users/admin/", key_id="ADMIN", groups=frozenset({"admin"}))
    # the real experiment profile: a revoked experiment was released, so has date_released
    released = {"date_released": "2024-02-01"} if status == "revoked" else {}
    portal.update(experiment, {"status": status, **released}, admin)
    out = run_failing(tmp_path, config_for(tmp_path), dict(zip(DEMO_ENV, keys, strict=True)))
    problem = "is not visible to access key id 'DEMOKEY1'" \
        if keys == DEMO_KEYS and status != "revoked" else f"is {status}"
    assert_one_message(out, f"portal dataset: /experiments/TSTSR000001/: {problem}")


def test_step_versions_missing_on_the_portal_are_each_named(tmp_path):
    steps = yaml.safe_load((ACCESSION_RULES / "atac.yaml").read_text())
    for index in (0, 2):
        steps["accession.steps"][index]["dcc_step_version"] = \
            f"/analysis-step-versions/gone-{index}/"
    path = tmp_path / "atac.yaml"
    path.write_text(yaml.safe_dump(steps))
    out = run_failing(tmp_path, config_for(tmp_path, write_demo_run(tmp_path / "run"),
                                           steps=str(path)))
    for index in (0, 2):
        assert (f"{path}: accession.steps[{index}].dcc_step_version: "
                f"/analysis-step-versions/gone-{index}/ is not on the portal") in out


@pytest.mark.parametrize("keys", [ADMIN_KEYS, DEMO_KEYS])
def test_a_deleted_step_version_is_refused(tmp_path, keys):
    """DELETED: an admin is told it is deleted, a submitter's key that it may not see it."""
    steps = load_steps(ACCESSION_RULES / "atac.yaml")
    version = steps.steps[0].dcc_step_version
    portal = LocalPortal(tmp_path / "portal.sqlite")
    load_objects(portal, ADMIN)
    admin = User(at_id="/users/admin/", key_id="ADMIN", groups=frozenset({"admin"}))
    portal.update(resolve(portal.store, portal.types, version), {"status": "deleted"}, admin)
    out = run_failing(tmp_path, config_for(tmp_path), dict(zip(DEMO_ENV, keys, strict=True)))
    problem = "is not visible to access key id 'DEMOKEY1' on" if keys == DEMO_KEYS \
        else "is deleted on"
    assert_one_message(out, f"accession.steps[0].dcc_step_version: {version} {problem} "
                            "the portal")


# -- portals that cannot be used ---------------------------------------------------------------

@pytest.fixture
def served(tmp_path):
    """The local portal over loopback HTTP, its faults adjustable by the test."""
    app = PortalApp(LocalPortal(tmp_path / "served.sqlite"), Faults())
    with serve_portal(app) as (url, _):
        yield url, app


def test_an_unreachable_portal_is_named_with_how_to_resume(tmp_path):
    server = f"http://127.0.0.1:{free_port()}"
    out = run_failing(tmp_path, config_for(tmp_path, server=server), DEMO_ENV)
    assert_one_message(out, f"cannot reach the portal {server}")
    assert_one_message(out, "run the same command again")


def test_a_portal_down_at_start_is_named_with_how_to_resume(tmp_path, served):
    url, app = served
    app.faults.configure(FaultConfig(error_rate=1.0))
    out = run_failing(tmp_path, config_for(tmp_path, server=url), DEMO_ENV,
                      db=tmp_path / "served.sqlite")
    assert_one_message(out, f"the portal {url} is unavailable")
    assert "HTTP 503" in out
    assert_one_message(out, "run the same command again")


def test_an_untrusted_certificate_names_ca_bundle_and_requests_ca_bundle(tmp_path):
    db = tmp_path / "served.sqlite"
    with serve_portal(PortalApp(LocalPortal(db)), tls_dir=tmp_path / "tls") as (url, cert):
        env = {k: v for k, v in os.environ.items() if k != "REQUESTS_CA_BUNDLE"}
        out = run_failing(tmp_path, config_for(tmp_path, server=url), {**env, **DEMO_ENV}, db=db)
        assert_one_message(out, f"the TLS certificate of {url} is not trusted")
        assert "ca_bundle" in out and "REQUESTS_CA_BUNDLE" in out
        trusted = config_for(tmp_path, server=url, ca_bundle=str(cert))
        result = snakemake(tmp_path, trusted, "-j", "1", "results/preflight.json",
                           env={**env, **DEMO_ENV})
        assert result.returncode == 0, result.stderr[-3000:]


def test_a_ca_bundle_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nope.pem"
    out = run_failing(tmp_path, config_for(tmp_path, ca_bundle=str(missing)))
    assert_one_message(out, f"ca_bundle: CA bundle {missing} does not exist")


def test_a_ca_bundle_that_is_not_pem_is_named_not_the_server(tmp_path):
    der = tmp_path / "portal.der"
    der.write_bytes(b"0\x82\x03\x1a0\x82\x02\x02")  # the start of a DER certificate
    out = run_failing(tmp_path, config_for(tmp_path, ca_bundle=str(der)))
    assert_one_message(out, f"ca_bundle: CA bundle {der} holds no PEM certificate (")
    assert "give the PEM file of the CA" in out and "TLS with" not in out


def created_by_kind(db: Path, before: Counter) -> Counter:
    """New portal objects by kind (every quality metric type counted as one kind)."""
    with closing(sqlite3.connect(db)) as conn:
        types = [t for (t,) in conn.execute("SELECT item_type FROM items")]
    now = Counter("quality_metric" if t.endswith("_quality_metric") else t for t in types)
    return now - before


def test_a_portal_outage_mid_run_is_named_and_the_same_command_resumes_it(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("DCC_API_KEY", DEMO_KEY_ID)
    monkeypatch.setenv("DCC_SECRET_KEY", DEMO_SECRET)
    db = tmp_path / "served.sqlite"
    app = PortalApp(LocalPortal(db))
    before = created_by_kind(db, Counter())
    with serve_portal(app) as (url, _):
        config = config_for(tmp_path, server=url, verify_timeout=5)
        proc = start_snakemake(tmp_path, config, "-j", "2")
        receipts = tmp_path / "results" / "files"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(receipts.rglob("*.json"))) < 4:
            time.sleep(0.2)
        app.faults.configure(FaultConfig(error_rate=1.0))  # the portal goes down
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode != 0 and not (tmp_path / "results/summary.json").exists()
        assert "Traceback" not in out
        assert f"the portal {url} is unavailable" in out and "run the same command again" in out
        app.faults.configure(FaultConfig())  # back up: the same command finishes the run
        result = snakemake(tmp_path, config, "-j", "2")
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    plan = build_plan(load_metadata(tmp_path / "results/demo/metadata.json"),
                      load_steps(ACCESSION_RULES / "atac.yaml"))
    assert created_by_kind(db, before) == {
        "file": len(plan.files), "analysis_step_run": len({s.dcc_step_run for s in plan.steps}),
        "quality_metric": sum(len(f.spec.quality_metrics) for f in plan.files.values()),
        "analysis": 1, "document": 1}
