"""Submitting through PortalClient: creation, conflicts, validation, auth, PATCH."""

from __future__ import annotations

import pytest

from encode_accession.localportal import load_objects
from encode_accession.localportal.demo import (
    DEMO_AWARD,
    DEMO_EXPERIMENT,
    DEMO_KEY_ID,
    PIPELINE_LAB,
    demo_md5,
)
from encode_accession.portal import (
    PortalAuthError,
    PortalConflict,
    PortalValidationError,
)

from .payloads import R1, R2, REPLICATE, bam, md5_of, step_run


def _errors(exc_info: pytest.ExceptionInfo) -> dict[str, str]:
    return dict(exc_info.value.errors)


def test_post_creates_an_uploading_file_with_a_test_accession(portal):
    created = portal.client.post("file", bam())
    assert created["status"] == "uploading"
    assert created["accession"].startswith("TSTFF") and len(created["accession"]) == 11
    assert created["@id"] == f"/files/{created['accession']}/"
    assert created["upload_credentials"]["upload_url"].endswith(
        f"/{created['uuid']}/{created['accession']}.bam")
    assert portal.client.get(created["@id"], database=True)["md5sum"] == md5_of("encode-awg:bam-1")


def test_post_accepts_collection_type_and_item_type_names(portal):
    ids = {portal.client.post(name, step_run(f"encode-awg:run-{i}"))["@id"]
           for i, name in enumerate(["analysis-step-runs", "AnalysisStepRun",
                                     "analysis_step_run"])}
    assert len(ids) == 3 and all(i.startswith("/analysis-step-runs/") for i in ids)


def test_post_with_an_existing_alias_returns_the_existing_object(portal):
    first = portal.client.post("file", bam())
    again = portal.client.post("file", bam(md5sum=md5_of("other content")))
    assert again["@id"] == first["@id"]
    assert len(portal.client.search("File", {"aliases": "encode-awg:bam-1"})) == 1


def test_conflict_on_a_key_the_client_cannot_look_up_raises_with_the_detail(portal):
    payload = {"dataset": DEMO_EXPERIMENT, "file_format": "fastq", "output_type": "reads",
               "md5sum": md5_of("another R2"), "file_size": 3, "run_type": "paired-ended",
               "paired_end": "2", "paired_with": R1, "platform": "/platforms/OBI%3A0002630/",
               "read_length": 50, "replicate": REPLICATE,
               "lab": "/labs/encode-awg/", "award": DEMO_AWARD}
    with pytest.raises(PortalConflict, match=r"Keys conflict: \[\('file:paired_with', "
                                             r"'/files/TSTFF000001/'\)\]"):
        portal.client.post("file", payload)


def test_422_lists_every_failed_field_with_its_path(portal):
    payload = bam(output_type="peakz", step_run="/analysis-step-runs/nope/", extra="x")
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", payload)
    errors = _errors(exc)
    assert errors["output_type"] == "'peakz' is not valid under any of the given schemas"
    assert errors["step_run"] == "'/analysis-step-runs/nope/' not found"
    assert "'extra' was unexpected" in errors["<object>"]
    assert "output_type: 'peakz'" in str(exc.value) and "step_run:" in str(exc.value)


def test_required_fields_enums_and_link_types_are_checked(portal):
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", bam(md5sum=None, dataset=R2, assembly="hg99"))
    errors = _errors(exc)
    # file.json: anyOf [required md5sum, required no_file_available]
    assert errors["<object>"].endswith("is not valid under any of the given schemas")
    assert errors["dataset"] == (
        f"{R2!r} is not of type 'Dataset'")
    assert errors["assembly"].startswith("'hg99' is not one of")


def test_file_dependencies_forbid_assembly_on_raw_reads_and_pair_filter_fields(portal):
    """file.json `dependencies`: assembly only on processed data; filter_type needs
    filter_value; mapped_* only on bam."""
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", bam(file_format="fastq", output_type="reads"))
    assert _errors(exc)["<object>"].endswith("is not valid under any of the given schemas")
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", bam(filter_type="mapping quality"))
    assert _errors(exc)["<object>"] == "'filter_value' is a required property"
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", bam(file_format="bed", file_format_type="narrowPeak",
                                       output_type="peaks", mapped_read_length=36))
    assert _errors(exc)["file_format"] == "'bed' is not one of ['bam']"


def test_admin_only_fields_need_import_items_permission(portal):
    payload = bam(status="released", accession="TSTFF123456",
                  uuid="5b1b3b5e-6a3d-4d7a-9d1e-3f0f7b1a2c3d")
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", payload)
    errors = _errors(exc)
    for field in ("status", "accession", "uuid"):
        assert errors[field] == "permission 'import_items' required"


