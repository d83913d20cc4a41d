"""Storing rows: exact filters, idempotent re-saves, notes, links, derived files, summaries."""

from __future__ import annotations

import copy

import pytest
import synthetic_collection as synthetic

from encode_accession.core.errors import InputError
from encode_accession.provenance.record import note_derived_file
from encode_accession.tracker import extract, store


def record(obj: dict):
    return extract.tracked_experiment(obj, portal_url="https://www.encodeproject.org")


def with_ontology(obj: dict, term: str, organs: list[str]) -> dict:
    obj = copy.deepcopy(obj)
    obj["biosample_ontology"] = {**obj["biosample_ontology"], "term_name": term,
                                 "organ_slims": organs}
    return obj


@pytest.fixture
def three(conn) -> list[dict]:
    """ventricle-as-organ, heart, and large intestine: values that contain each other."""
    base = synthetic.sample_experiments(3, seed=11)
    objs = [with_ontology(base[0], "heart left ventricle", ["heart left ventricle"]),
            with_ontology(base[1], "heart", ["heart"]),
            with_ontology(base[2], "transverse colon", ["colon", "large intestine"])]
    for obj in objs:
        store.save_tracked(conn, record(obj))
    return objs


def accessions(conn, **filters) -> list[str]:
    return [r["accession"] for r in store.iter_experiments(conn, filters)]


def test_organ_filters_match_whole_values_only(conn, three: list[dict]) -> None:
    ventricle, heart, colon = (o["accession"] for o in three)
    assert accessions(conn, organ=["heart"]) == [heart]
    assert accessions(conn, organ=["heart left ventricle"]) == [ventricle]
    assert accessions(conn, organ=["intestine"]) == []
    assert accessions(conn, organ=["large intestine"]) == [colon]
    assert accessions(conn, organ=["left ventricle"]) == []
    assert accessions(conn, organ=["HEART"]) == [heart]  # case-insensitive, still whole


def test_same_field_is_or_different_fields_are_and(conn, three: list[dict]) -> None:
    ventricle, heart, colon = (o["accession"] for o in three)
    assert sorted(accessions(conn, organ=["heart", "colon"])) == sorted([heart, colon])
    assay = three[1]["assay_title"]
    assert accessions(conn, organ=["heart"], assay=[assay]) == [heart]
    assert accessions(conn, organ=["heart"], assay=["no such assay"]) == []
    assert accessions(conn, organism=["Homo"]) == []
    assert len(accessions(conn, organism=["Homo sapiens"])) == 3


def test_unknown_filter_fields_are_input_errors(conn) -> None:
    with pytest.raises(InputError, match="not a field one can filter on"):
        list(store.iter_experiments(conn, {"colour": ["red"]}))


def test_saving_again_updates_in_place(conn) -> None:
    obj = synthetic.sample_experiments(1, seed=5)[0]
    first = store.save_tracked(conn, record(obj), notes="keep me")
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("tracked_experiments", "publications", "pipeline_info",
                        "quality_metrics", "external_references", "experiment_terms")}
    changed = copy.deepcopy(obj)
    changed["status"] = "archived"
    second = store.save_tracked(conn, record(changed))
    assert first.created and not second.created
    assert second.tracked_at == first.tracked_at and second.notes == "keep me"
    assert counts == {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in counts}
    assert store.get_experiment(conn, obj["accession"])["status"] == "archived"
    third = store.save_tracked(conn, record(changed), notes="new notes")
    assert third.notes == "new notes"


def test_user_links_survive_re_tracking_and_portal_ones_are_replaced(conn) -> None:
    obj = synthetic.sample_experiments(1, seed=5)[0]
    acc = obj["accession"]
    store.save_tracked(conn, record(obj))
    store.link_reference(conn, acc, "nct_id", "NCT01234567", "the trial")
    store.link_reference(conn, acc, "pmid", "32728249", "also found by the portal")
    without_pubs = {**obj, "references": [], "dbxrefs": []}
    store.save_tracked(conn, record(without_pubs))
    refs = {(r["reference_type"], r["reference_id"], r["origin"])
            for r in store.references_of(conn, acc)}
    assert refs == {("nct_id", "NCT01234567", "user"), ("pmid", "32728249", "user")}


