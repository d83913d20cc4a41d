"""Portal JSON -> tracker rows (pure), identifiers, and raw metadata trimming."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import synthetic_collection as synthetic

from encode_accession.core.errors import InputError
from encode_accession.tracker import extract, identifiers
from encode_accession.tracker.identifiers import experiment_accession, reference_id
from encode_accession.tracker.records import Software

PORTAL = "https://www.encodeproject.org"


@pytest.fixture(scope="module")
def experiments() -> list[dict]:
    return synthetic.sample_experiments(30, seed=3)


def software_map() -> dict[str, Software]:
    return {v["@id"]: extract.software_from_version(v) for v in synthetic.software_versions()}


def test_a_synthetic_experiment_becomes_its_rows(experiments: list[dict]) -> None:
    obj = experiments[0]
    record = extract.tracked_experiment(obj, portal_url=PORTAL, software=software_map())
    exp = record.experiment
    assert exp.accession == obj["accession"]
    assert exp.assay_title == "Histone ChIP-seq" and exp.target == obj["target"]["label"]
    assert exp.organism == ("Homo sapiens",)
    assert "pancreas" in exp.organ and exp.biosample_type == "tissue"
    assert exp.lab == obj["lab"]["@id"] and exp.lab_title == obj["lab"]["title"]
    assert exp.award == obj["award"]["@id"]
    assert exp.award_title == obj["award"].get("title", obj["award"]["name"])
    assert exp.url == f"{PORTAL}/experiments/{obj['accession']}/"
    assert json.loads(exp.raw.text) == obj and not exp.raw.trimmed
    (pipeline,) = record.pipelines
    assert pipeline.pipeline_title == "Histone ChIP-seq 2"
    assert pipeline.version == obj["analyses"][0]["pipeline_version"]
    assert {s.name for s in pipeline.software} == {"BWA", "MACS2"}
    qc_files = {f["accession"] for f in obj["files"] if f["quality_metrics"]}
    assert {q.file_accession for q in record.quality_metrics} == qc_files
    assert all("quality_metric_of" not in q.metric_data for q in record.quality_metrics)
    pmids = {p.pmid for p in record.publications}
    assert "32728249" in pmids
    refs = {(r.reference_type, r.reference_id) for r in record.references}
    assert ("pmid", "32728249") in refs and ("doi", "10.1038/s41586-020-2493-4") in refs
    geo = {x.removeprefix("GEO:") for x in obj["dbxrefs"]}
    assert {i for t, i in refs if t == "geo_accession"} == geo


def test_mouse_experiments_take_the_organism_from_the_biosamples(experiments: list[dict]) -> None:
    mouse = next(e for e in experiments if e["assembly"] == ["mm10"])
    exp = extract.experiment_row(mouse, portal_url=PORTAL)
    assert exp.organism == ("Mus musculus",) and exp.assembly == ("mm10",)


def test_authors_are_kept_to_the_first_ten_with_the_total() -> None:
    pub = extract.publication_row(synthetic._publication(synthetic.PUBLICATIONS[0]))
    assert len(pub.authors) == 10 and pub.author_count == 18
    assert pub.authors[0] == "ENCODE Project Consortium" and pub.year == 2020
    assert extract.split_authors("Smith J, Doe J, and Roe R, et al.") == \
        ["Smith J", "Doe J", "Roe R"]


def test_preprint_dois_are_biorxiv_references() -> None:
    obj = {"accession": "ENCSR000AAA", "references": [
        synthetic._publication(synthetic.PUBLICATIONS[4])]}
    refs = extract.reference_rows(obj, extract.publication_rows(obj))
    assert [(r.reference_type, r.reference_id) for r in refs] == \
        [("biorxiv_doi", "10.1101/2023.05.01.538990")]


def test_a_cold_spring_harbor_journal_doi_is_a_journal_doi_not_a_preprint() -> None:
    """Genome Research shares bioRxiv's 10.1101 registrant: the journal decides."""
    obj = {"accession": "ENCSR000AAA", "references": [
        synthetic._publication(synthetic.PUBLICATIONS[3])]}
    refs = extract.reference_rows(obj, extract.publication_rows(obj))
    assert ("doi", "10.1101/gr.270001.120") in [(r.reference_type, r.reference_id)
                                                for r in refs]
    assert not any(r.reference_type == "biorxiv_doi" for r in refs)


def test_preprint_is_read_from_the_journal_or_an_arxiv_id() -> None:
    assert identifiers.is_preprint("bioRxiv") and identifiers.is_preprint("medRxiv")
    assert identifiers.is_preprint(None, ["2101.01234"])
    assert not identifiers.is_preprint("Genes & Development", ["doi:10.1101/gad.1"])
    assert not identifiers.is_preprint(None, ["doi:10.1101/2023.05.01.538990"])


def test_lab_and_award_are_portal_identifiers_with_titles() -> None:
    exp = extract.experiment_row(synthetic.sample_experiments(1, seed=3)[0], portal_url=PORTAL)
    assert exp.lab.startswith("/labs/") and exp.lab.endswith("/") and exp.lab_title
    assert exp.award.startswith("/awards/") and exp.award_title
    assert not exp.lab_title.startswith("/")


