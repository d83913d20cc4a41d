"""The encode-accession command line: plan and steps validate."""

from __future__ import annotations

import json

from conftest import DATA, shared_fixture

from encode_accession.cli.main import main
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.demo.synthetic import Options, synthetic_metadata
from encode_accession.planning.steps import load_steps

ATAC = "cromwell/ENCSR609OHJ_metadata_2reps.json"


def test_plan_prints_json_with_every_planned_file(capsys):
    metadata = shared_fixture(ATAC)
    assert main(["plan", "-m", str(metadata), "--steps", str(DATA / "atac_v1_steps.yaml"),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["workflow_id"] == "2099edd0-0399-46ba-941c-abdcea355c1c"
    assert len(data["files"]) == 14
    assert all(f["derived_from"] for f in data["files"])


def test_plan_table_names_files_steps_and_parent_counts(capsys):
    metadata = shared_fixture(ATAC)
    assert main(["plan", "-m", str(metadata), "--steps", str(DATA / "atac_v1_steps.yaml")]) == 0
    out = capsys.readouterr().out
    assert "filter.1.nodup_bam" in out and "step01_filter" in out
    assert "14 files in 8 steps for workflow 2099edd0" in out


def test_unreplicated_flag_skips_replication_steps(capsys):
    metadata = shared_fixture(ATAC)
    main(["plan", "-m", str(metadata), "--steps", str(DATA / "atac_v1_steps.yaml"),
          "--unreplicated", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert {f["task"] for f in data["files"]} == {"bowtie2", "filter", "macs2", "idr_pr"}
    assert len(data["skipped"]) == 4


def test_plan_errors_exit_1_with_a_message_and_no_traceback(tmp_path, capsys):
    bad = tmp_path / "metadata.json"
    bad.write_text("{")
    assert main(["plan", "-m", str(bad), "--steps", "atac"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: line 1 column 2: not valid JSON")
    assert "Traceback" not in err


def test_steps_validate_reports_each_file_and_fails_on_any_error(tmp_path, capsys):
    good = DATA / "atac_v1_steps.yaml"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"accession.steps": [{"dcc_step_run": "x"}]}))
    assert main(["steps", "validate", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert f"{good}: ok (8 steps)" in captured.out
    assert f"{bad}: accession.steps[0]: 'wdl_task_name' is required" in captured.err
    assert main(["steps", "validate", str(good)]) == 0


def test_steps_validate_lists_the_4_8_4_output_types_it_translated(tmp_path, capsys):
    """A 4.8.4 steps JSON still validates; each renamed output type is listed with its
    current name, and a file named like a bundled variant takes that variant's facts."""
    steps = {"accession.steps": [{
        "dcc_step_run": "hic", "wdl_task_name": "add_norm", "wdl_files": [{
            "filekey": "output_hic", "file_format": "hic",
            "output_type": "chromatin interactions", "derived_from_files": [
                {"derived_from_task": "dedup", "derived_from_filekey": "deduped_bam",
                 "derived_from_output_type": "long range chromatin interactions"}]}]}]}
    path = tmp_path / "hic_steps.json"
    path.write_text(json.dumps(steps))
    assert main(["steps", "validate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: ok (1 steps)"
    assert out[1] == ("  accession.steps[0].wdl_files[0].output_type: 'chromatin interactions' "
                      "(accession 4.8.4) read as 'contact matrix'")
    assert out[2] == ("  accession.steps[0].wdl_files[0].derived_from_files[0]"
                      ".derived_from_output_type: 'long range chromatin interactions' "
                      "(accession 4.8.4) read as 'loops'")
    assert out[3].endswith("accession_rules/hic.yaml")


def test_info_on_a_database_that_does_not_exist_says_so_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "mistyped" / "tracker.db"
    assert main(["info", "--db", str(missing)]) == 1
    err = capsys.readouterr().err
    assert f"{missing}: no database here" in err and "demo/tracker.db" in err
    assert not (tmp_path / "mistyped").exists()


def test_info_reads_without_changing_the_database(tmp_path, capsys):

    from encode_accession.database.sqlite import connect

    db = tmp_path / "tracker.db"
    connect(db).close()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert main(["info", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("Experiment @id\tWF ID")
    assert db.stat().st_mtime_ns == before["tracker.db"]


def test_a_pipe_closed_by_its_reader_ends_the_command_quietly(tmp_path):
    """`encode-accession plan ... | head -1`: no "Broken pipe" message, no traceback."""
    import subprocess
    import sys

    steps = load_steps(ACCESSION_RULES / "atac.yaml")
    metadata = tmp_path / "metadata.json"  # a plan of ~80 kB: more than a pipe holds
    metadata.write_text(json.dumps(synthetic_metadata(steps, Options(replicates=6,
                                                                     folder=tmp_path))))
    reader = subprocess.Popen([sys.executable, "-m", "encode_accession", "plan", "-m",
                               str(metadata), "--steps", "atac", "--format", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # as `head -1` does after its line
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 141  # as a command SIGPIPE stopped
    assert "Broken pipe" not in err and "Traceback" not in err and "error" not in err.lower()
