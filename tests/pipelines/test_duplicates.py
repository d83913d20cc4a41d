"""The steps format's ``possible_duplicate`` and ``derived_from_output_type`` take effect.

A run whose IDR optimal and conservative peak sets are identical (the pipelines write the
same peaks twice when one set is both): the same bytes are posted once, not refused by the
portal's md5 check. And when two portal files share an input's md5 (optimal and conservative
peaks of an earlier analysis), ``derived_from_output_type`` picks the one meant.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from encode_accession.accession.analysis import analysis
from encode_accession.accession.checksums import checksums
from encode_accession.accession.context import Run
from encode_accession.accession.preflight import preflight
from encode_accession.accession.runner import plan_run
from encode_accession.core.errors import InputError
from encode_accession.demo.synthetic import Options, synthetic_metadata
from encode_accession.localportal import LocalPortal, load_objects
from encode_accession.localportal.demo import DEMO_AWARD, DEMO_LAB
from encode_accession.planning.steps import load_steps
from encode_accession.run.state import FileReceipt, StepReceipt

from .test_accession import accession_steps, portal_objects

STEP_VERSION = "/analysis-step-versions/tf-chip-seq-idr-step-v-1-0/"


def peaks_file(filekey: str, output_type: str, parent: str, *, file_format: str = "bed",
               parent_type: str | None = None, duplicate: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "filekey": filekey, "file_format": file_format, "file_format_type": "narrowPeak",
        "output_type": output_type, "derived_from_files": [
            {"derived_from_task": parent.split(".")[0], "derived_from_filekey":
             parent.split(".")[1], **({"derived_from_output_type": parent_type}
                                      if parent_type else {})}]}
    return {**spec, "possible_duplicate": True} if duplicate else spec


def idr_steps(duplicates: bool) -> dict[str, Any]:
    """An IDR step writing optimal and conservative peaks (one task, two outputs), then their
    bigBeds; the conservative files are the possible duplicates."""
    def step(task: str, files: list[dict[str, Any]]) -> dict[str, Any]:
        return {"dcc_step_run": f"{task}-step", "dcc_step_version": STEP_VERSION,
                "wdl_task_name": task, "requires_replication": True, "wdl_files": files}

    return {"raw_fastqs_keys": ["fastqs"], "reference_input": "index", "accession.steps": [
        {"dcc_step_run": "align-step", "dcc_step_version": STEP_VERSION,
         "wdl_task_name": "align", "wdl_files": [{
             "filekey": "bam", "file_format": "bam", "output_type": "alignments",
             "derived_from_files": [
                 {"derived_from_task": "align", "derived_from_filekey": "fastqs",
                  "derived_from_inputs": True},
                 {"derived_from_task": "align", "derived_from_filekey": "index",
                  "derived_from_inputs": True}]}]},
        step("reproducibility", [
            peaks_file("optimal_peak", "IDR thresholded peaks", "align.bam"),
            peaks_file("conservative_peak", "conservative IDR thresholded peaks", "align.bam",
                       duplicate=duplicates)]),
        step("to_bigbed", [
            peaks_file("optimal_peak_bb", "IDR thresholded peaks",
                       "reproducibility.optimal_peak", file_format="bigBed",
                       parent_type="IDR thresholded peaks"),
            peaks_file("conservative_peak_bb", "conservative IDR thresholded peaks",
                       "reproducibility.conservative_peak", file_format="bigBed",
                       duplicate=duplicates)])]}


def identical_peaks_run(tmp_path: Path, steps_data: dict[str, Any]) -> Run:
    """The synthetic run of the steps, with the conservative files' bytes equal to the
    optimal ones, and a local portal holding the fastqs and the experiment."""
    steps_path = tmp_path / "idr.yaml"
    steps_path.write_text(yaml.safe_dump(steps_data, sort_keys=False))
    folder = tmp_path / "run"
    metadata = synthetic_metadata(load_steps(steps_path), Options(replicates=2, folder=folder))
    for task, optimal, conservative in (("reproducibility", "optimal_peak", "conservative_peak"),
                                        ("to_bigbed", "optimal_peak_bb", "conservative_peak_bb")):
        (call,) = metadata["calls"][f"{metadata['workflowName']}.{task}"]
        Path(call["outputs"][conservative]).write_bytes(
            Path(call["outputs"][optimal]).read_bytes())
    metadata_path = folder / "metadata.json"
    metadata_path.write_text(json.dumps(metadata))
    db = tmp_path / "portal.sqlite"
    run = plan_run(tmp_path / "results", {
        "metadata": str(metadata_path), "steps": str(steps_path), "server": f"local:{db}",
        "lab": "encode-awg", "award": "DEMO-AWARD", "replicated": True, "force": False})
    load_objects(LocalPortal(db), portal_objects(run.plan, "ChIP-seq"))
    return run


def files_of(steps: dict[str, StepReceipt]) -> dict[str, FileReceipt]:
    """The file receipts of step receipts, by planned file id."""
    return {f.id: f for step in steps.values() for f in step.files}


def posted_files(run: Run) -> list[dict[str, Any]]:
    return [f for f in run.portal.search("File", frame="object")
            if f.get("step_run")]  # posted by the run, not the inputs


def test_identical_optimal_and_conservative_peaks_are_posted_once(tmp_path):
    run = identical_peaks_run(tmp_path, idr_steps(duplicates=True))
    pre = preflight(run, checksums(run).checksums)
    assert pre.same_as == {"reproducibility.conservative_peak": "reproducibility.optimal_peak",
                              "to_bigbed.conservative_peak_bb": "to_bigbed.optimal_peak_bb"}
    receipts = files_of(accession_steps(run, pre))

    assert receipts["reproducibility.conservative_peak"].portal_id == \
        receipts["reproducibility.optimal_peak"].portal_id
    assert receipts["reproducibility.conservative_peak"].duplicate_of == \
        "reproducibility.optimal_peak"
    peaks = [f for f in posted_files(run) if f["file_format"] in ("bed", "bigBed")]
    assert sorted((f["file_format"], f["output_type"]) for f in peaks) == [
        ("bed", "IDR thresholded peaks"), ("bigBed", "IDR thresholded peaks")]
    bigbed = next(f for f in peaks if f["file_format"] == "bigBed")
    assert bigbed["derived_from"] == [receipts["reproducibility.optimal_peak"].portal_id]
    result = analysis(run, pre, list(receipts.values()))
    assert len(result.files) == len(set(result.files)) == 2 + 2  # 2 bams, bed, bigBed


def test_identical_files_of_a_task_without_possible_duplicate_stop_the_preflight(tmp_path):
    run = identical_peaks_run(tmp_path, idr_steps(duplicates=False))
    with pytest.raises(InputError) as refused:
        preflight(run, checksums(run).checksums)
    message = refused.value.message
    assert "accession.steps[1].wdl_files[1]" in message and "possible_duplicate: true" in message
    assert posted_files(run) == []


def input_peaks_steps(parent_type: str) -> dict[str, Any]:
    """A bigBed made from peaks the run takes as an input (a file already on the portal)."""
    return {"raw_fastqs_keys": ["fastqs"], "accession.steps": [{
        "dcc_step_run": "to-bigbed-step", "dcc_step_version": STEP_VERSION,
        "wdl_task_name": "to_bigbed", "wdl_files": [{
            "filekey": "peaks_bb", "file_format": "bigBed", "file_format_type": "narrowPeak",
            "output_type": "IDR thresholded peaks", "derived_from_files": [
                {"derived_from_task": "to_bigbed", "derived_from_filekey": "fastqs",
                 "derived_from_inputs": True},
                {"derived_from_task": "to_bigbed", "derived_from_filekey": "peaks",
                 "derived_from_inputs": True, "derived_from_output_type": parent_type}]}]}]}


def input_peaks_run(tmp_path: Path, parent_type: str) -> Run:
    """The synthetic run of :func:`input_peaks_steps`, planned, with a portal holding its
    fastqs and experiment but not its input peaks (the test puts those there)."""
    steps_path = tmp_path / "peaks.yaml"
    steps_path.write_text(yaml.safe_dump(input_peaks_steps(parent_type), sort_keys=False))
    folder = tmp_path / "run"
    metadata = synthetic_metadata(load_steps(steps_path), Options(replicates=1, folder=folder))
    (folder / "metadata.json").write_text(json.dumps(metadata))
    db = tmp_path / "portal.sqlite"
    run = plan_run(tmp_path / "results", {
        "metadata": str(folder / "metadata.json"), "steps": str(steps_path),
        "server": f"local:{db}", "lab": "encode-awg", "award": "DEMO-AWARD", "force": False})
    load_objects(LocalPortal(db), [o for o in portal_objects(run.plan, "ChIP-seq")
                                   if "peaks" not in o.get("submitted_file_name", "")])
    return run


def same_md5_peaks_on_the_portal(run: Run) -> dict[str, str]:
    """Two portal files with the run's input peaks' md5: output type -> @id."""
    (uri,) = [f.uri for f in run.plan.workflow.files.values() if "peaks" in f.keys]
    content = Path(uri).read_bytes()
    files = {}
    for n, output_type in enumerate(("IDR thresholded peaks",
                                     "conservative IDR thresholded peaks")):
        accession = f"TSTFF80000{n}"
        files[output_type] = f"/files/{accession}/"
        load_objects(LocalPortal(run.settings.server.removeprefix("local:")), [{
            "@id": f"/files/{accession}/", "@type": ["File", "Item"], "accession": accession,
            "md5sum": hashlib.md5(content).hexdigest(), "file_size": len(content),
            "dataset": "/experiments/TSTSR100001/", "file_format": "bed",
            "file_format_type": "narrowPeak", "output_type": output_type,
            "assembly": "GRCh38", "status": "released", "lab": DEMO_LAB, "award": DEMO_AWARD}])
    return files


@pytest.mark.parametrize("wanted", ["conservative IDR thresholded peaks",
                                    "IDR thresholded peaks"])
def test_derived_from_output_type_picks_which_same_md5_parent_is_meant(tmp_path, wanted):
    run = input_peaks_run(tmp_path, wanted)
    peaks = same_md5_peaks_on_the_portal(run)
    pre = preflight(run, checksums(run).checksums)
    (receipt,) = files_of(accession_steps(run, pre)).values()
    posted = run.portal.get(receipt.portal_id, database=True)
    assert peaks[wanted] in posted["derived_from"]
    assert set(peaks.values()) - {peaks[wanted]} & set(posted["derived_from"]) == set()


def test_derived_from_output_type_no_parent_has_is_one_clear_error(tmp_path):
    run = input_peaks_run(tmp_path, "pseudoreplicated peaks")
    same_md5_peaks_on_the_portal(run)
    pre = preflight(run, checksums(run).checksums)
    with pytest.raises(InputError, match="derived_from_output_type.*pseudoreplicated peaks"):
        accession_steps(run, pre)
