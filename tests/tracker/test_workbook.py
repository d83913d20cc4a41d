"""The tracker on the portal's own data: the encoded test workbook
(../shared/fixtures/encoded-inserts) served by `encode-accession portal serve --workbook`,
its experiments with publications tracked, cited (BibTeX and RIS read back by pybtex and
rispy) and exported (CSV read back by pandas).

ENCSR000AEN cites PMID 23000965 (Povlsen et al., PAF15 ubiquitylation) and PMID 16395128
(Stoltenberg et al.): encoded's inserts experiment.json and publication.json.
"""

from __future__ import annotations

import io
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


@pytest.fixture(scope="module")
def workbook_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    inserts = shared_fixture("encoded-inserts/experiment.json").parent
    usage = subprocess.run([*ENCODE_ACCESSION, "portal", "serve", "--help"],
                           capture_output=True, text=True).stdout
    if "--workbook" not in usage:
        pytest.skip("`portal serve --workbook` is not on this branch yet (issue 10)")
    folder = tmp_path_factory.mktemp("workbook")
    server = subprocess.Popen(
        [*ENCODE_ACCESSION, "portal", "serve", "--workbook", str(inserts), "--port", "0",
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
