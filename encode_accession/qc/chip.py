"""ChIP-seq: alignment, alignment enrichment, library complexity, replication, peak enrichment.

The ChIP pipeline writes the same global ``qc_json`` as ATAC (task ``qc_report``), indexed by
the pipeline replicate, which for ChIP includes the controls (``ctl1``, ``ctl2``...). Numbers
are cast to the portal's types because the pipeline may write a float as ``0``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from encode_accession.qc import atac
from encode_accession.qc.atac_chip import parent_fastqs, pipeline_replicate, qc_json
from encode_accession.qc.parsers import find_from
from encode_accession.qc.registry import Metric, QcContext, register

XCOR_INTEGERS = ("argmin_corr", "estimated_fragment_len", "phantom_peak", "subsampled_reads")
LIBRARY_FLOATS = ("NRF", "PBC1", "PBC2", "pct_duplicate_reads")


def _cast(values: dict[str, Any], floats: Callable[[str], bool]) -> dict[str, Any]:
    """Floats for the keys ``floats`` accepts, ints for the others, as the portal types them."""
    return {k: float(v) if floats(k) else int(v) for k, v in values.items()}


@register("chip_alignment")
def alignment(ctx: QcContext) -> Metric:
    qc, rep = qc_json(ctx)["align"], pipeline_replicate(ctx)
    stage = "unfiltered" if "unfiltered" in ctx.planned.spec.output_type else "filtered"
    samstat = qc["samstat" if stage == "unfiltered" else "nodup_samstat"][rep]
    props = {**_cast(samstat, lambda k: k.startswith("pct")), "processing_stage": stage}
    return Metric("chip-alignment-samstat-quality-metric", props)


def _cross_correlation_plot(ctx: QcContext) -> dict[str, str]:
    """The xcor plot is not below the filtered bam: it comes from the ``align_R1`` call that
    aligned the same R1 fastqs (read 1 only, for the cross-correlation)."""
    fastqs = parent_fastqs(ctx)
    starts = [c for c in ctx.workflow.tasks("align_R1")
              if sorted(c.inputs.get("fastqs_R1") or []) == fastqs]
    if len(starts) != 1:
        raise LookupError(f"expected one align_R1 call with the fastqs of {ctx.call.label}, "
                          f"found {len(starts)}")
    plot = find_from(ctx, starts[0], "xcor", "plot_pdf", down=True)
    return ctx.attachment(plot.uri, "application/pdf")


@register("chip_align_enrich")
def align_enrich(ctx: QcContext) -> Metric:
    qc, rep = qc_json(ctx)["align_enrich"], pipeline_replicate(ctx)
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
    qc, rep = qc_json(ctx), pipeline_replicate(ctx)
    values = {**qc["align"]["dup"][rep], **qc["lib_complexity"]["lib_complexity"][rep]}
    return Metric("chip-library-quality-metric", _cast(values, LIBRARY_FLOATS.__contains__))


@register("chip_replication")
def replication(ctx: QcContext) -> Metric:
    """Same rules as ATAC: the method (idr/overlap) is the peak file's own task's."""
    return Metric("chip-replication-quality-metric", atac.replication(ctx).properties)


@register("chip_peak_enrichment")
def peak_enrichment(ctx: QcContext) -> Metric:
    return Metric("chip-peak-enrichment-quality-metric", atac.peak_enrichment(ctx).properties)
