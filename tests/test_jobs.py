"""Accessioning jobs called directly (no Snakemake) against the in-process local portal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from encode_accession.demo import write_demo_run
from encode_accession.errors import InputError
from encode_accession.jobs import Run, duplicate_table, pipeline_version, preflight
from encode_accession.payloads import part_size
from encode_accession.portal.local import LocalPortal
from encode_accession.portal.local.loader import load_objects


@pytest.fixture
def run(tmp_path):
    metadata = write_demo_run(tmp_path / "run")
    return Run({"metadata": str(metadata), "pipeline": "atac", "lab": "encode-awg",
                "award": "DEMO-AWARD", "server": f"local:{tmp_path / 'portal.sqlite'}",
                "results": str(tmp_path / "results"), "force": False})


def another_labs_copy(run: Run, file_id: str, **props) -> dict:
    planned = run.plan.files[file_id]
    content = Path(planned.uri).read_bytes()
    return run.portal.post("file", {
        "aliases": ["encode-processing-pipeline:someone-elses-copy"],
        "dataset": "/experiments/TSTSR000001/", "file_format": planned.spec.file_format,
        "output_type": planned.spec.output_type, "assembly": "GRCh38",
        "md5sum": hashlib.md5(content).hexdigest(), "file_size": len(content),
        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/", **props})


def test_preflight_resolves_inputs_dataset_assembly_and_replicates(run):
    receipt = preflight(run)
    assert receipt["dataset"] == "/experiments/TSTSR000001/"
    assert receipt["assembly"] == "GRCh38"
    # from the portal file of the ATAC reference input ref_fa, as the reference tool reads it
    assert receipt["genome_annotation"] == "V29"
    assert receipt["biological_replicates"] == 2
    assert set(receipt["inputs"]) == set(run.plan.portal_inputs)
    assert all(i["@id"].startswith("/files/TSTFF") for i in receipt["inputs"].values())
    assert len(receipt["checksums"]) == len(run.plan.portal_inputs) + len(run.plan.files)
    assert receipt["duplicates"] == []


def test_preflight_stops_on_md5_duplicates_with_a_table_unless_forced(run):
    copy = another_labs_copy(run, "filter.0.nodup_bam")
    with pytest.raises(InputError) as err:
        preflight(run)
    message = err.value.message
    assert "File Path" in message and "Matching Portal Files" in message
    assert copy["@id"] in message and "set force: true" in message
    run.config["force"] = True
    assert [d["portal_file"] for d in preflight(run)["duplicates"]] == [copy["@id"]]


def test_files_from_an_earlier_run_of_this_workflow_are_not_duplicates(run):
    planned = run.plan.files["filter.0.nodup_bam"]
    content = Path(planned.uri).read_bytes()
    md5 = hashlib.md5(content).hexdigest()
    run.portal.post("file", {
        "aliases": [run.file_alias(planned, md5)], "dataset": "/experiments/TSTSR000001/",
        "file_format": "bam", "output_type": "alignments", "assembly": "GRCh38",
        "md5sum": md5, "file_size": len(content),
        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"})
    assert preflight(run)["duplicates"] == []


def test_replaced_revoked_and_deleted_matches_are_ignored(run, tmp_path):
    planned = run.plan.files["filter.1.nodup_bam"]
    content = Path(planned.uri).read_bytes()
    load_objects(LocalPortal(tmp_path / "portal.sqlite"), [{
        "@id": "/files/TSTFF900001/", "@type": ["File", "Item"], "accession": "TSTFF900001",
        "status": "deleted", "md5sum": hashlib.md5(content).hexdigest(),
        "dataset": "/experiments/TSTSR000001/", "file_format": "bam",
        "output_type": "alignments", "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"}])
    assert preflight(run)["duplicates"] == []


def test_a_missing_input_on_the_portal_is_named_with_its_md5(run, tmp_path):
    fastq = tmp_path / "run/inputs/rep2_R1.fastq.gz"
    fastq.write_bytes(b"not what the portal has\n")
    with pytest.raises(InputError, match=f"{fastq}: derived_from: no portal file has md5"):
        preflight(run)


def test_duplicate_table_has_the_reference_columns():
    table = duplicate_table([{"file": "gs://b/x.bam", "portal_file": "/files/ENCFF1/",
                              "status": "released", "dataset": "/experiments/ENCSR1/"}])
    header, row = table.splitlines()
    assert header.split(" | ")[0].strip() == "File Path"
    assert row.split(" | ")[1].strip() == "/files/ENCFF1/"


@pytest.mark.parametrize(("size", "mib"), [
    (1, 8), (100 * 2**30, 16), (200 * 2**30, 24), (10_000 * 8 * 2**20, 8),
    (10_000 * 8 * 2**20 + 1, 16)])
def test_upload_part_size_keeps_under_ten_thousand_parts(size, mib):
    assert part_size(size) == mib * 2**20
    assert -(-size // part_size(size)) <= 10_000


def test_pipeline_version_comes_from_the_wdl_meta_section():
    assert pipeline_version('meta {\n  version: "v2.1.3"\n}') == "2.1.3"
    assert pipeline_version("workflow x {}") is None


def test_an_upload_rerun_after_a_crash_verifies_instead_of_uploading_again(run):
    from encode_accession.jobs import accession_file, step_run, upload_file

    receipt = preflight(run)
    planned = run.plan.files["align.0.bam"]
    step = step_run(run, planned.step.rule)
    posted = accession_file(run, planned.id, receipt, step, {})
    assert posted["status"] == "uploading"
    first = upload_file(run, posted, timeout=5)
    assert first["uploaded"] and first["verified"] and first["status"] == "in progress"
    again = upload_file(run, posted, timeout=5)  # the receipt still says "uploading"
    assert not again["uploaded"] and again["verified"] and again["status"] == "in progress"


def test_each_pipeline_family_reads_its_genome_from_its_own_reference_input():
    """The reference input is data in each steps file (encode-accession-tool.md 1.12)."""
    from encode_accession.steps import RULES_DIR, load_steps

    def key(name: str) -> str | None:
        return load_steps(RULES_DIR / f"{name}.yaml").facts.reference_input

    assert key("atac") == key("tf_chip_pbam") == "ref_fa"
    assert key("bulk_rna_no_kallisto") == "index"
    assert key("dnase_starch_from_bam") == "hotspot2_tar_gz"
    assert key("dnase_no_footprints") == "references.nuclear_chroms_gz"
    assert key("hic_intact_low_contact") == "reference_index"
    assert all(load_steps(p).facts.reference_input for p in RULES_DIR.glob("*.yaml"))
