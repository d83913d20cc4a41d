"""The main job with outputs on GCS (gcp-storage-emulator) and S3 (moto), posting to the local
portal over real HTTP, whose upload credentials point at a moto bucket."""

from __future__ import annotations

import json
import os
from pathlib import Path

from services import serve_portal

from encode_accession.demo.run import write_demo_run
from encode_accession.localportal import LocalPortal, PortalApp, UploadConfig
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.portal.client import PortalClient

from .conftest import snakemake, write_config

ON_GCS = {"atac.align", "atac.filter"}  # the rest of the outputs go to S3

# its own upload bucket: other tests of the session share the moto server
UPLOADS = "encode-files-cloud-e2e"


def move_outputs_to_the_cloud(run_dir: Path, metadata: Path, s3, bucket: str, gcs, gcs_bucket):
    """Put every output's bytes in a bucket and point the metadata at it; returns uri->bytes."""
    data = json.loads(metadata.read_text())
    moved: dict[str, bytes] = {}
    text = metadata.read_text()
    for name, calls in data["calls"].items():
        for call in calls:
            for path in call["outputs"].values():
                key = str(Path(path).relative_to(run_dir))
                content = Path(path).read_bytes()
                if name in ON_GCS:
                    gcs.bucket(gcs_bucket).blob(key).upload_from_string(content)
                    uri = f"gs://{gcs_bucket}/{key}"
                else:
                    s3.put_object(Bucket=bucket, Key=key, Body=content)
                    uri = f"s3://{bucket}/{key}"
                Path(path).unlink()
                text = text.replace(f'"{path}"', f'"{uri}"')
                moved[uri] = content
    cloud = run_dir / "cloud_metadata.json"
    cloud.write_text(text)
    return cloud, moved


def test_gcs_and_s3_outputs_are_uploaded_and_verified(tmp_path, moto_s3, gcs_emulator):
    s3 = moto_s3.client()
    s3.create_bucket(Bucket=UPLOADS)
    run_dir = tmp_path / "run"
    metadata, moved = move_outputs_to_the_cloud(
        run_dir, write_demo_run(run_dir), s3, moto_s3.bucket, gcs_emulator.client(),
        gcs_emulator.bucket)
    assert any(u.startswith("gs://") for u in moved) and any(u.startswith("s3://") for u in moved)
    env = {**os.environ, "STORAGE_EMULATOR_HOST": gcs_emulator.endpoint_url,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", "DCC_API_KEY": DEMO_KEY_ID,
           "DCC_SECRET_KEY": DEMO_SECRET}
    uploads = UploadConfig(tmp_path / "uploads", s3_endpoint=moto_s3.endpoint_url,
                           s3_bucket=UPLOADS)
    app = PortalApp(LocalPortal(tmp_path / "portal.sqlite", uploads=uploads))
    with serve_portal(app) as (url, _):
        config = write_config(tmp_path, metadata=str(metadata), pipeline="atac", lab="encode-awg",
                              award="DEMO-AWARD", server=url, results="results",
                              s3_endpoint_url=moto_s3.endpoint_url, verify_timeout=30,
                              tracker_db=str(tmp_path / "tracker.db"))
        result = snakemake(tmp_path, config, "-j", "2", env=env)
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
        portal = PortalClient(url, DEMO_KEY_ID, DEMO_SECRET)
        receipts = [json.loads(p.read_text()) for p in (tmp_path / "results/files").rglob("*.json")]
        assert len(receipts) == 30
        assert {r["uri"].split(":")[0] for r in receipts} == {"gs", "s3"}
        for receipt in receipts:
            posted = portal.get(receipt["@id"], database=True)
            assert posted["status"] == "in progress"  # the portal's checkfiles read the bytes
            assert posted["md5sum"] == receipt["md5sum"]
        uploaded = s3.list_objects_v2(Bucket=UPLOADS)["Contents"]
        assert len(uploaded) == 30
        bodies = {s3.get_object(Bucket=UPLOADS, Key=o["Key"])["Body"].read()
                  for o in uploaded}
        assert bodies == {moved[r["uri"]] for r in receipts}


def test_metadata_is_read_from_gcs_and_s3(tmp_path, moto_s3, gcs_emulator, monkeypatch):
    from encode_accession.metadata.cromwell import load_metadata

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint_url)
    monkeypatch.setenv("ENCODE_S3_ENDPOINT_URL", moto_s3.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    text = write_demo_run(tmp_path / "run").read_text()
    gcs_emulator.client().bucket(gcs_emulator.bucket).blob("m/metadata.json") \
        .upload_from_string(text)
    moto_s3.client().put_object(Bucket=moto_s3.bucket, Key="m/metadata.json", Body=text)
    from encode_accession.storage.stores import get_storage

    get_storage.cache_clear()  # the process-wide storage must see this test's environment
    for uri in (f"gs://{gcs_emulator.bucket}/m/metadata.json",
                f"s3://{moto_s3.bucket}/m/metadata.json"):
        workflow = load_metadata(uri)
        assert workflow.source == uri and len(workflow.tasks("align")) == 2
