"""Loading real portal exports (embedded frame) and reading them back."""

from __future__ import annotations

import json

import pytest

from encode_accession.core.errors import InputError
from encode_accession.localportal import load_file, load_objects

from .conftest import shared_fixture

EXPERIMENT = "/experiments/ENCSR416YFB/"


@pytest.fixture
def loaded(portal):
    path = shared_fixture("ENCSR416YFB_experiment_embedded.json")
    ids = load_file(portal.portal, path)
    return portal, json.loads(path.read_text()), ids


def test_every_nested_object_becomes_an_item(loaded):
    portal, original, ids = loaded
    assert EXPERIMENT in ids and len([i for i in ids if i.startswith("/files/")]) == 22
    assert portal.client.get("/genes/6294/")["symbol"] == "SAFB"
    assert portal.client.get("brenton-graveley:SAFB-BGHcLV09")["@id"] == EXPERIMENT
    assert portal.client.get("md5:9fdff194a5bb7657e979528ffa9a0cba")["@id"] == "/files/ENCFF168ZWJ/"
    assert portal.client.get("/platforms/OBI%3A0002630/")["term_name"] == "Illumina NovaSeq 6000"


def test_embedded_frame_reads_back_like_the_original(loaded):
    portal, original, _ = loaded
    ours = portal.client.get(EXPERIMENT, frame="embedded")
    scalars = {k: v for k, v in original.items() if not isinstance(v, (dict, list))}
    assert {k: ours.get(k) for k in scalars} == scalars
    assert ours["assay_title"] == "CRISPR RNA-seq"
    assert sorted(f["@id"] for f in ours["files"]) == sorted(f["@id"] for f in original["files"])
    assert ours["lab"]["title"] == "Brenton Graveley, UConn"
    assert "liver" in ours["biosample_ontology"]["organ_slims"]
    biosample = ours["replicates"][0]["library"]["biosample"]
    assert biosample["donor"]["organism"]["scientific_name"] == "Homo sapiens"
    bam = next(f for f in ours["files"] if f["@id"] == "/files/TSTFF891220/")
    star = next(q for q in bam["quality_metrics"] if "StarQualityMetric" in q["@type"])
    assert star["Uniquely mapped reads number"] == 36707818


def test_object_frame_keeps_links_as_ids(loaded):
    portal, _, _ = loaded
    bam = portal.client.get("/files/TSTFF891220/")
    assert bam["analysis_step_version"] == \
        "/analysis-step-versions/bulk-rna-seq-alignment-step-v-1-0/"
    assert all(q.startswith("/") for q in bam["quality_metrics"])
    assert bam["dataset"] == EXPERIMENT


def test_loaded_objects_are_searchable_with_facets(loaded):
    """As an admin: four of the export's in-progress files name an award it does not hold,
    so no viewing group may see them here (on the real portal ENCODE4 members may)."""
    portal, _, _ = loaded
    admin = portal.admin_client()
    body = admin.search_raw({"type": "Experiment", "assay_title": "CRISPR RNA-seq",
                             "control_type!": "*"})
    assert [e["@id"] for e in body["@graph"]] == [EXPERIMENT]
    facets = {f["field"]: f for f in body["facets"]}
    assert facets["target.label"]["terms"] == [{"key": "SAFB", "doc_count": 1}]
    quantifications = admin.search("File", {"dataset": EXPERIMENT,
                                            "output_type": "transcript quantifications"})
    assert len(quantifications) == 4


def test_loading_twice_changes_nothing(loaded):
    portal, original, ids = loaded
    before = portal.portal.store.count()
    assert load_objects(portal.portal, original) == ids
    assert portal.portal.store.count() == before


def test_objects_without_id_are_refused(tmp_path, portal):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"@type": ["Lab", "Item"], "name": "x"}]))
    with pytest.raises(InputError, match=r"bad.json: \[0\]: each object to load needs"):
        load_file(portal.portal, path)
