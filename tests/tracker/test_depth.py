"""The tracker's depth: partial matches on request, filters and totals on export and
summarize, indexed filters, lab/award identifiers (and the migration that made them),
references across the collection, unlink, keep-going multi-accession commands, search
paging, facets the server has, closed pipes, unwritable outputs and keyring credentials."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import synthetic_collection as synthetic

from encode_accession.database import sqlite as db
from encode_accession.tracker import credentials, extract, search, store

from .conftest import Portal

PORTAL = "https://www.encodeproject.org"


@pytest.fixture
def saved(conn) -> list[dict]:
    objs = synthetic.sample_experiments(12, seed=5)
    for obj in objs:
        store.save_tracked(conn, extract.tracked_experiment(obj, portal_url=PORTAL))
    return objs


# -- filters -------------------------------------------------------------------------------

def test_contains_matches_part_of_a_value_only_when_asked(conn, saved: list[dict]) -> None:
    histone = sorted(o["accession"] for o in saved if o["assay_title"] == "Histone ChIP-seq")
    assert histone, "the sample needs Histone ChIP-seq experiments"
    assert list(store.iter_experiments(conn, {"assay": ["Histone"]})) == []
    found = [r["accession"] for r in store.iter_experiments(conn, {"assay": ["histone"]},
                                                            match="contains")]
    assert found == histone
    organ = saved[0]["biosample_ontology"]["organ_slims"][0]
    part = organ[1:-1]
    by_part = store.count_experiments(conn, {"organ": [part]}, match="contains")
    assert by_part >= store.count_experiments(conn, {"organ": [organ]}) >= 1
    assert store.count_experiments(conn, {"assay": ["100%_"]}, match="contains") == 0


def test_lab_filters_by_title_or_identifier(conn, saved: list[dict]) -> None:
    lab = saved[0]["lab"]
    by_title = store.count_experiments(conn, {"lab": [lab["title"]]})
    assert by_title >= 1 and store.count_experiments(conn, {"lab": [lab["@id"]]}) == by_title


def test_summaries_take_the_list_filters_and_report_both_totals(conn, saved: list[dict]
                                                                 ) -> None:
    histone = [o for o in saved if o["assay_title"] == "Histone ChIP-seq"]
    summary = store.summarize(conn, {"assay": ["Histone ChIP-seq"]})
    assert summary["total"] == len(histone) and summary["collection_total"] == len(saved)
    assert summary["by"]["assay"] == {"Histone ChIP-seq": len(histone)}
    assert sum(summary["by"]["status"].values()) == len(histone)
    labs = summary["by"]["lab"]
    assert all(not name.startswith("/labs/") for name in labs)  # titles, not identifiers


def test_single_valued_filters_read_an_index_in_list_order(conn, saved: list[dict]) -> None:
    """EXPLAIN QUERY PLAN: an index on (value, accession) and no sort, even after ANALYZE
    taught SQLite that the values are few (which made it walk the whole table before)."""
    conn.execute("ANALYZE")
    for name, column in (("assay", "assay_title"), ("biosample", "biosample"),
                         ("target", "target"), ("status", "status"),
                         ("biosample_type", "biosample_type")):
        where, args = store._where({name: ["x"]})
        plan = " | ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT {', '.join(store.COLUMNS)} FROM tracked_experiments"
            f"{where} ORDER BY accession", args))
        assert f"USING INDEX ix_experiments_{column} ({column}=?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    for value, index in (("Bing Ren, UCSD", "ix_experiments_lab_title (lab_title=?)"),
                         ("/labs/bing-ren/", "ix_experiments_lab (lab=?)")):
        where, args = store._where({"lab": [value]})
        plan = " | ".join(r[3] for r in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT accession FROM tracked_experiments{where} "
            "ORDER BY accession", args))
        assert f"USING COVERING INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan


# -- lab and award identifiers, and the migration that introduced them ------------------------

def test_a_version_2_database_gets_lab_and_award_identifiers_and_a_raw_table(db_path: Path
                                                                            ) -> None:
    obj = synthetic.sample_experiments(1, seed=9)[0]
    conn = db.connect(db_path, migrations=db.MIGRATIONS[:2])
    row = extract.experiment_row(obj, portal_url=PORTAL)
    conn.execute(
        "INSERT INTO tracked_experiments (accession, lab, award, tracked_at, updated_at, "
        "raw_metadata_bytes, raw_metadata) VALUES (?, ?, ?, 'x', 'x', 1, ?)",
        (row.accession, obj["lab"]["title"], obj["award"]["name"], row.raw.text))
    conn.close()
    conn = db.connect(db_path)
    (migrated,) = list(store.iter_experiments(conn))
    assert (migrated["lab"], migrated["lab_title"]) == (obj["lab"]["@id"], obj["lab"]["title"])
    assert (migrated["award"], migrated["award_title"]) == (obj["award"]["@id"],
                                                            obj["award"]["name"])
    assert store.raw_metadata(conn, row.accession) == obj  # moved to its own table, whole
    columns = {r[1] for r in conn.execute("PRAGMA table_info(tracked_experiments)")}
    assert "raw_metadata" not in columns and "lab_title" in columns
    conn.close()


# -- references ------------------------------------------------------------------------------

def test_references_across_the_collection_by_type_and_unlink(conn, saved: list[dict]) -> None:
    first, second = saved[0]["accession"], saved[1]["accession"]
    store.link_reference(conn, first, "geo_accession", "GSE1")
    store.link_reference(conn, second, "geo_accession", "gse2")
    geo = store.references(conn, reference_type="geo_accession")
    assert {(r["experiment_accession"], r["reference_id"]) for r in geo} >= {
        (first, "GSE1"), (second, "GSE2")}
    assert {r["reference_type"] for r in geo} == {"geo_accession"}
    everything = store.references(conn)
    assert len({r["experiment_accession"] for r in everything}) > 2

    store.unlink_reference(conn, first, "geo_accession", "GSE1")
    assert (first, "GSE1") not in {(r["experiment_accession"], r["reference_id"])
                                   for r in store.references(conn)}
    with pytest.raises(Exception, match="is not linked"):
        store.unlink_reference(conn, first, "geo_accession", "GSE1")
    portal_ref = next(r for r in store.references(conn, [first]) if r["origin"] == "portal")
    with pytest.raises(Exception, match="returns on re-tracking"):
        store.unlink_reference(conn, first, portal_ref["reference_type"],
                               portal_ref["reference_id"])


def test_references_command_lists_the_collection_with_a_type_filter(run_cli, portal: Portal
                                                                    ) -> None:
    a, b = (e["accession"] for e in portal.experiments[:2])
    assert run_cli("track", a, b).code == 0
    assert run_cli("link", a, "nct_id", "NCT01234567").code == 0
    refs = run_cli("references", "--type", "nct_id", "--format", "json").json()
    assert [(r["experiment_accession"], r["reference_id"]) for r in refs] == [
        (a, "NCT01234567")]
    unlinked = run_cli("unlink", a, "nct_id", "NCT01234567")
    assert unlinked.code == 0 and "unlinked nct_id NCT01234567" in unlinked.out
    assert run_cli("references", "--type", "nct_id", "--format", "json").json() == []


# -- multi-accession commands keep going ---------------------------------------------------

def test_track_tries_every_accession_and_reports_each(run_cli, portal: Portal) -> None:
    good, other = portal.experiments[2]["accession"], portal.experiments[3]["accession"]
    result = run_cli("track", good, "ENCSR999ZZZ", other, "--format", "json")
    assert result.code == 1
    entries = result.json()
    assert [(e["accession"], e["ok"]) for e in entries] == [
        (good, True), ("ENCSR999ZZZ", False), (other, True)]
    assert "was not found on" in entries[1]["error"]
    assert "1 of 3 accessions failed" in result.err and "Traceback" not in result.err
    listed = run_cli("list", "--format", "json").json()
    assert {good, other} <= {r["accession"] for r in listed}


def test_citations_cite_the_tracked_and_name_the_rest(run_cli, portal: Portal) -> None:
    tracked = portal.experiments[4]["accession"]
    assert run_cli("track", tracked).code == 0
    result = run_cli("citations", tracked, "ENCSR000NOT", "--format", "json")
    assert result.code == 1 and "ENCSR000NOT: is not tracked" in result.err
    assert any(item.get("id") == tracked for item in json.loads(result.out))


# -- export and summarize filters through the command line ---------------------------------------

def test_export_and_summarize_take_the_list_filters(run_cli, portal: Portal) -> None:
    accessions = [e["accession"] for e in portal.experiments[:8]]
    assert run_cli("track", *accessions).code == 0
    histone = [e["accession"] for e in portal.experiments[:8]
               if e["assay_title"] == "Histone ChIP-seq"]
    exported = run_cli("export", "--assay", "histone", "--contains")
    rows = list(csv.DictReader(io.StringIO(exported.out)))
    assert sorted(r["accession"] for r in rows) == sorted(histone)
    summary = run_cli("summarize", "--assay", "Histone ChIP-seq", "--format", "json").json()
    assert summary["total"] == len(histone) and summary["collection_total"] >= 8
    text = run_cli("summarize", "--assay", "Histone ChIP-seq").out
    assert text.startswith(f"{len(histone)} of ") and "where assay=Histone ChIP-seq" in text


# -- search and facets ---------------------------------------------------------------------------

def test_search_pages_through_every_match_once(run_cli, portal: Portal) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = run_cli("search", "--limit", "7", "--offset", str(offset), "--format",
                       "json").json()
        seen += [e["accession"] for e in page["experiments"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == page["total"] >= len(portal.experiments)


def test_search_sends_free_text_and_a_release_date_range() -> None:
    params = search.search_params({"assay": ["ATAC-seq"]}, text=" liver enhancer ",
                                  released_from="2020-01", released_to=None, limit=5,
                                  offset=10)
    assert ("searchTerm", "liver enhancer") in params
    assert ("advancedQuery", "date_released:[2020-01 TO *]") in params
    assert ("from", "10") in params and ("limit", "5") in params
    with pytest.raises(Exception, match="is not a date"):
        search.search_params(released_to="last year")


def test_facets_without_a_field_list_what_the_server_has(run_cli, portal: Portal) -> None:
    offered = run_cli("facets", "--format", "json").json()
    fields = {f["field"] for f in offered}
    assert "assay_title" in fields and all(f["terms"] for f in offered)
    missing = run_cli("facets", "life_stage")
    if "replicates.library.biosample.life_stage" not in fields:
        assert missing.code == 1 and "use one of: " in missing.err
        assert "assay_title" in missing.err


# -- output errors and closed pipes --------------------------------------------------------------

@pytest.mark.parametrize("where", ["directory", "under_a_file", "unwritable"])
def test_export_to_a_bad_output_is_one_message(run_cli, portal: Portal, tmp_path: Path,
                                               where: str) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if where == "unwritable" and os.geteuid() == 0:  # root writes anywhere but in sysfs
        locked = Path("/sys")
        if not locked.is_dir():
            pytest.skip("running as root without /sys: no folder refuses a write")
    target = {"directory": tmp_path, "under_a_file": blocker / "out.csv",
              "unwritable": locked / "out.csv"}[where]
    result = run_cli("export", "--output", str(target))
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"error: {target}: --output: cannot write here")
    assert "(fix: " in result.err and result.err.count("\n") == 1


def test_a_closed_pipe_ends_quietly(portal: Portal, tmp_path: Path) -> None:
    """`encode-accession list ... | head -1`: no BrokenPipeError traceback."""
    db_file = tmp_path / "t.db"
    command = [sys.executable, "-m", "encode_accession.cli.main"]
    env = {**os.environ, "HOME": str(tmp_path)}
    accessions = [e["accession"] for e in portal.experiments[:10]]
    subprocess.run([*command, "track", *accessions, "--server", portal.url, "--db",
                    str(db_file)], check=True, capture_output=True, env=env)
    shell = (f"{' '.join(command)} export --format tsv --db {db_file} | head -1; "
             f"{' '.join(command)} list --db {db_file} | head -1")
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=env,
                            timeout=120)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.stdout.splitlines()[0].startswith("accession")


# -- credentials -------------------------------------------------------------------------------

@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch):
    """A keyring backend holding the pair in memory (the system keyring is not ours)."""
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            # per instance: keyring may pick this class again later as the default backend
            self.values: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.values.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.values[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.values.pop((service, username), None)

    backend = Memory()
    backend.set_password(credentials.KEYRING_SERVICE, "DCC_API_KEY", "KEYRINGKEY")
    backend.set_password(credentials.KEYRING_SERVICE, "DCC_SECRET_KEY", "keyringsecret")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv("DCC_API_KEY", raising=False)
    monkeypatch.delenv("DCC_SECRET_KEY", raising=False)
    yield
    keyring.set_keyring(previous)


def test_keys_come_from_the_keyring_when_the_environment_has_none(memory_keyring) -> None:
    assert credentials.credentials() == ("KEYRINGKEY", "keyringsecret")


def test_the_environment_wins_over_the_keyring(memory_keyring,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCC_API_KEY", "ENVKEY")
    monkeypatch.setenv("DCC_SECRET_KEY", "envsecret")
    assert credentials.credentials() == ("ENVKEY", "envsecret")


def test_no_keyring_package_means_no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DCC_API_KEY", raising=False)
    monkeypatch.delenv("DCC_SECRET_KEY", raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)
    assert credentials.credentials() == (None, None)


def test_the_database_file_is_sqlite(db_path: Path, conn) -> None:
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == \
        db.MIGRATIONS[-1].version