def test_the_real_portal_experiment(real_experiment_path: Path) -> None:
    obj = json.loads(real_experiment_path.read_text())
    record = extract.tracked_experiment(obj, portal_url=PORTAL)
    exp = record.experiment
    assert (exp.accession, exp.assay_title, exp.target) == ("ENCSR416YFB", "CRISPR RNA-seq",
                                                            "SAFB")
    assert exp.organism == ("Homo sapiens",) and exp.biosample == "HepG2"
    assert exp.life_stage == ("child",) and exp.replication_type == "isogenic"
    assert "liver" in exp.organ and exp.lab_title == "Brenton Graveley, UConn"
    assert exp.lab == "/labs/brenton-graveley/"
    assert len(record.quality_metrics) == 14
    assert {q.metric_type for q in record.quality_metrics} >= {"StarQualityMetric"}
    assert [p.pipeline_title for p in record.pipelines] == ["Bulk RNA-seq"]
    assert len(extract.software_version_refs(obj)) == 6
    assert not exp.raw.trimmed


def test_raw_metadata_over_the_limit_keeps_a_documented_subset(experiments: list[dict]) -> None:
    obj = experiments[1]
    whole = len(json.dumps(obj, separators=(",", ":")).encode())
    raw = extract.fit_raw_metadata(obj, limit=whole // 2)
    kept = json.loads(raw.text)
    assert raw.trimmed and raw.original_bytes >= whole - 10
    assert set(kept) <= set(extract.RAW_SUBSET) and kept["accession"] == obj["accession"]
    assert {"files", "replicates"} <= set(raw.dropped)
    assert len(raw.text.encode()) <= whole // 2


def test_even_the_subset_is_trimmed_largest_key_first(experiments: list[dict]) -> None:
    obj = copy.deepcopy(experiments[1])
    obj["description"] = "x" * 5000
    raw = extract.fit_raw_metadata(obj, limit=3000)
    kept = json.loads(raw.text)
    assert "description" in raw.dropped and kept["@id"] == obj["@id"]
    assert len(raw.text.encode()) <= 3000


def test_a_series_is_refused_with_what_it_is_and_its_experiments() -> None:
    series = {"@type": ["ReferenceEpigenome", "Series", "Dataset", "Item"],
              "accession": "ENCSR999SER",
              "related_datasets": ["/experiments/ENCSR000AAA/", "/experiments/ENCSR000AAB/"]}
    with pytest.raises(InputError) as err:
        extract.ensure_experiment(series, "ENCSR999SER")
    assert "is a ReferenceEpigenome" in err.value.message
    assert "only experiments can be tracked" in err.value.message
    assert "ENCSR000AAA, ENCSR000AAB" in err.value.message


@pytest.mark.parametrize(("text", "what"), [
    ("ENCFF123ABC", "a file accession"), ("ENCBS000AAA", "a biosample accession"),
    ("ENCDO111XYZ", "a donor accession"), ("ENCAN222AAA", "an analysis accession"),
    ("not-an-accession", "is not an ENCODE accession"),
])
def test_non_experiment_accessions_are_refused_before_any_request(text: str, what: str) -> None:
    with pytest.raises(InputError, match=what):
        experiment_accession(text)


def test_experiment_accessions_are_accepted_in_several_spellings() -> None:
    for text in ("ENCSR000AKS", "encsr000aks", "/experiments/ENCSR000AKS/",
                 "https://www.encodeproject.org/experiments/ENCSR000AKS/", "TSTSR123456"):
        assert experiment_accession(text) in ("ENCSR000AKS", "TSTSR123456")


@pytest.mark.parametrize(("kind", "given", "canonical"), [
    ("pmid", "PMID:22955616", "22955616"), ("doi", "https://doi.org/10.1038/NATURE11247",
                                           "10.1038/nature11247"),
    ("doi", "doi:10.1038/nature11247", "10.1038/nature11247"),
    ("biorxiv_doi", "10.1101/2023.05.01.538990", "10.1101/2023.05.01.538990"),
    ("geo_accession", "gse12345", "GSE12345"), ("nct_id", "NCT01234567", "NCT01234567"),
    ("dbgap", "PHS000424.v8.p2", "phs000424.v8.p2"),
])
def test_reference_ids_are_normalised(kind: str, given: str, canonical: str) -> None:
    assert reference_id(kind, given) == canonical


@pytest.mark.parametrize(("kind", "given"), [
    ("pmid", "abc"), ("doi", "nature11247"), ("geo_accession", "SRR123"),
    ("nct_id", "NCT123"), ("dbgap", "phs42"), ("biorxiv_doi", "10.1038/x"), ("arxiv", "1"),
])
def test_malformed_reference_ids_are_input_errors(kind: str, given: str) -> None:
    with pytest.raises(InputError):
        reference_id(kind, given)
