"""The tracker on the portal's own data: the encoded test workbook
(../shared/fixtures/encoded-inserts) served by `encode-accession portal serve --workbook`,
its experiments with publications tracked, cited (BibTeX and RIS read back by pybtex and
rispy) and exported (CSV read back by pandas).

ENCSR000AEN cites PMID 23000965 (Povlsen et al., PAF15 ubiquitylation) and PMID 16395128
(Stoltenberg et al.): encoded's inserts experiment.json and publication.json.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas
import pytest
import rispy
from cli_run import run_main
from conftest import shared_fixture
from pybtex.database import parse_string

ENCODE_ACCESSION = [sys.executable, "-m", "encode_accession.cli.main"]
START_TIMEOUT_S = float(os.environ.get("WORKBOOK_START_TIMEOUT_S", "300"))
EXPERIMENTS = ("ENCSR000AEN", "ENCSR000DZQ")
# encoded's ontology.json entry for the midbrain (the real portal loads the whole ontology)
ONTOLOGY = {"UBERON:0001891": {"name": "midbrain", "organs": ["brain"],
                               "systems": ["central nervous system"]}}
# The stored fields of four workbook experiments, worked out from encoded's code on the
# inserts: assay_title (CalculatedAssayTitle: a histone target -> Histone ChIP-seq, the
# target linked by its name H3K4me3-mouse; NTR preferred name shRNA RNA-seq),
# biosample_summary (CalculatedBiosampleSummary), organ (BiosampleType.organ_slims from the
# ontology), life_stage (Biosample.life_stage: the human donor's, `unknown` for a mouse
# biosample without mouse_life_stage), assembly (calculate_assembly over released and
# in-progress files), replication_type (CalculatedReplicationType).
EXPECTED = {
    "ENCSR000ADI": dict(
        assay_title="Histone ChIP-seq", target="H3K4me3", biosample="CH12.LX cell",
        biosample_summary="Mus musculus CH12.LX cell", biosample_type="cell line",
        organism=["Mus musculus"], organ=[], life_stage=["unknown"], status="released",
        date_released="2016-01-01", lab="/labs/sherman-weissman/",
        award="/awards/ENCODE2-Mouse/", assembly=["mm10", "mm9"], replication_type="isogenic"),
    "ENCSR000DZQ": dict(
        assay_title="TF ChIP-seq", target="EBF1", biosample="GM12878",
        biosample_summary="Homo sapiens GM12878", biosample_type="cell line",
        organism=["Homo sapiens"], organ=[], life_stage=["adult"], status="released",
        date_released="2016-01-01", lab="/labs/michael-snyder/", award="/awards/ENCODE2/",
        assembly=["hg19"], replication_type="isogenic"),
    "ENCSR706IDL": dict(
        assay_title="DNase-seq", target=None, biosample="midbrain",
        biosample_summary="Homo sapiens midbrain tissue male adult (21 years)",
        biosample_type="tissue", organism=["Homo sapiens"], organ=["brain"],
        life_stage=["adult"], status="in progress", date_released=None,
        lab="/labs/john-stamatoyannopoulos/", award="/awards/U54HG007010/", assembly=[],
        replication_type="unreplicated"),
    "ENCSR000AEN": dict(
        assay_title="shRNA RNA-seq", target=None, biosample="K562",
        biosample_summary="Homo sapiens K562", biosample_type="cell line",
        organism=["Homo sapiens"], organ=[], life_stage=["unknown"], status="released",
        date_released="2016-01-01", lab="/labs/brenton-graveley/",
        award="/awards/U54HG007005/", assembly=["GRCh38", "GRCh38-minimal", "hg19"],
        replication_type="isogenic"),
}


# The inserts' own access key (access_key.json), an admin's: the workbook's unreleased
# experiments (ENCSR706IDL is in progress) are for admins and their award's viewing group.
WORKBOOK_ADMIN = {"DCC_API_KEY": "foobar", "DCC_SECRET_KEY": "bazqux"}


@pytest.fixture(autouse=True)
def workbook_admin(monkeypatch: pytest.MonkeyPatch, consortium_keys: None) -> None:
    """Instead of the tracker tests' consortium keys, which this portal does not know."""
    for name, value in WORKBOOK_ADMIN.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def workbook_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    inserts = shared_fixture("encoded-inserts/experiment.json").parent
    usage = subprocess.run([*ENCODE_ACCESSION, "portal", "serve", "--help"],
                           capture_output=True, text=True).stdout
    if "--workbook" not in usage:
        pytest.skip("`portal serve --workbook` is not on this branch yet (issue 10)")
    folder = tmp_path_factory.mktemp("workbook")
    (folder / "ontology.json").write_text(json.dumps(ONTOLOGY))
    server = subprocess.Popen(
        [*ENCODE_ACCESSION, "portal", "serve", "--workbook", str(inserts), "--port", "0",
         "--ontology", str(folder / "ontology.json"),
         "--db", str(folder / "portal.sqlite")], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, "HOME": str(folder)})
    try:
        line = ""
        while "serving at " not in line:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                pytest.fail(f"the workbook portal did not start (exit {server.returncode})")
        yield line.split("serving at ", 1)[1].split()[0]
    finally:
        server.terminate()
        server.wait(timeout=START_TIMEOUT_S)


