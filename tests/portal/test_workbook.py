"""The portal's own test workbook (`encoded-inserts`) loads whole, valid on the real profiles,
and reads back in the frames the tools use."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from encode_accession.cli.main import main
from encode_accession.localportal import LocalPortal
from encode_accession.localportal.demo import DEMO_KEY_ID, DEMO_SECRET
from encode_accession.localportal.workbook import load_workbook
from encode_accession.portal import PortalClient

from .conftest import FAST, shared_fixture


def _insert_rows(inserts: Path) -> Counter:
    """Rows per type as encoded's loadxl counts them (rows marked `_test: skip` are not)."""
    rows: Counter = Counter()
    for path in inserts.glob("*.json"):
        if path.name != "LICENSE.txt":
            rows[path.stem] += sum(1 for r in json.loads(path.read_text())
                                   if r.get("_test") != "skip")
    return +rows


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    inserts = shared_fixture("encoded-inserts")
    portal = LocalPortal(tmp_path_factory.mktemp("workbook") / "p.sqlite", seed_demo=False)
    return inserts, portal, load_workbook(portal, inserts)


def test_the_whole_workbook_loads_with_the_inserts_counts_and_none_refused(workbook):
    inserts, portal, report = workbook
    expected = _insert_rows(inserts)
    assert sum(expected.values()) > 1500
    assert report.refused == []
    assert +report.loaded == expected
    stored = Counter({t.item_type: portal.store.count(t.name) for t in portal.types.all
                      if t.item_type in expected})
    assert stored == expected
    assert portal.store.count() == sum(expected.values())


def test_workbook_links_are_at_ids_whatever_the_inserts_named(workbook):
    _, portal, _ = workbook
    user = portal.store.items_with_type("User")[0]
    assert all(lab.startswith("/labs/") for lab in user.props.get("submits_for", []))
    files = portal.store.items_with_type("File")
    assert all(f.props["dataset"].endswith("/") and f.props["dataset"].startswith("/")
               for f in files if "dataset" in f.props)


def test_workbook_experiments_read_back_in_the_embedded_frame(workbook):
    _, portal, _ = workbook
    client = PortalClient(f"local:{portal.db_path}", **FAST)
    experiments = [e for e in client.search("Experiment", {}, frame="object")
                   if e["accession"].startswith("ENC")]  # the local client adds the demo
    assert len(experiments) == _insert_rows(workbook[0])["experiment"]
    with_fastqs = [e for e in experiments if e["accession"] == "ENCSR000AEH"] or experiments
    embedded = client.get(with_fastqs[0]["@id"], frame="embedded")
    assert isinstance(embedded["lab"], dict) and isinstance(embedded["award"], dict)
    for file in embedded.get("files", []):
        assert isinstance(file, dict) and "@id" in file
        if "platform" in file:
            assert isinstance(file["platform"], dict) and "term_id" in file["platform"]
    for replicate in embedded.get("replicates", []):
        assert isinstance(replicate["library"], dict)


def test_portal_load_workbook_cli_reports_counts(tmp_path, capsys):
    inserts = shared_fixture("encoded-inserts")
    db = tmp_path / "p.sqlite"
    assert main(["portal", "load", "--db", str(db), "--workbook", str(inserts)]) == 0
    total = sum(_insert_rows(inserts).values())
    assert f"{total} of {total} workbook items loaded, 0 refused" in capsys.readouterr().out
    client = PortalClient(f"local:{db}", DEMO_KEY_ID, DEMO_SECRET, **FAST)
    assert client.get("/labs/j-michael-cherry")["@id"] == "/labs/j-michael-cherry/"
