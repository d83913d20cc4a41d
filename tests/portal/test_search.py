"""Collections and search as on the portal, on its own workbook: free text over the fields
each type indexes, advancedQuery date ranges, negation and existence, paging, frames, and a
listing for every collection (abstract ones such as /quality-metrics/ included)."""

from __future__ import annotations

import pytest

from encode_accession.localportal import LocalPortal
from encode_accession.localportal.querytext import parse_query
from encode_accession.localportal.workbook import load_workbook
from encode_accession.portal import PortalClient
from encode_accession.portal.errors import PortalError

from .conftest import FAST, WORKBOOK_ADMIN, shared_fixture


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    portal = LocalPortal(tmp_path_factory.mktemp("search") / "p.sqlite", seed_demo=False)
    load_workbook(portal, shared_fixture("encoded-inserts"))
    return PortalClient(f"local:{portal.db_path}", *WORKBOOK_ADMIN, **FAST)


def accessions(client: PortalClient, *params: tuple[str, str]) -> list[str]:
    body = client.search_raw([("type", "Experiment"), *params, ("field", "accession"),
                              ("limit", "all")])
    return sorted(h["accession"] for h in body["@graph"])


def test_search_term_matches_every_word_in_the_indexed_fields(client):
    """midbrain is in biosample_ontology.term_name and biosample_summary (boost_values)."""
    assert {"ENCSR706IDL", "ENCSR751YPU"} <= set(accessions(client, ("searchTerm", "midbrain")))
    both = accessions(client, ("searchTerm", "midbrain 34 years"))
    assert "ENCSR751YPU" in both and "ENCSR706IDL" not in both  # 34 years, not 21
    assert "ENCSR000ADI" in accessions(client, ("searchTerm", "H3K4me3"))
    assert accessions(client, ("searchTerm", "nosuchword")) == []


def test_advanced_query_date_ranges_by_precision(client):
    everything = accessions(client)
    in_2016 = accessions(client, ("advancedQuery", "date_released:[2016 TO 2016]"))
    from_2017 = accessions(client, ("advancedQuery", "date_released:[2017-01 TO *]"))
    assert "ENCSR000ADI" in in_2016 and "ENCSR000ADI" not in from_2017  # released 2016-01-01
    assert set(in_2016).isdisjoint(from_2017) and set(in_2016) | set(from_2017) <= set(everything)
    exclusive = accessions(client, ("advancedQuery", "date_released:{2016-01-01 TO *]"))
    assert "ENCSR000ADI" not in exclusive


def test_advanced_query_boolean_and_existence(client):
    histone = accessions(client, ("advancedQuery", 'assay_title:"Histone ChIP-seq"'))
    assert "ENCSR000ADI" in histone
    not_histone = accessions(client, ("advancedQuery",
                                      'assay_term_name:ChIP-seq AND NOT assay_title:"Histone '
                                      'ChIP-seq"'))
    assert not set(histone) & set(not_histone) and "ENCSR000DZQ" in not_histone
    with_target = accessions(client, ("advancedQuery", "_exists_:target"))
    assert set(with_target) == set(accessions(client, ("target", "*")))
    with pytest.raises(PortalError, match="400"):
        client.search_raw([("type", "Experiment"), ("advancedQuery", "date_released:[2016")])


def test_filters_negate_and_test_existence(client):
    targeted = accessions(client, ("target", "*"))
    untargeted = accessions(client, ("target!", "*"))
    assert targeted and untargeted and not set(targeted) & set(untargeted)
    assert sorted(targeted + untargeted) == accessions(client)
    no_chip = accessions(client, ("assay_term_name!", "ChIP-seq"))
    assert "ENCSR000ADI" not in no_chip and "ENCSR706IDL" in no_chip


def test_paging_with_limit_and_from(client):
    everything = client.search_raw([("type", "Experiment"), ("field", "accession"),
                                    ("sort", "accession"), ("limit", "all")])["@graph"]
    page = client.search_raw([("type", "Experiment"), ("field", "accession"),
                              ("sort", "accession"), ("limit", "5"), ("from", "10")])
    assert [h["accession"] for h in page["@graph"]] == \
        [h["accession"] for h in everything[10:15]]
    assert page["total"] == len(everything)


def test_every_collection_lists_its_items_in_any_frame(client):
    """/quality-metrics/ is encoded's abstract collection of every QualityMetric."""
    listing = client.get("/quality-metrics/", frame="object")
    assert listing["@type"] == ["QualityMetricCollection", "Collection"]
    assert listing["total"] > 50 and len(listing["@graph"]) == 25  # the default page
    assert all("QualityMetric" in qc["@type"] and "assay_term_id" in qc
               for qc in listing["@graph"] if "assay_term_name" in qc)
    datasets = client.get("/datasets/", frame="embedded")
    assert datasets["@graph"] and isinstance(datasets["@graph"][0]["lab"], dict)
    assert client.get("/experiments/", frame="object")["total"] >= 91


def test_query_parser_reads_the_lucene_subset():
    query = parse_query("date_released:[2020-01 TO 2020-12] -status:deleted")
    assert query.matches(lambda f: {"date_released": ["2020-12-31"], "status": ["released"]
                                    }.get(f or "", []))
    assert not query.matches(lambda f: {"date_released": ["2021-01-01"]}.get(f or "", []))
    assert not query.matches(lambda f: {"date_released": ["2020-06-01"],
                                        "status": ["deleted"]}.get(f or "", []))