def test_workbook_experiments_are_tracked_cited_and_exported(workbook_portal: str,
                                                             tmp_path: Path) -> None:
    def run(*args: str):
        return run_main(*args, "--server", workbook_portal, "--db", str(tmp_path / "t.db"))

    tracked = run("track", *EXPERIMENTS, "--format", "json")
    assert tracked.code == 0, tracked.err
    by_accession = {r["accession"]: r for r in tracked.json()}
    assert by_accession["ENCSR000AEN"]["publications"] == 2

    bibtex = run("citations", "--format", "bibtex", "ENCSR000AEN")
    entries = parse_string(bibtex.out, "bibtex").entries
    articles = [e for e in entries.values() if e.type == "article"]
    assert sorted(e.fields["pmid"] for e in articles) == ["16395128", "23000965"]
    assert any("PAF15" in e.fields["title"] for e in articles)
    assert "ENCSR000AEN" in entries

    ris = rispy.loads(run("citations", "--format", "ris", *EXPERIMENTS).out)
    titles = " ".join(r.get("title", r.get("primary_title", "")) for r in ris)
    assert "tryptophan hydroxylase-2" in titles and "ENCSR000DZQ" in titles

    refs = run("references", "ENCSR000AEN", "--type", "pmid", "--format", "json").json()
    assert sorted(r["reference_id"] for r in refs) == ["16395128", "23000965"]

    exported = run("export", "--format", "csv")
    table = pandas.read_csv(io.StringIO(exported.out))
    assert sorted(table["accession"]) == sorted(EXPERIMENTS)
    aen = table.set_index("accession").loc["ENCSR000AEN"]
    assert aen["lab"] == "/labs/brenton-graveley/" and aen["award"] == "/awards/U54HG007005/"


def _as_list(value):
    """Export json keeps a list field as a list, or as the portal-style joined text."""
    if value is None or isinstance(value, list):
        return value or []
    return [v for v in str(value).split(";") if v] if value else []


def test_tracked_workbook_experiments_store_what_the_portal_calculates(
        workbook_portal: str, tmp_path: Path) -> None:
    def run(*args: str):
        return run_main(*args, "--server", workbook_portal, "--db", str(tmp_path / "t.db"))

    tracked = run("track", *EXPECTED, "--format", "json")
    assert tracked.code == 0, tracked.err
    rows = {r["accession"]: r for r in run("export", "--format", "json").json()}
    for accession, expected in EXPECTED.items():
        row = rows[accession]
        lists = {k for k, v in expected.items() if isinstance(v, list)}
        got = {k: _as_list(row[k]) if k in lists else row[k] for k in expected}
        assert got == expected, accession
        assert row["url"] == f"{workbook_portal}/experiments/{accession}/"


def test_search_finds_workbook_experiments_by_free_text_and_release_date(
        workbook_portal: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def found(*args: str) -> set[str]:
        result = run_main("search", *args, "--limit", "100", "--format", "json",
                          "--server", workbook_portal, "--db", str(tmp_path / "t.db"))
        assert result.code == 0, result.err
        return {e["accession"] for e in result.json()["experiments"]}

    for name in WORKBOOK_ADMIN:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keys from a keyring either
    anonymous = found("--text", "midbrain")  # the in-progress one is not shown to anyone
    assert "ENCSR751YPU" in anonymous and "ENCSR706IDL" not in anonymous
    for name, value in WORKBOOK_ADMIN.items():
        monkeypatch.setenv(name, value)
    assert {"ENCSR706IDL", "ENCSR751YPU"} <= found("--text", "midbrain")
    assert "ENCSR000ADI" in found("--text", "H3K4me3", "--assay", "Histone ChIP-seq")
    in_2016 = found("--released-from", "2016-01", "--released-to", "2016-12")
    assert "ENCSR000ADI" in in_2016 and "ENCSR706IDL" not in in_2016  # in progress
    assert found("--released-from", "2030") == set()
