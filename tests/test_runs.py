"""The accessioning run record and the `info` query (ids, labels, prefixes, date ranges)."""

from __future__ import annotations

from contextlib import closing
from datetime import date

import pytest

from encode_accession.accession import runs
from encode_accession.cli.main import main
from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import connect as connect_db

WF1 = "2099edd0-0399-46ba-941c-abdcea355c1c"
WF2 = "8d17e531-8fe6-4b14-90d4-0cd346ce814e"


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "runs.db"
    with closing(connect_db(path)) as db:
        runs.record_run(db, experiment="/experiments/ENCSR609OHJ/", workflow_id=WF1,
                        labels={"caper-str-label": "atac run", "caper-backend": "gcp",
                                "team=a": "x"},
                        status="succeeded", day=date(2026, 3, 15), files=[
                            runs.FileRecord("/files/ENCFF001AAA/", "in progress", True,
                                            ("/atac-alignment-quality-metrics/u1/",)),
                            runs.FileRecord("/files/ENCFF002AAA/", "uploading", False)])
        runs.record_run(db, experiment="/experiments/ENCSR416YFB/", workflow_id=WF2,
                        labels={"caper-str-label": "rna"}, status="failed",
                        day=date(2026, 4, 2), files=[])
    return path


def rows(db_path, ids, dates=None):
    with closing(connect_db(db_path)) as db:
        return runs.query(db, ids, dates, today=date(2026, 11, 21))


def test_one_row_per_file_with_run_columns_on_the_first_only(db_path):
    first, second = rows(db_path, [WF1])
    assert first[:5] == ("/experiments/ENCSR609OHJ/", WF1, "caper-str-label=atac run,team=a=x",
                         "succeeded", "03/15/26")
    assert first[5:] == ("/files/ENCFF001AAA/", "in progress",
                         "/atac-alignment-quality-metrics/u1/", "")
    assert second[:5] == ("", "", "", "", "") and second[5] == "/files/ENCFF002AAA/"


@pytest.mark.parametrize(("ids", "workflows"), [
    (["2099edd0"], {WF1}),  # a prefix, which the reference tool promised but never matched
    (["ENCSR416YFB"], {WF2}),
    (["/experiments/ENCSR609OHJ/"], {WF1}),
    (["rna"], {WF2}),  # a bare value is a caper-str-label
    (["team\\=a=x"], {WF1}),  # \= escapes an equals sign in the key
    ([WF1, "rna"], {WF1, WF2}),
    ([], {WF1, WF2}),
])
def test_ids_select_runs(db_path, ids, workflows):
    assert {r[1] for r in rows(db_path, ids) if r[1]} == workflows


@pytest.mark.parametrize(("dates", "workflows"), [
    ("03", {WF1}), ("04/02", {WF2}), ("03/01-03/31", {WF1}), ("-03/31", {WF1}),
    ("04/01/26-", {WF2}), ("03/15/2026-04/02/2026", {WF1, WF2}), ("05", set())])
def test_dates_filter_runs_inclusively(db_path, dates, workflows):
    assert {r[1] for r in rows(db_path, [], dates) if r[1]} == workflows


def test_a_bad_date_is_one_clear_error():
    with pytest.raises(InputError, match="is not MM, MM/DD"):
        runs.parse_dates("2026-03-01x")


def test_info_prints_tsv_with_the_reference_header(db_path, capsys):
    assert main(["info", "--db", str(db_path), "-i", "ENCSR609OHJ"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split("\t") == list(runs.HEADER)
    assert len(lines) == 2


def test_info_tells_one_workflow_accessioned_to_two_servers_apart(db_path, capsys):
    with closing(connect_db(db_path)) as db:
        for server, file in (("https://a.example", "/files/ENCFF001AAA/"),
                             ("http://127.0.0.1:8000", "/files/TSTFF000001/")):
            runs.record_run(db, experiment="/experiments/ENCSR000AAA/", workflow_id=WF2,
                            labels={}, status="succeeded", server=server,
                            day=date(2026, 5, 1), files=[runs.FileRecord(file, "in progress",
                                                                         True)])
        db.commit()
    assert main(["info", "--db", str(db_path), "-i", "ENCSR000AAA"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split("\t")[-1] == "Server"
    by_file = {cells[5]: cells[-1] for cells in (line.split("\t") for line in lines)}
    assert by_file == {"/files/ENCFF001AAA/": "https://a.example",
                       "/files/TSTFF000001/": "http://127.0.0.1:8000"}
