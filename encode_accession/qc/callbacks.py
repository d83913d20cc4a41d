"""File callbacks: steps-file names whose results are merged into a file's payload, and the
QC value that picks the ``preferred_default`` among files flagged ``maybe_preferred_default``.

Like QC builders they are pure functions of a :class:`QcContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .registry import QcContext

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
def peaks_preferred_default(ctx: QcContext) -> dict[str, Any]:
    """The peaks of the optimal set (from the qc_json), or of the pseudoreplicates of a
    single replicate, are the default the portal shows."""
    from .atac import qc_json  # ATAC and ChIP share this layout of qc_json

    task = ctx.call.task
    method = task.split("_")[0]
    if pipeline_replicates(ctx) == 1:
        return {"preferred_default": True} if task == f"{method}_pr" else {}
    optimal = qc_json(ctx)["replication"]["reproducibility"][method]["opt_set"]
    return {"preferred_default": True} if ctx.call.inputs.get("prefix") == optimal else {}


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
    task = "align_ctl" if ctx.call.task.endswith("ctl") else "align"
    log = ctx.find_one(task, "read_len_log")
    text = ctx.read_bytes(log.uri).decode().strip()
    try:
        return {"mapped_read_length": int(text)}
    except ValueError:
        raise ValueError(f"{log.uri}: expected a read length, found {text[:40]!r}") from None


@callback("add_mapped_run_type")
def mapped_run_type(ctx: QcContext) -> dict[str, Any]:
    from .atac import pipeline_replicate, qc_json

    paired = qc_json(ctx)["general"]["seq_endedness"][pipeline_replicate(ctx)]["paired_end"]
    if not isinstance(paired, bool):
        raise TypeError(f"qc_json general.seq_endedness.*.paired_end is not a boolean: {paired!r}")
    return {"mapped_run_type": "paired-ended" if paired else "single-ended"}


@callback("maybe_conservative_set")
def conservative_set(ctx: QcContext) -> dict[str, Any]:
    from .atac import qc_json

    conservative = qc_json(ctx)["replication"]["reproducibility"]["idr"]["consv_set"]
    if ctx.call.inputs.get("prefix") == conservative:
        return {"output_type": "conservative IDR thresholded peaks"}
    return {}


def aligned_reads(ctx: QcContext) -> float:
    """microRNA-seq: the file whose replicate aligned the most reads is preferred."""
    star_qc = ctx.find_one("star", "star_qc_json")
    return float(ctx.read_json(star_qc.uri)["aligned_reads"]["aligned_reads"])


# the QC value that ranks files flagged maybe_preferred_default, by pipeline family
PREFERRED_DEFAULT_VALUE: dict[str, Callable[[QcContext], float]] = {"mirna": aligned_reads}