def test_links_need_a_tracked_experiment_and_a_known_type(conn) -> None:
    with pytest.raises(InputError, match="is not tracked"):
        store.link_reference(conn, "ENCSR000AAA", "pmid", "123")
    with pytest.raises(InputError, match="not a known reference type"):
        store.link_reference(conn, "ENCSR000AAA", "wikipedia", "x")


def test_derived_files_are_unique_by_path_and_matched_exactly(conn) -> None:
    note_derived_file(conn, "/work/peaks.bed", ["ENCSR000AAA", "ENCFF000BBB"],
                              tool="bedtools", description="merged")
    note_derived_file(conn, "/work/peaks.bed", ["ENCSR000AAA"], tool="bedtools v2")
    note_derived_file(conn, "/work/other.bed", ["ENCSR000AAAX"])
    assert conn.execute("SELECT COUNT(*) FROM derived_files").fetchone()[0] == 2
    (row,) = store.derived_files_from(conn, "ENCSR000AAA")
    assert row["file_path"] == "/work/peaks.bed" and row["tool"] == "bedtools v2"
    assert store.derived_files_from(conn, "ENCSR000AA") == []


def test_summaries_count_each_value_and_the_experiments_without_one(conn,
                                                                    three: list[dict]) -> None:
    summary = store.summarize(conn)
    assert summary["total"] == 3
    assert summary["by"]["organ"] == {"colon": 1, "heart": 1, "heart left ventricle": 1,
                                      "large intestine": 1}
    assert sum(summary["by"]["assay"].values()) == 3
    assert summary["by"]["organism"] == {"Homo sapiens": 3}


def test_summaries_group_by_target_and_total_what_the_experiments_hold(
        conn, three: list[dict]) -> None:
    note_derived_file(conn, "/work/a.bed", [three[0]["accession"]])
    note_derived_file(conn, "/work/b.bed", [three[0]["files"][0]["accession"]])
    note_derived_file(conn, "/work/c.bed", [three[1]["accession"]])
    summary = store.summarize(conn)
    targets = {obj["target"]["label"] for obj in three}
    assert set(summary["by"]["target"]) == targets
    assert sum(summary["by"]["target"].values()) == 3
    pubs = len(store.publications_of(conn, [obj["accession"] for obj in three]))
    refs = conn.execute("SELECT COUNT(*) FROM external_references").fetchone()[0]
    assert summary["totals"] == {"experiments": 3, "publications": pubs, "references": refs,
                                 "derived_files": 3}
    one = store.summarize(conn, {"biosample": ["heart left ventricle"]})
    assert one["totals"]["derived_files"] == 2 and one["totals"]["experiments"] == 1


def test_deleting_an_experiment_cascades_to_its_rows(conn) -> None:
    obj = synthetic.sample_experiments(1, seed=5)[0]
    store.save_tracked(conn, record(obj))
    conn.execute("DELETE FROM tracked_experiments")
    for table in ("publications", "pipeline_info", "quality_metrics", "external_references",
                  "experiment_terms"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0


def test_a_list_page_holds_its_rows_and_the_total_that_match(conn) -> None:
    for obj in synthetic.sample_experiments(7, seed=5):
        store.save_tracked(conn, record(obj))
    everything = accessions(conn)
    first = store.list_experiments(conn, limit=3)
    assert [r["accession"] for r in first.experiments] == everything[:3]
    assert (first.total, first.next_offset) == (7, 3)
    last = store.list_experiments(conn, limit=3, offset=6)
    assert [r["accession"] for r in last.experiments] == everything[6:]
    assert (last.total, last.next_offset) == (7, None)
    assert store.list_experiments(conn, limit=None).total == 7
    past = store.list_experiments(conn, limit=3, offset=10)
    assert (past.experiments, past.total, past.next_offset) == ([], 7, None)
    status = everything and store.get_experiment(conn, everything[0])["status"]
    matching = accessions(conn, status=[status])
    page = store.list_experiments(conn, {"status": [status]}, limit=1)
    assert page.total == len(matching) and page.experiments[0]["accession"] == matching[0]
