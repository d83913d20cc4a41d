"""The portal's own profiles judge payloads: the shipped snapshot, the local portal over HTTP and
a validator built straight from the portal's schemas folder agree on every payload."""

from __future__ import annotations

from typing import Any

import pytest

from encode_accession.localportal.validate import StoreLinks
from encode_accession.portal.profiles import Profiles, snapshot

from .conftest import shared_fixture
from .payloads import R1, REPLICATE, bam, md5_of, step_run

STEP_RUN_ALIAS = "encode-awg:step-run-1"
PLATFORM = "/platforms/OBI%3A0002630/"


def _fastq(**extra: Any) -> dict[str, Any]:
    payload = {"dataset": "/experiments/TSTSR000001/", "file_format": "fastq",
               "output_type": "reads", "md5sum": md5_of(repr(sorted(extra.items()))),
               "file_size": 10, "run_type": "single-ended", "read_length": 50,
               "replicate": REPLICATE, "platform": PLATFORM, "lab": "/labs/encode-awg/",
               "award": "/awards/DEMO-AWARD/"}
    return {k: v for k, v in {**payload, **extra}.items() if v is not None}


def _qc(**extra: Any) -> dict[str, Any]:
    return {"step_run": STEP_RUN_ALIAS, "quality_metric_of": [R1], "lab": "encode-awg",
            "award": "DEMO-AWARD", **extra}


def _doc(**extra: Any) -> dict[str, Any]:
    return {"aliases": ["encode-awg:doc-1"], "document_type": "workflow metadata",
            "lab": "encode-awg", "award": "DEMO-AWARD", **extra}


# (name, item_type, payload): valid and invalid, one rule each
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("bam valid", "file", bam()),
    ("bam with name links", "file", bam(lab="encode-awg", award="DEMO-AWARD")),
    ("bam derived_from by accession", "file", bam(derived_from=["TSTFF000001"])),
    ("bam derived_from by md5", "file", bam(derived_from=[f"md5:{md5_of('x')}"])),
    ("bam enum assembly", "file", bam(assembly="hg99")),
    ("bam unknown output_type", "file", bam(output_type="chromatin interactions")),
    ("bam output_type x format", "file", bam(output_type="peaks")),
    ("bed narrowPeak peaks", "file", bam(file_format="bed", file_format_type="narrowPeak",
                                         output_type="peaks")),
    ("bed without file_format_type", "file", bam(file_format="bed", output_type="peaks")),
    ("bigWig signal", "file", bam(file_format="bigWig", output_type="signal p-value")),
    ("hic contact matrix", "file", bam(file_format="hic", output_type="contact matrix")),
    ("4.8.4 chromatin interactions", "file", bam(file_format="hic",
                                                 output_type="chromatin interactions")),
    ("mapped_run_type on bam", "file", bam(mapped_run_type="single-ended",
                                           mapped_read_length=36)),
    ("mapped_read_length on bigWig", "file", bam(file_format="bigWig",
                                                 output_type="signal p-value",
                                                 mapped_read_length=36)),
    ("filter_type without value", "file", bam(filter_type="mapping quality")),
    ("filter pair", "file", bam(file_format="hic", output_type="contact matrix",
                                filter_type="mapping quality", filter_value=30)),
    ("pseudo_haplotype on vcf", "file", bam(file_format="vcf", output_type="variant calls",
                                            pseudo_haplotype="maternal")),
    ("pseudo_haplotype on bam", "file", bam(pseudo_haplotype="maternal")),
    ("md5sum pattern", "file", bam(md5sum="not-an-md5")),
    ("missing md5sum", "file", bam(md5sum=None)),
    ("missing lab", "file", bam(lab=None)),
    ("admin-only status", "file", bam(status="released")),
    ("admin-only accession", "file", bam(accession="TSTFF999999")),
    ("submitter status uploading", "file", bam(status="uploading")),
    ("notSubmittable-free extra property", "file", bam(title="x")),
    ("linkTo wrong type", "file", bam(dataset=R1)),
    ("linkTo not found", "file", bam(step_run="/analysis-step-runs/nope/")),
    ("alias of an unlisted lab", "file", bam(aliases=["john-doe:bam"])),
    ("fastq valid", "file", _fastq()),
    ("fastq without replicate", "file", _fastq(replicate=None)),
    ("fastq with assembly", "file", _fastq(assembly="GRCh38")),
    ("fastq paired without paired_end", "file", _fastq(run_type="paired-ended")),
    ("fastq paired_end 2 without pair", "file", _fastq(run_type="paired-ended",
                                                       paired_end="2")),
    ("step run valid", "analysis_step_run", step_run()),
    ("step run admin-only status", "analysis_step_run",
     step_run("encode-awg:step-run-2", status="released")),
    ("step run unknown key", "analysis_step_run", step_run("encode-awg:step-run-3", workflow="x")),
    ("atac qc valid", "atac_alignment_quality_metric", _qc(mapped_reads=10,
                                                           pct_mapped_reads=98.5)),
    ("atac qc unknown field", "atac_alignment_quality_metric", _qc(positions_with_two_reads=1)),
    ("atac qc number as string", "atac_alignment_quality_metric", _qc(mapped_reads="10")),
    ("atac qc empty quality_metric_of", "atac_alignment_quality_metric",
     _qc(quality_metric_of=[])),
    ("hotspot qc real keys", "hotspot_quality_metric", _qc(spot1_score=0.5)),
    ("hotspot qc 4.8.4 keys", "hotspot_quality_metric", _qc(**{"SPOT1 score": 0.5})),
    ("document valid", "document", _doc()),
    ("document wrong type enum", "document", _doc(document_type="workflow")),
    ("analysis valid", "analysis", {"files": [R1], "lab": "encode-awg", "award": "DEMO-AWARD",
                                    "pipeline_version": "2.1.0"}),
    ("analysis bad version", "analysis", {"files": [R1], "pipeline_version": "v2"}),
    ("analysis empty files", "analysis", {"files": []}),
]


