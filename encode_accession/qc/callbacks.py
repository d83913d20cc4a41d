"""File callbacks: steps-file names whose results are merged into a file's payload, and the
QC value that picks the ``preferred_default`` among files flagged ``maybe_preferred_default``.

Like QC builders they are pure functions of a :class:`QcContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from encode_accession.qc import long_read, rna, wgbs
from encode_accession.qc.atac_chip import (
    align_task,
    pipeline_replicate,
    qc_json,  # ATAC and ChIP share this layout of qc_json
)
from encode_accession.qc.dnase import nuclear_mapped_reads
from encode_accession.qc.hic import MAPQ_THRESHOLD
from encode_accession.qc.registry import QcContext
from encode_accession.qc.segway import always

Callback = Callable[[QcContext], dict[str, Any]]
CALLBACKS: dict[str, Callback] = {}


def callback(name: str) -> Callable[[Callback], Callback]:
    def add(fn: Callback) -> Callback:
        CALLBACKS[name] = fn
        return fn
    return add


def pipeline_replicates(ctx: QcContext) -> int:
    """Replicates the ATAC/ChIP pipeline ran with: non-empty ``fastqs_repN_R1`` inputs."""
    return sum(1 for key, value in ctx.workflow.inputs.items()
               if key.rsplit(".", 1)[-1].startswith("fastqs_rep") and key.endswith("_R1")
               and value)


@callback("maybe_preferred_default")
def preferred_default(ctx: QcContext) -> dict[str, Any]:
    """ATAC/ChIP peak calls compare two sets named by their ``prefix`` input; Hi-C calls
    have none and are chosen by their MAPQ threshold."""
    if "prefix" in ctx.call.inputs:
        return peaks_preferred_default(ctx)
    return hic_preferred_default(ctx)


def peaks_preferred_default(ctx: QcContext) -> dict[str, Any]:
    """The peaks of the optimal set (from the qc_json), or of the pseudoreplicates of a
    single replicate, are the default the portal shows."""
    task = ctx.call.task
    method = task.split("_")[0]
    if pipeline_replicates(ctx) == 1:
        return {"preferred_default": True} if task == f"{method}_pr" else {}
    optimal = qc_json(ctx)["replication"]["reproducibility"][method]["opt_set"]
    return {"preferred_default": True} if ctx.call.inputs.get("prefix") == optimal else {}


def _mapq(ctx: QcContext) -> Any:
    if "quality" not in ctx.call.inputs:
        raise LookupError(f"{ctx.call.label} has no 'quality' (MAPQ threshold) input")
    return ctx.call.inputs["quality"]


def hic_preferred_default(ctx: QcContext) -> dict[str, Any]:
    """Hi-C: the outputs of the MAPQ 30 map; eigenvectors say it by their filename suffix."""
    if ctx.call.task == "create_eigenvector":
        chosen = ctx.call.inputs.get("output_filename_suffix") == f"_{MAPQ_THRESHOLD}"
    else:
        chosen = _mapq(ctx) == MAPQ_THRESHOLD
    return {"preferred_default": True} if chosen else {}


@callback("maybe_preferred_default_bigwig")
def bigwig_preferred_default(ctx: QcContext) -> dict[str, Any]:
    task = ctx.call.task
    if task == "macs2_signal_track_pooled" or (
            task == "macs2_signal_track" and pipeline_replicates(ctx) == 1):
        return {"preferred_default": True}
    return {}


@callback("add_mapped_read_length")
def mapped_read_length(ctx: QcContext) -> dict[str, Any]:
    """From the read length log of the upstream align (or align_ctl) task."""
    log = ctx.find_one(align_task(ctx), "read_len_log")
    text = ctx.read_bytes(log.uri).decode().strip()
    try:
        return {"mapped_read_length": int(text)}
    except ValueError:
        raise ValueError(f"{log.uri}: expected a read length, found {text[:40]!r}") from None


@callback("add_mapped_run_type")
def mapped_run_type(ctx: QcContext) -> dict[str, Any]:
    """ChIP controls have their own entries (``ctl1``...) in the qc_json."""
    paired = qc_json(ctx)["general"]["seq_endedness"][pipeline_replicate(ctx)]["paired_end"]
    if not isinstance(paired, bool):
        raise TypeError(f"qc_json general.seq_endedness.*.paired_end is not a boolean: {paired!r}")
    return {"mapped_run_type": "paired-ended" if paired else "single-ended"}


@callback("maybe_conservative_set")
def conservative_set(ctx: QcContext) -> dict[str, Any]:
    conservative = qc_json(ctx)["replication"]["reproducibility"]["idr"]["consv_set"]
    if ctx.call.inputs.get("prefix") == conservative:
        return {"output_type": "conservative IDR thresholded peaks"}
    return {}


def _crop_inputs(ctx: QcContext) -> dict[str, Any]:
    """The first ``align`` call's inputs: the pipeline crops every replicate alike."""
    aligns = ctx.workflow.tasks("align")
    if not aligns:
        raise LookupError("the run has no align task to read crop_length from")
    return dict(aligns[0].inputs)


@callback("maybe_add_cropped_read_length")
def cropped_read_length(ctx: QcContext) -> dict[str, Any]:
    """ChIP: reads cropped before mapping (``crop_length``; 0 or absent: not cropped)."""
    crop = _crop_inputs(ctx).get("crop_length") or 0
    return {"cropped_read_length": crop} if crop else {}


@callback("maybe_add_cropped_read_length_tolerance")
def cropped_read_length_tolerance(ctx: QcContext) -> dict[str, Any]:
    inputs = _crop_inputs(ctx)
    tolerance = inputs.get("crop_length_tol")
    if not inputs.get("crop_length") or tolerance is None:
        return {}
    return {"cropped_read_length_tolerance": tolerance}


@callback("add_filter_value")
def filter_value(ctx: QcContext) -> dict[str, Any]:
    """Hi-C: files of a thresholded map carry its MAPQ threshold (filter_type: mapping quality)."""
    return {"filter_value": _mapq(ctx)}


@callback("maybe_update_output_type")
def thresholded_output_type(ctx: QcContext) -> dict[str, Any]:
    if _mapq(ctx) == MAPQ_THRESHOLD:
        return {"output_type": "mapping quality thresholded contact matrix"}
    return {}


def aligned_reads(ctx: QcContext) -> float:
    """microRNA-seq: the file whose replicate aligned the most reads is preferred."""
    star_qc = ctx.find_one("star", "star_qc_json")
    return float(ctx.read_json(star_qc.uri)["aligned_reads"]["aligned_reads"])


# the QC values that rank files flagged maybe_preferred_default, by the name a steps file
# gives as ``preferred_default_metric`` (the reference's get_preferred_default_qc_value)
PREFERRED_DEFAULT_VALUE: dict[str, Callable[[QcContext], float]] = {
    "aligned_reads": aligned_reads,  # microRNA-seq: STAR aligned reads
    "uniquely_mapped_reads": rna.uniquely_mapped_reads,  # bulk RNA-seq: STAR
    "full_length_non_chimeric_reads": long_read.full_length_reads,  # long-read RNA-seq
    "nuclear_mapped_reads": nuclear_mapped_reads,  # DNase-seq: nuclear flagstat mapped
    "general_reads": wgbs.general_reads,  # WGBS: gemBS report
    "any": always,  # Segway, diploidify: files of a kind are equal, any one is the default
}
