"""ATAC-seq: alignment, alignment enrichment, library complexity, replication, peak enrichment.

Values come from the pipeline's global ``qc_json`` (the ``qc_report`` task), indexed by the
pipeline replicate (``rep1``, ``rep2``) of the file; plots are attached as PNG data URIs.
"""

from __future__ import annotations

import re
from typing import Any

from encode_accession.qc.atac_chip import pipeline_replicate, qc_json
from encode_accession.qc.registry import Metric, QcContext, register

REPLICATION_KEYS = ("rescue_ratio", "self_consistency_ratio", "reproducibility")


def _paired_end(ctx: QcContext) -> bool:
    return ctx.call.inputs.get("paired_end") is True


def _plot(ctx: QcContext, task: str, key: str) -> dict[str, str]:
    return ctx.attachment(ctx.find_one(task, key, down=True).uri, "image/png")


@register("atac_alignment")
def alignment(ctx: QcContext) -> Metric:
    qc, rep = qc_json(ctx)["align"], pipeline_replicate(ctx)
    unfiltered = "unfiltered" in ctx.planned.spec.output_type
    props: dict[str, Any] = {"processing_stage": "unfiltered" if unfiltered else "filtered"}
    props.update(qc["samstat" if unfiltered else "nodup_samstat"][rep])
    props.update(qc["frac_mito"][rep])
    if _paired_end(ctx):
        props.update(qc["frag_len_stat"][rep])
    return Metric("atac-alignment-quality-metric", props)


@register("atac_align_enrich")
def align_enrich(ctx: QcContext) -> Metric:
    qc, rep = qc_json(ctx), pipeline_replicate(ctx)
    props: dict[str, Any] = {**qc["align_enrich"]["jsd"][rep],
                             **qc["align"]["frac_reads_in_annot"][rep],
                             "tss_enrichment": qc["align_enrich"]["tss_enrich"][rep]["tss_enrich"],
                             "jsd_plot": _plot(ctx, "jsd", "plot"),
                             "gc_bias_plot": _plot(ctx, "gc_bias", "gc_plot"),
                             "tss_enrichment_plot": _plot(ctx, "tss_enrich", "tss_large_plot")}
    if "fri_blacklist" in props:  # the portal renamed the property
        props["fri_exclusion_list"] = props.pop("fri_blacklist")
    return Metric("atac-alignment-enrichment-quality-metric", props)


@register("atac_library")
def library(ctx: QcContext) -> Metric:
    qc, rep = qc_json(ctx), pipeline_replicate(ctx)
    props: dict[str, Any] = {**qc["align"]["dup"][rep],
                             **qc["lib_complexity"]["lib_complexity"][rep]}
    if _paired_end(ctx):
        props["fragment_length_distribution_plot"] = _plot(ctx, "fraglen_stat_pe",
                                                           "fraglen_dist_plot")
    return Metric("atac-library-complexity-quality-metric", props)


def _method_and_set(ctx: QcContext) -> tuple[str, dict[str, Any], str]:
    """``idr`` or ``overlap`` (from the task name), its reproducibility QC, the file's set."""
    method = ctx.call.task.split("_")[0]
    return method, qc_json(ctx)["replication"]["reproducibility"][method], ctx.call.inputs["prefix"]


def _replicate_number(peak_set: str) -> str:
    """``12`` for ``rep12-pr1_vs_rep12-pr2`` (a replicate's own pseudoreplicates; older
    pipelines: ``rep12-pr``): every digit, as the qc_json's ``N12`` has them."""
    match = re.fullmatch(r"rep(\d+)", peak_set.split("-")[0])
    if match is None:
        raise LookupError(f"peak set prefix {peak_set!r} names no replicate (repN-...)")
    return match.group(1)


@register("atac_replication")
def replication(ctx: QcContext) -> Metric:
    method, qc, current = _method_and_set(ctx)
    task = ctx.call.task
    props: dict[str, Any] = {}
    if current == qc["opt_set"]:
        props.update({k: v for k, v in qc.items() if k in REPLICATION_KEYS})
    if task == f"{method}_ppr":
        props["reproducible_peaks"] = int(qc["Np"])
    elif task == method:
        props["reproducible_peaks"] = int(qc["Nt"])
    elif task == f"{method}_pr":
        props["reproducible_peaks"] = int(qc[f"N{_replicate_number(current)}"])
    if method == "idr":
        props["idr_cutoff"] = float(ctx.call.inputs["idr_thresh"])
        props["idr_dispersion_plot"] = ctx.attachment(ctx.output("idr_plot"), "image/png")
        props["idr_parameters"] = ctx.attachment(ctx.output("idr_log"), "text/plain", ".txt")
    return Metric("atac-replication-quality-metric", props)


@register("atac_peak_enrichment")
def peak_enrichment(ctx: QcContext) -> Metric:
    method, reproducibility, current = _method_and_set(ctx)
    qc = qc_json(ctx)
    frip = qc["peak_enrich"]["frac_reads_in_peaks"][method][current]["frip"]
    props: dict[str, Any] = {"frip": frip}
    if current == reproducibility["opt_set"]:
        props.update(qc["peak_stat"]["peak_region_size"][f"{method}_opt"])
    typed = {k: float(v) if k in ("mean", "frip") else int(v) for k, v in props.items()}
    return Metric("atac-peak-enrichment-quality-metric", typed)