def test_alias_prefix_must_be_a_lab_name_the_portal_lists(portal):
    """mixins.json `aliases`: the prefix is one of the portal's lab names, a fixed list."""
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("analysis_step_run", step_run("john-doe:run-1"))
    [(path, message)] = exc.value.errors
    assert path == "aliases.0" and message.startswith("'john-doe:run-1' does not match")
    assert portal.client.post("analysis_step_run", step_run("encode-awg:run-1"))["aliases"] == [
        "encode-awg:run-1"]


def test_lab_outside_submits_for_is_refused_naming_the_lab_and_key(portal):
    load_objects(portal.portal, {"@id": "/labs/other-lab/", "@type": ["Lab", "Item"],
                                 "name": "other-lab", "title": "Other Lab"})
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("file", bam(lab="/labs/other-lab/"))
    assert _errors(exc)["lab"] == "'/labs/other-lab/' is not in user submits_for"
    assert DEMO_KEY_ID in str(exc.value)


def test_non_json_write_gets_415(portal):
    response = portal.client._session.post(portal.client.server + "/files/", data="x=1",
                                           headers={"Content-Type": "text/plain"}, timeout=10)
    assert response.status_code == 415
    assert response.json()["detail"] == "text/plain is not 'application/json'"


def test_bad_or_missing_credentials_get_401_naming_only_the_key_id(portal):
    wrong = portal.other_client(DEMO_KEY_ID, "wrongsecretwrong")
    with pytest.raises(PortalAuthError) as exc:
        wrong.post("analysis_step_run", step_run())
    assert exc.value.status == 401 and DEMO_KEY_ID in str(exc.value)
    assert "wrongsecretwrong" not in str(exc.value)
    with pytest.raises(PortalAuthError):
        wrong.get(R1)
    anonymous = portal.other_client(None, None) if portal.kind == "http" else None
    if anonymous is not None:
        assert anonymous.get(R1)["@id"] == R1
        with pytest.raises(PortalAuthError, match="401"):
            anonymous.post("analysis_step_run", step_run())


def test_patching_a_released_object_is_forbidden(portal):
    with pytest.raises(PortalAuthError) as exc:
        portal.client.patch(R1, {"submitter_comment": "x"})
    assert exc.value.status == 403 and "'released'" in str(exc.value)


def test_adding_admin_types_is_forbidden_for_submitters(portal):
    with pytest.raises(PortalAuthError, match="403"):
        portal.client.post("lab", {"name": "new-lab", "title": "New lab"})


def test_patch_replaces_arrays_unless_extend_arrays(portal):
    created = portal.client.post("file", bam())
    extended = portal.client.patch(created["@id"], {"derived_from": [R2, R1]},
                                   extend_arrays=True)
    assert extended["derived_from"] == [R1, R2]
    replaced = portal.client.patch(created["accession"], {"derived_from": [R2]})
    assert replaced["derived_from"] == [R2]
    assert portal.client.get(created["@id"], database=True)["derived_from"] == [R2]


def test_patch_may_resend_admin_fields_unchanged(portal):
    created = portal.client.post("file", bam())
    patched = portal.client.patch(created["@id"], {"status": "uploading",
                                                   "submitter_comment": "ok"})
    assert patched["submitter_comment"] == "ok"
    with pytest.raises(PortalValidationError, match="import_items"):
        portal.client.patch(created["@id"], {"status": "released"})


def test_duplicate_md5_of_raw_reads_conflicts_and_returns_the_holder(portal):
    fastq = {"dataset": DEMO_EXPERIMENT, "file_format": "fastq", "output_type": "reads",
             "md5sum": demo_md5("rep1_R1.fastq.gz"), "file_size": 26, "run_type": "single-ended",
             "read_length": 50, "replicate": REPLICATE,
             "platform": "/platforms/OBI%3A0002630/", "lab": "/labs/encode-awg/",
             "award": DEMO_AWARD}
    assert portal.client.post("file", fastq)["@id"] == R1


def test_md5_rule_current_accepts_duplicate_processed_files(portal):
    first = portal.client.post("file", bam("encode-awg:bam-a", md5sum=md5_of("same")))
    second = portal.client.post("file", bam("encode-awg:bam-b", md5sum=md5_of("same")))
    assert first["@id"] != second["@id"]
    assert portal.client.get(f"md5:{md5_of('same')}")["@id"] == first["@id"]


