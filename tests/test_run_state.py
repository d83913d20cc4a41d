"""A run's typed state: receipts round-trip through JSON, belong to their run, refuse another
format or run with one message, and decide whether a run is complete."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from encode_accession.accession.summary import incomplete, missing_objects
from encode_accession.core.errors import InputError
from encode_accession.core.resources import SCHEMAS
from encode_accession.planning.plan import Skipped
from encode_accession.run.layout import check_results_owner, upload_receipt
from encode_accession.run.receipts import load, load_own, save
from encode_accession.run.state import (
    FORMAT,
    AnalysisReceipt,
    Checksum,
    Checksums,
    Duplicate,
    FileReceipt,
    Missing,
    PortalInput,
    Preflight,
    QualityMetrics,
    SentPart,
    Settings,
    StepReceipt,
    StepRun,
    StepUploads,
    Summary,
    SummaryObject,
    UploadJournal,
    UploadReceipt,
    Verdict,
    Verification,
)

WF, SERVER = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab", "local:portal.sqlite"


def file_receipt(**changes) -> FileReceipt:
    return dataclasses.replace(FileReceipt(
        WF, SERVER, id="filter.0.nodup_bam", portal_id="/files/TSTFF000001/",
        accession="TSTFF000001", alias="encode-awg:wf-x.bam", uri="/data/x.bam",
        md5sum="a" * 32, file_size=12, status="uploading", created=True,
        output_type="alignments", derived_from=("/files/TSTFF000000/",),
        step_run="/analysis-step-runs/1/", callbacks_applied={"mapped_read_length": 50},
        default_score=None), **changes)


def upload_of(f: FileReceipt, **changes) -> UploadReceipt:
    return dataclasses.replace(UploadReceipt(f.workflow_id, f.server, id=f.id,
                                             portal_id=f.portal_id, md5sum=f.md5sum,
                                             file_size=f.file_size, uploaded=True), **changes)


def every_receipt() -> list:
    f = file_receipt()
    verification = Verification({f.portal_id: Verdict("failed", "content error", "truncated")},
                                verified=(), pending=(), failed=(f.portal_id,))
    return [
        Settings("results", "results", SERVER, "encode-awg", "DEMO-AWARD", rate_limit=2.5,
                 report_after=("a.txt",)),
        Checksums(WF, SERVER, {"/data/x.bam": Checksum("a" * 32, 12)}),
        Preflight(WF, SERVER, dataset="/experiments/TSTSR000001/", assay_term_name="ATAC-seq",
                  assembly="GRCh38", genome_annotation=None, biological_replicates=2,
                  inputs={"/in/r1.fq": PortalInput("/files/TSTFF000000/", accession="TSTFF0")},
                  input_matches={"/in/p.bed": (PortalInput("/files/A/"), PortalInput("/files/B/"))},
                  same_as={"b": "a"}, checksums={"/in/r1.fq": Checksum("b" * 32, 3)},
                  duplicates=(Duplicate("/data/y.bam", "/files/ENCFF1/", "released", None),)),
        f,
        upload_of(f),
        StepReceipt(WF, SERVER, step="step01_filter",
                    step_run=StepRun("/analysis-step-runs/1/", "encode-awg:x", True),
                    files=(f, file_receipt(id="dup", duplicate_of=f.id)),
                    quality_metrics=QualityMetrics({f.id: ("/qc/1/",)}, ("/qc/1/",), {})),
        StepUploads(WF, SERVER, step="step01_filter", uploads=(upload_of(f),)),
        UploadJournal(WF, SERVER, id=f.id, portal_id=f.portal_id, upload_url="s3://b/k",
                      md5sum=f.md5sum, file_size=f.file_size, part_size=8 << 20,
                      upload_id="u-1", parts=(SentPart(1, 8 << 20, "c" * 32, "c" * 32),)),
        AnalysisReceipt(WF, SERVER, portal_id="/analyses/TSTAN1/", created=True,
                        documents=("/documents/1/",), dataset="/experiments/TSTSR000001/",
                        files=(f.portal_id,), preferred_default=()),
        Summary(WF, SERVER, dataset="/experiments/TSTSR000001/", analysis="/analyses/TSTAN1/",
                objects=(SummaryObject("file", f.portal_id, True, "content error", f.uri),
                         SummaryObject("document", "/documents/1/", None, None)),
                verification=verification, created=1, found=0, skipped=("s: why",),
                missing=(Missing("file", "truncated", "fix it"),)),
    ]


@pytest.mark.parametrize("receipt", every_receipt(), ids=lambda r: type(r).__name__)
def test_every_receipt_round_trips_through_json(receipt):
    text = json.dumps(receipt.to_json())
    assert type(receipt).from_json(json.loads(text)) == receipt


def test_portal_ids_are_the_portals_at_id_key_in_the_json():
    data = file_receipt().to_json()
    assert data["@id"] == "/files/TSTFF000001/" and "portal_id" not in data
    assert (data["workflow_id"], data["server"]) == (WF, SERVER)


def test_a_value_of_the_wrong_type_or_an_unknown_key_is_refused_on_the_way_in():
    data = file_receipt().to_json()
    with pytest.raises(TypeError, match="file_size"):
        FileReceipt.from_json({**data, "file_size": "12"})
    with pytest.raises(KeyError, match="surprise"):
        FileReceipt.from_json({**data, "surprise": 1})
    with pytest.raises(KeyError, match="md5sum"):
        FileReceipt.from_json({k: v for k, v in data.items() if k != "md5sum"})


def test_settings_defaults_are_the_config_schemas_defaults():
    schema = yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text())["properties"]
    for f in dataclasses.fields(Settings):
        if f.default is not dataclasses.MISSING and "default" in schema.get(f.name, {}):
            assert f.default == schema[f.name]["default"], f.name
    assert set(schema) - {f.name for f in dataclasses.fields(Settings)} == \
        {"runs", "track", "provenance"}  # the batch's and the other targets' keys


def test_a_receipt_of_another_format_is_refused_naming_the_folder_and_the_fix(tmp_path):
    path = upload_receipt(tmp_path, "x")
    path.parent.mkdir()
    path.write_text(json.dumps({**upload_of(file_receipt()).to_json(), "format": FORMAT - 1}))
    with pytest.raises(InputError) as refused:
        load(path, UploadReceipt, tmp_path)
    message = refused.value.message
    assert message.startswith(f"{path}: format: a receipt of format {FORMAT - 1}, not {FORMAT}")
    assert f"delete the receipts in {tmp_path}/" in message
    assert "set `results:` to a new folder" in message
    save(path, upload_of(file_receipt()))
    assert load(path, UploadReceipt, tmp_path) == upload_of(file_receipt())


def test_a_receipt_of_another_run_is_not_this_runs(tmp_path):
    path = tmp_path / "preflight.json"
    save(path, every_receipt()[2])
    assert load_own(path, Preflight, tmp_path, WF, SERVER).dataset
    with pytest.raises(InputError, match=f"holds a run of workflow {WF}, but the config now "
                                         "names workflow other"):
        load_own(path, Preflight, tmp_path, "other", SERVER)
    with pytest.raises(InputError, match=f"holds a run accessioned to {SERVER}"):
        load_own(path, Preflight, tmp_path, WF, "prod")


def test_file_and_upload_receipts_are_reused_only_for_the_same_run_file_and_bytes():
    f = file_receipt()
    same = (WF, SERVER, f.alias, f.uri, f.md5sum, f.file_size)
    assert f.is_for(*same)
    assert not f.is_for("another-workflow", *same[1:])
    assert not f.is_for(WF, "prod", *same[2:])
    assert not f.is_for(*same[:4], "b" * 32, 12)  # the bytes changed since
    assert not f.is_for(*same[:5], 13)
    assert upload_of(f).is_for(f)
    assert not upload_of(f, portal_id="/files/TSTFF999999/").is_for(f)  # another run's file
    assert not upload_of(f, md5sum="b" * 32).is_for(f)
    assert not upload_of(f, workflow_id="another-workflow").is_for(f)


def test_a_folder_holding_another_workflow_server_or_format_is_refused(tmp_path):
    check_results_owner(tmp_path, WF, SERVER)  # empty: a new run
    save(tmp_path / "files/step01/x.json", file_receipt())  # only a file receipt is left
    check_results_owner(tmp_path, WF, SERVER)
    with pytest.raises(InputError, match=f"{tmp_path}/: holds a run of workflow {WF}"):
        check_results_owner(tmp_path, "other", SERVER)
    with pytest.raises(InputError, match=f"accessioned to {SERVER}, but the config now "
                                         "names server prod"):
        check_results_owner(tmp_path, WF, "prod")
    (tmp_path / "plan.json").write_text(json.dumps({"format": 2, "settings": {}}))
    with pytest.raises(InputError, match="a receipt of format 2"):
        check_results_owner(tmp_path, WF, SERVER)


def verification(**states: str) -> Verification:
    """A verification of files named by their state: verified, pending or failed."""
    verdicts = {f"/files/{name}/": Verdict(state, None, f"{name} broke")
                for name, state in states.items()}
    return Verification(verdicts, *(tuple(i for i, v in verdicts.items() if v.state == s)
                                    for s in ("verified", "pending", "failed")))


LOST = Skipped("accession.steps[6] (idr)", "no attempt of idr[0] finished", lost=True)
UNREPLICATED = Skipped("accession.steps[7] (idr_ppr)", "requires replication; task did not run")


def test_failed_files_and_lost_steps_are_missing_pending_files_and_benign_skips_are_not():
    files = [file_receipt(portal_id="/files/A/", uri="/data/a.bam")]
    missing = missing_objects(files, verification(A="failed", B="pending", C="verified"),
                              [LOST, UNREPLICATED], allow_unsucceeded=False)
    assert [(m.what, m.why) for m in missing] == [
        ("file /files/A/ (/data/a.bam)", "A broke"),
        ("accession.steps[6] (idr)", "no attempt of idr[0] finished")]
    assert "allow_unsucceeded: true" in missing[1].fix
    allowed = missing_objects(files, verification(B="pending"), [LOST, UNREPLICATED],
                              allow_unsucceeded=True)
    assert allowed == []


def test_an_incomplete_run_ends_with_one_line_naming_what_is_missing_and_the_fix():
    complete = every_receipt()[-1]
    assert incomplete(dataclasses.replace(complete, missing=())) is None
    missing = tuple(Missing(f"file /files/{n}/", "content error", "fix the bytes")
                    for n in range(7))
    line = incomplete(dataclasses.replace(complete, missing=missing))
    assert "\n" not in line
    assert line.startswith(f"the run is incomplete: 7 thing(s) not on {SERVER}: "
                           "file /files/0/: content error;")
    assert "and 2 more (listed above)" in line and line.endswith("(fix: fix the bytes)")


def test_a_plan_files_skipped_steps_keep_whether_they_lose_outputs(tmp_path):
    assert Skipped(**LOST.to_dict()) == LOST
    assert str(LOST) == "accession.steps[6] (idr): no attempt of idr[0] finished"


def test_receipts_on_disk_carry_the_format_version(tmp_path: Path):
    save(tmp_path / "x.json", file_receipt())
    assert json.loads((tmp_path / "x.json").read_text())["format"] == FORMAT
