"""ChIP-seq: alignment, alignment enrichment, library complexity, replication, peak enrichment.

The ChIP pipeline writes the same global ``qc_json`` as ATAC (task ``qc_report``), indexed by
the pipeline replicate, which for ChIP includes the controls (``ctl1``, ``ctl2``...). Numbers
are cast to the portal's types because the pipeline may write a float as ``0``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import atac
from .parsers import find_from
from .registry import Metric, QcContext, register

# workflow inputs holding one pipeline replicate's R1 fastqs: fastqs_rep1_R1, ctl_fastqs_rep2_R1
_FASTQS_INPUT = re.compile(r"(ctl_)?fastqs_rep(\d+)_R1")
XCOR_INTEGERS = ("argmin_corr", "estimated_fragment_len", "phantom_peak", "subsampled_reads")
LIBRARY_FLOATS = ("NRF", "PBC1", "PBC2", "pct_duplicate_reads")


def align_task(ctx: QcContext) -> str:
    """Controls (``align_ctl``/``filter_ctl``) come from ``align_ctl``, the rest from ``align``."""
    return "align_ctl" if ctx.call.task.endswith("ctl") else "align"


def _parent_fastqs(ctx: QcContext) -> list[str]:
    return sorted(f.uri for f in ctx.find(align_task(ctx), "fastqs_R1", inputs=True))


def pipeline_replicate(ctx: QcContext) -> str:
    """``rep1``... or ``ctl1``...: the ``[ctl_]fastqs_repN_R1`` workflow input that holds the
    R1 fastqs this file was aligned from (the key of the file's QC in the qc_json)."""
    fastqs = _parent_fastqs(ctx)
    for key, value in ctx.workflow.inputs.items():
        match = _FASTQS_INPUT.fullmatch(key.rsplit(".", 1)[-1])
        if match and fastqs and isinstance(value, list) and sorted(value) == fastqs:
            return f"{'ctl' if match.group(1) else 'rep'}{match.group(2)}"
    raise LookupError(f"no [ctl_]fastqs_repN_R1 workflow input matches the fastqs of "
                      f"{ctx.call.label}")


def _cast(values: dict[str, Any], floats: Callable[[str], bool]) -> dict[str, Any]:
    """Floats for the keys ``floats`` accepts, ints for the others, as the portal types them."""
    return {k: float(v) if floats(k) else int(v) for k, v in values.items()}


@register("chip_alignment")
def alignment(ctx: QcContext) -> Metric:
    qc, rep = atac.qc_json(ctx)["align"], pipeline_replicate(ctx)
    stage = "unfiltered" if "unfiltered" in ctx.planned.spec.output_type else "filtered"
    samstat = qc["samstat" if stage == "unfiltered" else "nodup_samstat"][rep]
    props = {**_cast(samstat, lambda k: k.startswith("pct")), "processing_stage": stage}
    return Metric("chip-alignment-samstat-quality-metric", props)


def _cross_correlation_plot(ctx: QcContext) -> dict[str, str]:
    """The xcor plot is not below the filtered bam: it comes from the ``align_R1`` call that
    aligned the same R1 fastqs (read 1 only, for the cross-correlation)."""
    fastqs = _parent_fastqs(ctx)
    starts = [c for c in ctx.workflow.tasks("align_R1")
              if sorted(c.inputs.get("fastqs_R1") or []) == fastqs]
    if len(starts) != 1:
        raise LookupError(f"expected one align_R1 call with the fastqs of {ctx.call.label}, "
                          f"found {len(starts)}")
    plot = find_from(ctx, starts[0], "xcor", "plot_pdf", down=True)
    return ctx.attachment(plot.uri, "application/pdf")


@register("chip_align_enrich")
def align_enrich(ctx: QcContext) -> Metric:
    qc, rep = atac.qc_json(ctx)["align_enrich"], pipeline_replicate(ctx)
    props = _cast({**qc["xcor_score"][rep], **qc["jsd"][rep]},
                  lambda k: k not in XCOR_INTEGERS)
    props.update({
        "cross_correlation_plot": _cross_correlation_plot(ctx),
        "jsd_plot": ctx.attachment(ctx.find_one("jsd", "plot", down=True).uri, "image/png"),
        "gc_bias_plot": ctx.attachment(ctx.find_one("gc_bias", "gc_plot", down=True).uri,
                                       "image/png"),
    })
    return Metric("chip-alignment-enrichment-quality-metric", props)


@register("chip_library")
def library(ctx: QcContext) -> Metric:
    qc, rep = atac.qc_json(ctx), pipeline_replicate(ctx)
    values = {**qc["align"]["dup"][rep], **qc["lib_complexity"]["lib_complexity"][rep]}
    return Metric("chip-library-quality-metric", _cast(values, LIBRARY_FLOATS.__contains__))


@register("chip_replication")
def replication(ctx: QcContext) -> Metric:
    """Same rules as ATAC: the method (idr/overlap) is the peak file's own task's."""
    return Metric("chip-replication-quality-metric", atac.replication(ctx).properties)


@register("chip_peak_enrichment")
def peak_enrichment(ctx: QcContext) -> Metric:
    return Metric("chip-peak-enrichment-quality-metric", atac.peak_enrichment(ctx).properties)