def test_md5_rule_strict_conflicts_except_for_the_pipeline_lab(portal):
    portal.portal.md5_rule = "strict"
    first = portal.client.post("file", bam("encode-awg:bam-a", md5sum=md5_of("same")))
    response = portal.client._session.post(
        portal.client.server + "/files/",
        json=bam("encode-awg:bam-b", md5sum=md5_of("same")), timeout=10)
    assert response.status_code == 409
    assert response.json()["detail"] == f"Keys conflict: [('alias', 'md5:{md5_of('same')}')]"
    assert response.json()["@type"] == ["HTTPConflict", "Error"]
    assert portal.client.post("file", bam("encode-awg:bam-b", md5sum=md5_of("same")))["@id"] == \
        first["@id"]
    pipeline = portal.client.post("file", bam("encode-processing-pipeline:bam-c",
                                              md5sum=md5_of("same"), lab=PIPELINE_LAB))
    assert pipeline["@id"] != first["@id"]


def test_quality_metrics_link_back_from_their_files(portal):
    bam_file = portal.client.post("file", bam())
    run = portal.client.post("analysis_step_run", step_run())
    qc = portal.client.post("atac_alignment_quality_metric", {
        "step_run": run["@id"], "quality_metric_of": [bam_file["@id"]], "lab": "/labs/encode-awg/",
        "award": DEMO_AWARD, "assay_term_name": "ATAC-seq", "mapped_reads": 1000,
        "pct_mapped_reads": 98.5, "frac_mito_reads": 0.1})
    assert qc["@type"] == ["AtacAlignmentQualityMetric", "QualityMetric", "Item"]
    assert qc["@id"].startswith("/atac-alignment-quality-metrics/")
    assert portal.client.get(bam_file["@id"])["quality_metrics"] == [qc["@id"]]
    embedded = portal.client.get(bam_file["@id"], frame="embedded")
    assert embedded["quality_metrics"][0]["mapped_reads"] == 1000
    with pytest.raises(PortalValidationError) as exc:
        portal.client.post("star_quality_metric", {
            "step_run": run["@id"], "quality_metric_of": [], "lab": "/labs/encode-awg/",
            "award": DEMO_AWARD, "nested": {"not": "a metric value"}})
    errors = _errors(exc)
    assert errors["quality_metric_of"] in ("[] is too short", "[] should be non-empty")
    assert errors["<object>"] == "Additional properties are not allowed ('nested' was unexpected)"


def test_analysis_title_and_experiment_link(portal):
    """encoded Analysis.title: the file's step run -> analysis step -> pipeline of the
    pipeline lab under an ENCODE4 award: `ENCODE4 v<version> <assembly>`."""
    run = portal.client.post("analysis_step_run", step_run())
    bam_file = portal.client.post("file", bam(lab=PIPELINE_LAB, step_run=run["@id"],
                                              aliases=["encode-processing-pipeline:bam-1"]))
    analysis = portal.client.post("analysis", {
        "aliases": ["encode-processing-pipeline:wf-1"], "files": [bam_file["@id"]],
        "pipeline_version": "2.1.0", "lab": PIPELINE_LAB, "award": DEMO_AWARD})
    assert analysis["accession"].startswith("TSTAN")
    assert analysis["title"] == "ENCODE4 v2.1.0 GRCh38"
    assert analysis["pipelines"] == ["/pipelines/TSTPL000001/"]
    assert analysis["datasets"] == [DEMO_EXPERIMENT]
    portal.client.patch(DEMO_EXPERIMENT, {"analyses": [analysis["@id"]]}, extend_arrays=True)
    experiment = portal.client.get(DEMO_EXPERIMENT, frame="embedded")
    assert [a["@id"] for a in experiment["analyses"]] == [analysis["@id"]]
    assert bam_file["@id"] in [f["@id"] for f in experiment["files"]]
    assert portal.client.get(bam_file["@id"])["analyses"] == [analysis["@id"]]


def test_publications_resolve_by_identifier_and_embed_as_references(portal):
    publication = portal.client.post("publication", {
        "title": "A demo paper", "authors": "Demo Submitter", "identifiers": ["PMID:12345"],
        "date_published": "2024-02-01", "lab": "/labs/encode-awg/", "award": DEMO_AWARD})
    assert publication["published_by"] == ["ENCODE"] and publication["publication_year"] == 2024
    assert portal.client.get("PMID:12345")["@id"] == publication["@id"]
    portal.client.patch(DEMO_EXPERIMENT, {"references": ["PMID:12345"]})
    experiment = portal.client.get(DEMO_EXPERIMENT, frame="embedded")
    assert [r["title"] for r in experiment["references"]] == ["A demo paper"]


def test_bad_search_parameters_are_400_not_crashes(portal):
    response = portal.client._session.get(portal.client.server + "/search/",
                                          params={"type": "File", "from": "x"}, timeout=10)
    assert response.status_code == 400 and response.json()["detail"] == \
        "from must be an integer, not 'x'"
