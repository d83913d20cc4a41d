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
from encode_accession.portal.errors import PortalAuthError

from .conftest import FAST, WORKBOOK_ADMIN, shared_fixture


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
    client = PortalClient(f"local:{portal.db_path}", *WORKBOOK_ADMIN, **FAST)
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


def test_workbook_items_have_the_ids_the_portal_gives_them(workbook):
    """Accessioned types by accession, labs by name, targets by label and organism; links
    by a target's name resolve to its @id; the profiles' defaults are filled in."""
    _, portal, _ = workbook
    experiments = portal.store.items_with_type("Experiment")
    assert experiments and all(e.at_id == f"/experiments/{e.props['accession']}/"
                               for e in experiments)
    files = [f for f in portal.store.items_with_type("File") if f.props.get("status")
             != "replaced" and "external_accession" not in f.props]
    assert all(f.at_id == f"/files/{f.props['accession']}/" for f in files)
    assert portal.store.by_at_id("/labs/j-michael-cherry/") is not None
    histone = portal.store.by_at_id("/experiments/ENCSR000ADI/")
    assert histone.props["target"] == "/targets/H3K4me3-mouse/"
    assert all(str(e.props.get("target", "/targets/")).startswith("/targets/")
               for e in experiments)
    fastq = portal.store.by_at_id("/files/ENCFF001MYM/")
    assert fastq.props["aliases"] == [] and fastq.props["dbxrefs"] == []


def test_the_inserts_access_key_works_with_its_secret(workbook, tmp_path):
    """access_key.json stores `foobar`'s secret `bazqux` as encoded's edw_hash: the key
    authenticates (an admin may PATCH), a wrong secret is refused."""
    _, portal, _ = workbook
    good = PortalClient(f"local:{portal.db_path}", "foobar", "bazqux", **FAST)
    lab = good.get("/labs/j-michael-cherry/", frame="object")
    good.patch(lab["@id"], {"title": lab["title"]})
    wrong = PortalClient(f"local:{portal.db_path}", "foobar", "not-bazqux", **FAST)
    with pytest.raises(PortalAuthError):
        wrong.patch(lab["@id"], {"title": lab["title"]})
