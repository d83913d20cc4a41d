"""Reading from the local portal through PortalClient: identifiers, frames, search."""

from __future__ import annotations

import pytest

from encode_accession.localportal.demo import (
    DEMO_EXPERIMENT,
    DEMO_FILE_NAMES,
    DEMO_LAB,
    DEMO_REFERENCE,
    demo_content,
    demo_md5,
)

R1 = "/files/TSTFF000001/"


def test_get_by_every_identifier_kind_returns_the_same_object(portal):
    by_id = portal.client.get(R1)
    assert by_id["accession"] == "TSTFF000001"
    for identifier in ("TSTFF000001", by_id["uuid"], "encode-awg:rep1_R1.fastq.gz",
                       f"md5:{demo_md5('rep1_R1.fastq.gz')}", f"/{by_id['uuid']}/"):
        assert portal.client.get(identifier)["@id"] == R1, identifier


def test_get_missing_object_returns_none(portal):
    assert portal.client.get("TSTFF999999") is None
    assert portal.client.get("md5:" + "0" * 32) is None
    assert portal.client.get("/files/nope/") is None


def test_non_canonical_path_redirects_301_keeping_the_query(http_portal):
    import requests

    response = requests.get(f"{http_portal.url}/TSTFF000001/?frame=object",
                            allow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/files/TSTFF000001/?frame=object")


def test_demo_inputs_have_the_md5_and_size_of_their_demo_content(portal):
    files = portal.client.search("File", {"submitted_file_name": list(DEMO_FILE_NAMES)})
    assert len(files) == len(DEMO_FILE_NAMES)
    for f in files:
        content = demo_content(f["submitted_file_name"])
        assert (f["md5sum"], f["file_size"]) == (demo_md5(f["submitted_file_name"]), len(content))
        assert f["status"] == "released"
        is_reads = f["output_type"] == "reads"
        assert f["dataset"] == (DEMO_EXPERIMENT if is_reads else DEMO_REFERENCE)


def test_object_frame_has_links_as_ids_and_calculated_properties(portal):
    obj = portal.client.get(R1)
    assert obj["dataset"] == DEMO_EXPERIMENT and obj["lab"] == DEMO_LAB
    assert obj["@type"] == ["File", "Item"]
    assert obj["title"] == "TSTFF000001"
    assert obj["href"] == "/files/TSTFF000001/@@download/TSTFF000001.fastq.gz"
    assert obj["output_category"] == "raw data"
    assert obj["biological_replicates"] == [1] and obj["technical_replicates"] == ["1_1"]


def test_embedded_experiment_expands_replicates_down_to_donor_organism(portal):
    exp = portal.client.get(DEMO_EXPERIMENT, frame="embedded")
    assert exp["assay_title"] == "ATAC-seq"
    assert exp["biosample_ontology"]["organ_slims"] == ["liver"]
    assert exp["lab"]["title"] == "Demo Lab, Local Portal"
    assert exp["award"]["rfa"] == "ENCODE4"
    assert [r["biological_replicate_number"] for r in exp["replicates"]] == [1, 2]
    biosample = exp["replicates"][0]["library"]["biosample"]
    assert biosample["organism"]["scientific_name"] == "Homo sapiens"
    assert biosample["donor"]["organism"]["scientific_name"] == "Homo sapiens"
    assert biosample["life_stage"] == "adult"
    assert {f["@id"] for f in exp["files"]} >= {R1}
    assert all(isinstance(f["quality_metrics"], list) for f in exp["files"])
    assert exp["replication_type"] == "isogenic"


def test_search_same_field_is_or_and_different_fields_are_and(portal):
    both = portal.client.search("File", {"submitted_file_name": ["rep1_R1.fastq.gz",
                                                                  "rep2_R1.fastq.gz"]})
    assert len(both) == 2
    narrowed = portal.client.search("File", [("submitted_file_name", "rep1_R1.fastq.gz"),
                                             ("submitted_file_name", "rep2_R1.fastq.gz"),
                                             ("replicate.biological_replicate_number", "2")])
    assert [f["submitted_file_name"] for f in narrowed] == ["rep2_R1.fastq.gz"]


DEMO_INPUTS = {"submitted_file_name": list(DEMO_FILE_NAMES)}


def test_search_negation_and_wildcards(portal):
    not_reads = portal.client.search("File", {**DEMO_INPUTS, "output_type!": "reads"})
    assert len(not_reads) == 3 and all(f["output_type"] != "reads" for f in not_reads)
    with_assembly = portal.client.search("File", {**DEMO_INPUTS, "assembly": "*"})
    assert {f["output_type"] for f in with_assembly} == {
        "genome index", "exclusion list regions", "chromosome sizes"}
    without_assembly = portal.client.search("File", {**DEMO_INPUTS, "assembly!": "*"})
    assert {f["output_type"] for f in without_assembly} == {"reads"}
    assert len(without_assembly) == 4


def test_search_filters_on_embedded_paths(portal):
    found = portal.client.search("Experiment", {
        "replicates.library.biosample.donor.organism.scientific_name": "Homo sapiens",
        "biosample_ontology.organ_slims": "liver", "lab.title": "Demo Lab, Local Portal"})
    assert [e["@id"] for e in found] == [DEMO_EXPERIMENT]
    assert portal.client.search("Experiment", {"biosample_ontology.organ_slims": "heart"}) == []


def test_search_fields_project_nested_paths(portal):
    [hit] = portal.client.search("File", {"accession": "TSTFF000003"},
                                 fields=["accession", "replicate.biological_replicate_number"])
    assert hit == {"@id": "/files/TSTFF000003/", "@type": ["File", "Item"],
                   "accession": "TSTFF000003", "replicate": {"biological_replicate_number": 2}}


def test_search_without_frame_returns_only_columns(portal):
    body = portal.client.search_raw({"type": "File", "accession": "TSTFF000001"})
    assert "md5sum" not in body["@graph"][0]
    assert body["@graph"][0]["output_type"] == "reads"


def test_search_pages_with_limit_and_from(portal):
    total = portal.client.search_raw({"type": "File"})["total"]
    assert total >= 7
    portal.client.page_size = 2
    paged = portal.client.search("File", limit=5)
    assert len(paged) == 5 and len({f["@id"] for f in paged}) == 5
    body = portal.client.search_raw([("type", "File"), ("limit", "3"), ("from", str(total - 1))])
    assert body["total"] == total and len(body["@graph"]) == 1
    assert body["all"].endswith("limit=all")
    everything = portal.client.search_raw({"type": "File", "limit": "all"})
    assert len(everything["@graph"]) == total and "all" not in everything


def test_search_facets_count_terms(portal):
    body = portal.client.search_raw({"type": "Experiment"})
    facets = {f["field"]: f for f in body["facets"]}
    organism = facets["replicates.library.biosample.donor.organism.scientific_name"]
    assert organism["title"] == "Organism"
    assert organism["terms"] == [{"key": "Homo sapiens", "doc_count": 1}]
    assert facets["biosample_ontology.organ_slims"]["title"] == "Organ"
    assert facets["assay_title"]["terms"][0] == {"key": "ATAC-seq", "doc_count": 1}
    assert {"field", "title", "terms", "total", "type"} <= set(organism)
    file_facets = {f["field"]: f for f in portal.client.search_raw({"type": "File"})["facets"]}
    assert {"key": "reads", "doc_count": 4} in file_facets["output_type"]["terms"]


def test_search_without_hits_is_an_empty_list_and_a_404_body(portal):
    assert portal.client.search("File", {"md5sum": "0" * 32}) == []
    body = portal.client.search_raw({"type": "File", "md5sum": "0" * 32})
    assert body["notification"] == "No results found" and body["total"] == 0


def test_search_with_unknown_type_is_rejected(portal):
    from encode_accession.portal import PortalError

    with pytest.raises(PortalError, match="Invalid types"):
        portal.client.search("Exp")


def test_profiles_are_served(portal):
    import requests

    if portal.kind == "local":
        session = portal.client._session
        schema = session.get(f"{portal.client.server}/profiles/file.json").json()
    else:
        schema = requests.get(f"{portal.url}/profiles/file.json", timeout=10).json()
    assert {"required": ["dataset", "file_format", "output_type", "award", "lab", "md5sum"]} \
        in schema["anyOf"]
    assert schema["identifyingProperties"] == ["uuid", "accession", "aliases"]
    assert "IDR thresholded peaks" in schema["properties"]["output_type"]["oneOf"][0]["enum"]
