"""WGBS (gemBS): alignment, samtools stats, CpG methylation correlation between replicates.

The gemBS mapping report (``qc_report``) and the coverage QC (``calculate_average_coverage``)
are below the ``map`` bam. gemBS writes fractions where the portal wants percentages.
"""

from __future__ import annotations

from typing import Any

from encode_accession.qc.parsers import SAMTOOLS_STATS_NOT_ON_PORTAL, find_from
from encode_accession.qc.registry import Metric, QcContext, register

# gemBS report values the portal does not show (control sequences are not used by ENCODE)
GEMBS_NOT_ON_PORTAL = ("pct_reads_in_control_sequences", "pct_sequenced_reads",
                       "reads_in_control_sequences")


def _coverage_qc(ctx: QcContext) -> dict[str, Any]:
    uri = ctx.find_one("calculate_average_coverage", "average_coverage_qc", down=True).uri
    return ctx.read_json(uri)


@register("gembs_alignment")
def alignment(ctx: QcContext) -> Metric:
    report = ctx.read_json(ctx.find_one("qc_report", "portal_map_qc_json", down=True).uri)
    props: dict[str, Any] = {k: v for k, v in report.items() if k not in GEMBS_NOT_ON_PORTAL}
    props.update(_coverage_qc(ctx)["average_coverage"])
    props = {k: 100 * v if k.startswith("pct") else v for k, v in props.items()}
    props["mapq_plot"] = ctx.attachment(
        ctx.find_one("qc_report", "map_qc_mapq_plot_png", down=True).uri, "image/png")
    insert_size = ctx.find("qc_report", "map_qc_insert_size_plot_png", down=True)
    if insert_size:  # paired-end data only
        props["insert_size_plot"] = ctx.attachment(insert_size[0].uri, "image/png")
    return Metric("gembs-alignment-quality-metric", props)


@register("samtools_stats")
def samtools_stats(ctx: QcContext) -> Metric:
    stats = _coverage_qc(ctx)["samtools_stats"]
    return Metric("samtools-stats-quality-metric",
                  {k: v for k, v in stats.items() if k not in SAMTOOLS_STATS_NOT_ON_PORTAL})


@register("cpg_correlation")
def cpg_correlation(ctx: QcContext) -> Metric | None:
    """Only when the run had two replicates (the ``fastqs`` input, one entry per replicate);
    one object for both files."""
    if len(ctx.workflow.workflow_input("fastqs") or []) != 2:
        return None
    uri = ctx.find_one("calculate_bed_pearson_correlation", "bed_pearson_correlation_qc",
                       down=True).uri
    value = ctx.read_json(uri)["pearson_correlation"]["pearson_correlation"]
    return Metric("cpg-correlation-quality-metric", {"Pearson correlation": value}, shared=True)


def general_reads(ctx: QcContext) -> float:
    """WGBS prefers the file whose replicate's gemBS report counts the most reads; the report
    is below the ``map`` bam the file derives from."""
    bam = ctx.find_one("map", "bam")
    if bam.producer is None:
        raise LookupError(f"{bam.uri} has no producing map call")
    report = find_from(ctx, bam.producer, "qc_report", "portal_map_qc_json", down=True)
    return float(ctx.read_json(report.uri)["general_reads"])
