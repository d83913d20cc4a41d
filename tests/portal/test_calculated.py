"""Calculated properties on the portal's own workbook (../shared/fixtures/encoded-inserts):
for each, the value worked out by hand from encoded's function (named in the test) and the
value the local portal serves, in the object frame and where the embedded frame shows it.
"""

from __future__ import annotations

import json

import pytest

from encode_accession.localportal import LocalPortal
from encode_accession.localportal.ontology import load_ontology
from encode_accession.localportal.workbook import load_workbook
from encode_accession.portal import PortalClient

from .conftest import FAST, WORKBOOK_ADMIN, shared_fixture

# encoded ontology.json entries (generate_ontology's format) for the terms the tests read
ONTOLOGY = {
    "UBERON:0001891": {"name": "midbrain", "organs": ["brain"],
                       "systems": ["central nervous system"], "cells": [],
                       "developmental": ["ectoderm"], "synonyms": ["mesencephalon"]},
    "OBI:0001853": {"name": "DNase-seq", "preferred_name": "DNase-seq",
                    "assay": ["DNA accessibility"], "category": [], "types": [],
                    "objectives": []},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    inserts = shared_fixture("encoded-inserts")
    folder = tmp_path_factory.mktemp("calculated")
    portal = LocalPortal(folder / "p.sqlite", seed_demo=False)
    load_workbook(portal, inserts)
    (folder / "ontology.json").write_text(json.dumps(ONTOLOGY))
    load_ontology(portal.store, folder / "ontology.json")
    return PortalClient(f"local:{portal.db_path}", *WORKBOOK_ADMIN, **FAST)


def both(client: PortalClient, at_id: str) -> tuple[dict, dict]:
    return client.get(at_id, frame="object"), client.get(at_id, frame="embedded")


def test_file_replicates_follow_derived_from_back_to_the_raw_reads(served):
    """File.biological_replicates/technical_replicates: a file without a replicate gets the
    replicates of the files it derives from in its dataset (ENCFF001MXD <- ENCFF001MWZ rep
    1_1, ENCFF001MXA rep 2_1; ENCFF003MXD <- ENCFF001MXA only)."""
    obj, emb = both(served, "/files/ENCFF001MXD/")
    assert "replicate" not in obj
    assert obj["biological_replicates"] == emb["biological_replicates"] == [1, 2]
    assert obj["technical_replicates"] == ["1_1", "2_1"]
    assert obj["biological_replicates_formatted"] == "Rep 1, Rep 2"
    one = served.get("/files/ENCFF003MXD/", frame="object")
    assert one["biological_replicates"] == [2] and one["technical_replicates"] == ["2_1"]
    raw = served.get("/files/ENCFF001MXA/", frame="object")
    assert raw["biological_replicates"] == [2]  # from its own replicate


def test_file_donors_and_dataset_fields(served):
    """File.donors (through derived_from to the replicates' biosamples' donor) and the
    EMBEDDED_DATASET_FIELDS copies (assay_term_name, biosample_ontology, target)."""
    obj, emb = both(served, "/files/ENCFF001MXD/")
    assert obj["donors"] == ["/mouse-donors/ENCDO000MUS/"]
    assert obj["assay_term_name"] == "ChIP-seq" and obj["assay_title"] == "Histone ChIP-seq"
    assert obj["biosample_ontology"] == "/biosample-types/cell_line_EFO_0005233/"
    assert emb["biosample_ontology"]["term_id"] == "EFO:0005233"
    assert obj["target"] == "/targets/H3K4me3-mouse/"
    assert emb["target"]["label"] == "H3K4me3"
    assert obj["processed"] is True and obj["output_category"] == "signal"


def test_quality_metrics_get_the_assay_term_id_of_their_assay(served):
    """CalculatedAssayTermID.assay_term_id: assay_terms[assay_term_name]."""
    listing = served.search_raw([("type", "AtacAlignmentQualityMetric"), ("frame", "object"),
                                 ("limit", "all")])
    assert listing["@graph"]
    for qc in listing["@graph"]:
        assert qc["assay_term_name"] == "ATAC-seq" and qc["assay_term_id"] == "OBI:0002039"


def test_experiment_assay_title_replication_and_target_by_name(served):
    """CalculatedAssayTitle.assay_title: ChIP-seq with a histone target (linked by the
    inserts as `H3K4me3-mouse`) is Histone ChIP-seq; CalculatedReplicationType: a cell line
    with two biological replicates is isogenic."""
    obj, emb = both(served, "/experiments/ENCSR000ADI/")
    assert obj["target"] == "/targets/H3K4me3-mouse/"
    assert obj["assay_title"] == emb["assay_title"] == "Histone ChIP-seq"
    assert obj["assay_term_id"] == "OBI:0000716"
    assert obj["replication_type"] == "isogenic"
    assert obj["bio_replicate_count"] == 2 and obj["tech_replicate_count"] == 2
    assert obj["related_series"] == ["/experiment-series/ENCSR513DKU/",
                                     "/reference-epigenomes/ENCSR284DRW/"]
    tf = served.get("/experiments/ENCSR000DZQ/", frame="object")
    assert tf["assay_title"] == "TF ChIP-seq" and tf["target"] == "/targets/EBF1-human/"
    knockdown = served.get("/experiments/ENCSR000AEN/", frame="object")
    assert knockdown["assay_title"] == "shRNA RNA-seq"  # ntr_terms' preferred name


def test_experiment_biosample_summary_of_a_tissue(served):
    """CalculatedBiosampleSummary: organism, term name, then the classification (tissues add
    `sample_type`), then sex, life stage and age display of the donor."""
    obj, emb = both(served, "/experiments/ENCSR706IDL/")
    assert obj["biosample_summary"] == emb["biosample_summary"] == \
        "Homo sapiens midbrain tissue male adult (21 years)"
    assert obj["replication_type"] == "unreplicated"
    assert obj["perturbed"] is False


def test_experiment_biosample_summary_of_two_biosamples_and_perturbed(served):
    """construct_biosample_summary over an untreated and a treated biosample: the differing
    part joined with `and`, `not treated` for the one without; Experiment.perturbed: a
    treatment without a purpose perturbs."""
    obj = served.get("/experiments/ENCSR123MRN/", frame="object")
    assert obj["biosample_summary"] == ("Homo sapiens K562 not treated and treated with 60 nM "
                                        "dexamethasone (agonist) for 8 hours")
    assert obj["perturbed"] is True


def test_organ_and_system_slims_come_from_the_loaded_ontology(served):
    """BiosampleType.organ_slims/system_slims: registry['ontology'][term_id]; an unknown
    term has none. Assay slims likewise (CalculatedAssaySlims)."""
    emb = served.get("/experiments/ENCSR706IDL/", frame="embedded")
    assert emb["biosample_ontology"]["organ_slims"] == ["brain"]
    assert emb["biosample_ontology"]["system_slims"] == ["central nervous system"]
    assert emb["assay_slims"] == ["DNA accessibility"]
    cell_line = served.get("/biosample-types/cell_line_EFO_0005233/", frame="object")
    assert cell_line["organ_slims"] == [] and cell_line["name"] == "cell_line_EFO_0005233"


def test_biosample_fields_from_its_donor_and_its_summary(served):
    """Biosample.sex/age/life_stage (model organism fields for mice), age_display, summary."""
    obj = served.get("/biosamples/ENCBS024AAA/", frame="object")
    assert (obj["sex"], obj["age"], obj["age_units"], obj["life_stage"]) == \
        ("mixed", "14.5", "day", "embryonic")
    assert obj["age_display"] == "14.5 days"
    assert obj["summary"] == ("Mus musculus mixed sex embryo (14.5 days) embryonic facial "
                              "prominence tissue")
    assert obj["simple_summary"] == "mixed sex embryo (14.5 days)"
    assert obj["perturbed"] is False


def test_analysis_title_and_pipelines(served):
    """Analysis.title: the pipeline lab's pipelines under an ENCODE3 award read
    `ENCODE3 v<version> <assembly> <annotation>`; datasets from its files."""
    obj = served.get("/analyses/ENCAN050LQR/", frame="object")
    assert obj["title"] == "ENCODE3 v0.0.4 hg19 V19"
    assert obj["pipeline_labs"] == ["/labs/encode-processing-pipeline/"]
    assert obj["pipeline_award_rfas"] == ["ENCODE3"]
    assert obj["datasets"] == ["/experiments/ENCSR000AEN/"]
    custom = served.get("/analyses/ENCAN914ASY/", frame="object")  # files of no pipeline
    assert custom["pipeline_labs"] == [] and custom["title"].startswith("Lab custom v")


def test_steps_targets_and_publications(served):
    """AnalysisStep.current_version (highest minor version), Target.title (label and
    organism), Publication.publication_year and datasets (reverse of Dataset.references)."""
    step = served.get("/analysis-steps/signal-test-step-v-1/", frame="object")
    assert step["current_version"] == "/analysis-step-versions/signal-test-step-v-1-1/"
    assert step["name"] == "signal-test-step-v-1"
    target = served.get("/targets/CTCF-human/", frame="object")
    assert target["title"] == "CTCF (Homo sapiens)" and target["organism"] == "/organisms/human/"
    dzq = served.get("/experiments/ENCSR000DZQ/", frame="object")
    publication = served.get(dzq["references"][0], frame="object")
    assert publication["publication_year"] == 2012
    assert "/experiments/ENCSR000DZQ/" in publication["datasets"]