@pytest.fixture(scope="module")
def portal_schemas() -> Profiles:
    return Profiles.load(shared_fixture("encoded-schemas"))


def test_shipped_snapshot_is_the_portal_schemas_compacted(portal_schemas):
    regenerated = snapshot(shared_fixture("encoded-schemas"))
    assert regenerated.schemas == Profiles.load().schemas
    file_props = Profiles.load().schema("file")["properties"]
    assert "description" not in file_props["md5sum"]  # prose dropped, rules kept
    assert file_props["md5sum"]["format"] == "hex"


@pytest.mark.parametrize("name,item_type,payload", CASES, ids=[c[0] for c in CASES])
def test_local_portal_and_the_portal_schemas_agree(http_portal, portal_schemas, name, item_type,
                                                   payload):
    """The local portal over HTTP answers 201 exactly when the validator built from the
    portal's schemas folder finds nothing, and with the same property paths and messages."""
    portal = http_portal
    links = StoreLinks(portal.portal.store, portal.portal.types)
    if item_type != "analysis_step_run" or name != "step run valid":
        portal.client.post("analysis_step_run", step_run(STEP_RUN_ALIAS))
    expected = sorted((".".join(str(p) for p in e.path) or "<object>", e.message)
                      for e in portal_schemas.problems(item_type, payload, links=links))
    response = portal.client._session.post(f"{portal.url}/{item_type}/", json=payload,
                                           timeout=30)
    if not expected:
        assert response.status_code == 201, response.text
        return
    assert response.status_code == 422, response.text
    got = sorted((".".join(str(p) for p in e["name"]) or "<object>", e["description"])
                 for e in response.json()["errors"])
    assert got == expected


def test_the_differential_covers_valid_and_invalid_payloads(portal_schemas):
    assert len(CASES) >= 40
    verdicts = {name: bool(portal_schemas.errors(t, p)) for name, t, p in CASES}
    assert sum(verdicts.values()) >= 20 and len(CASES) - sum(verdicts.values()) >= 8


