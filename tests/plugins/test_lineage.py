"""The pure parts of rule encode_provenance: walking back through Snakemake's job records,
the activity of one job, the settings, and what is recorded (into a real database)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from encode_accession.core.errors import InputError
from encode_accession.plugins.files import PortalFile
from encode_accession.plugins.lineage import (
    REPORT_FILES,
    JobRecord,
    LineageSettings,
    jobs_behind,
    record_jobs,
    record_portal_files,
    tool_run,
)
from encode_accession.provenance import lineage
from encode_accession.tracker import connect

ENCODE = {"encode://ENCFF001AAA": PortalFile("ENCFF001AAA", "ENCFF001AAA",
                                             "/files/ENCFF001AAA/", "/files/ENCFF001AAA/"
                                             "@@download/ENCFF001AAA.bed.gz", "0" * 32, 10,
                                             "released", 0.0)}


def record(rule: str, inputs: list[str], job_hash: int, **extra) -> dict:
    return {"rule": rule, "input": inputs, "job_hash": job_hash, "shellcmd": None,
            "code": None, "params": [], "incomplete": False, **extra}


def test_jobs_are_found_back_from_the_targets_inputs_first_one_record_per_job():
    records = {
        "table.tsv": record("table", ["merged.bed", "config.txt"], 3),
        "merged.bed": record("merge", ["a.bed", "b.bed"], 2),
        "merged.log.tsv": record("merge", ["a.bed", "b.bed"], 2),
        "a.bed": record("filter", ["encode://ENCFF001AAA"], 1),
        "b.bed": record("filter", ["encode://ENCFF002BBB"], 4),
    }
    jobs = jobs_behind(["table.tsv", "merged.log.tsv"], records.get)
    assert [(j.rule, j.outputs) for j in jobs] == [
        ("filter", ("a.bed",)), ("filter", ("b.bed",)),
        ("merge", ("merged.bed", "merged.log.tsv")), ("table", ("table.tsv",))]
    assert jobs[0].encode_inputs == ["encode://ENCFF001AAA"]


def test_files_without_a_finished_job_record_end_the_walk():
    records = {"out.txt": record("make", ["in.txt"], 1),
               "in.txt": record("early", [], 2, incomplete=True)}
    assert [j.rule for j in jobs_behind(["out.txt", "missing.txt"], records.get)] == ["make"]


def test_a_jobs_activity_names_its_rule_command_script_params_and_software(tmp_path):
    script = tmp_path / "merge.py"
    script.write_text("print('merge')\n")
    conda = base64.b64encode(b"dependencies: [bedtools=2.31]\n").decode()
    job = JobRecord("merge", ("m.bed",), ("a.bed",), None, '    script: "merge.py"\n',
                    ("0", "'union'"), conda, "docker://biocontainers/bedtools:2.31", 1.0)
    run = tool_run(job, str(script))
    assert (run.rule, run.tool, run.tool_version) == (
        "merge", "script merge.py", "docker://biocontainers/bedtools:2.31")
    assert run.parameters["params"] == ["0", "'union'"]
    assert run.parameters["script"]["sha256"] == \
        "323a9297ffc6e180b18c37b051b72e8c91d99f162e8741a4c088a8edc0a83fb8"
    assert run.parameters["software"]["conda_env"] == "dependencies: [bedtools=2.31]\n"
    shell = JobRecord("sort", ("s.bed",), ("a.bed",), "sort a.bed > s.bed", "sort {input}",
                      (), None, None, 1.0)
    assert tool_run(shell, None).tool == "sort a.bed > s.bed"


def test_outputs_of_jobs_made_from_encode_or_recorded_files_are_recorded(tmp_path):
    conn = connect(tmp_path / "lineage.db")
    first, second, loose = (tmp_path / n for n in ("first.bed", "second.bed", "loose.txt"))
    for path in (first, second, loose):
        path.write_text(path.name)
    jobs = [JobRecord("filter", (str(first),), ("encode://ENCFF001AAA",), "f", None, (), None,
                      None, os.stat(first).st_mtime),
            JobRecord("merge", (str(second),), (str(first), "config.yaml"), "m", None, (),
                      None, None, os.stat(second).st_mtime),
            JobRecord("other", (str(loose),), ("config.yaml",), "o", None, (), None, None,
                      os.stat(loose).st_mtime)]
    record_portal_files(conn, ENCODE, "https://www.encodeproject.org")
    logged = record_jobs(conn, jobs, ENCODE, lambda rule: None)
    assert [(Path(e.path).name, e.status) for e in logged] == [("first.bed", "new"),
                                                               ("second.bed", "new")]
    found = lineage(conn, str(second))
    assert [found.graph.node(k).accession for k in found.upstream] == [None, "ENCFF001AAA"]
    assert record_jobs(conn, jobs, ENCODE, lambda rule: None) == []  # unchanged: not re-read

    second.write_text("edited by hand")  # after its job ended: not taken as the job's output
    os.utime(second, (os.stat(second).st_atime, jobs[1].endtime + 60))
    assert record_jobs(conn, jobs, ENCODE, lambda rule: None) == []


def test_settings_come_from_config_encode_provenance():
    settings = LineageSettings.from_config({"tracker_db": "t.db", "encode_provenance": {
        "targets": ["results/table.tsv"], "report": "out/prov/"}})
    assert settings == LineageSettings(("results/table.tsv",), "out/prov", "t.db", True)
    assert settings.report_files == [f"out/prov/{name}" for name in REPORT_FILES]
    assert LineageSettings.from_config({}).targets is None


@pytest.mark.parametrize("raw, key", [({"target": ["x"]}, "encode_provenance.target"),
                                      ({"targets": "x"}, "encode_provenance.targets"),
                                      ("yes", "encode_provenance")])
def test_bad_settings_are_refused_naming_the_key(raw, key):
    with pytest.raises(InputError) as refused:
        LineageSettings.from_config({"encode_provenance": raw})
    assert refused.value.key == key


def test_the_report_files_are_those_write_report_writes(tmp_path):
    from encode_accession.provenance import write_report

    conn = connect(tmp_path / "empty.db")
    assert tuple(p.name for p in write_report(conn, tmp_path / "report")) == REPORT_FILES