@pytest.mark.parametrize("payload,message", [
    (bam(status="released"), "status: permission 'import_items' required"),
    (bam(output_type="chromatin interactions"),
     "output_type: 'chromatin interactions' is not valid under any of the given schemas"),
    (_qc(mapped_reads="10"), "mapped_reads: '10' is not of type 'integer'"),
    (bam(filter_type="mapping quality"), "'filter_value' is a required property"),
])
def test_errors_name_the_rule_offline(payload, message):
    item_type = "atac_alignment_quality_metric" if "mapped_reads" in payload else "file"
    assert message in Profiles.load().errors(item_type, payload)


def test_admins_may_set_admin_only_properties():
    assert Profiles.load().errors("file", bam(status="released"), submitter=False) == []


def test_profiles_document_has_every_type_with_identifying_properties(http_portal):
    import requests

    body = requests.get(f"{http_portal.url}/profiles/", timeout=30).json()
    assert body["@type"] == ["JSONSchemas"]
    assert "AtacAlignmentQualityMetric" in body["_subtypes"]["QualityMetric"]
    profiles = {k: v for k, v in body.items() if not k.startswith(("_", "@"))}
    assert {"File", "Experiment", "Lab", "Award", "AnalysisStepRun"} <= profiles.keys()
    # access_key.json is the one profile served here without them, on the portal too
    assert [n for n, p in profiles.items() if "identifyingProperties" not in p] == ["AccessKey"]
    assert profiles["File"]["properties"]["status"]["readonly"] is True
    reread = Profiles.load(f"{http_portal.url}/profiles/")
    assert reread.errors("file", bam()) == []


@pytest.mark.parametrize("path", [
    "/labs/encode-awg", "/labs/c7800764-53e3-58a5-8f4e-d193fc342d19/", "/TSTFF000001/",
    "/files/TSTFF000001", "/encode-awg:rep1_R1.fastq.gz"])
def test_non_canonical_paths_redirect_to_the_at_id(http_portal, path):
    import requests

    response = requests.get(http_portal.url + path, allow_redirects=False, timeout=30)
    assert response.status_code == 301
    assert response.headers["Location"] in ("/labs/encode-awg/", "/files/TSTFF000001/")


def test_links_resolve_by_name_accession_alias_uuid_and_md5(http_portal):
    client = http_portal.client
    first = client.post("file", bam(lab="encode-awg", award="DEMO-AWARD",
                                    derived_from=["TSTFF000001", "encode-awg:rep1_R2.fastq.gz",
                                                  f"md5:{client.get(R1)['md5sum']}"]))
    stored = client.get(first["@id"], database=True)
    assert stored["lab"] == "/labs/encode-awg/" and stored["award"] == "/awards/DEMO-AWARD/"
    assert stored["derived_from"] == ["/files/TSTFF000001/", "/files/TSTFF000002/"]


def test_experiment_embeds_file_platforms_as_encoded_does(http_portal):
    experiment = http_portal.client.get("/experiments/TSTSR000001/", frame="embedded")
    fastqs = [f for f in experiment["files"] if f.get("file_format") == "fastq"]
    assert fastqs and all(f["platform"]["@id"] == PLATFORM for f in fastqs)


def test_a_unique_key_taken_by_another_item_is_a_409(http_portal):
    """`uniqueKey` (aliases here) is the portal's, checked on the stored items."""
    import requests

    http_portal.client.post("analysis_step_run", step_run(STEP_RUN_ALIAS))
    response = requests.post(f"{http_portal.url}/analysis_step_run/",
                             json=step_run(STEP_RUN_ALIAS), auth=http_portal.client._session.auth,
                             timeout=30)
    assert response.status_code == 409
    assert response.json()["detail"] == f"Keys conflict: [('alias', '{STEP_RUN_ALIAS}')]"
