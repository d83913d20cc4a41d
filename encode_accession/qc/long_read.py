"""Long-read RNA-seq (TALON): mapping, genes detected, correlation between replicates.

The pipeline writes its numbers as strings in small JSON files; the portal wants an int read
count and a float mapping rate.
"""

from __future__ import annotations

from encode_accession.qc.registry import Metric, QcContext, register


def _flnc(mapping_qc: dict) -> int:
    return int(mapping_qc["full_length_non_chimeric_reads"]["flnc"])


@register("long_read_rna_mapping")
def mapping(ctx: QcContext) -> Metric:
    qc = ctx.read_json(ctx.output("mapping_qc"))
    return Metric("long-read-rna-mapping-quality-metric", {
        "full_length_non_chimeric_read_count": _flnc(qc),
        "mapping_rate": float(qc["mapping_rate"]["mapping_rate"]),
    })


@register("long_read_rna_quantification")
def quantification(ctx: QcContext) -> Metric:
    qc = ctx.read_json(ctx.output("number_of_genes_detected"))["number_of_genes_detected"]
    return Metric("long-read-rna-quantification-quality-metric",
                  {"genes_detected": int(qc["number_of_genes_detected"])})


@register("long_read_rna_correlation")
def correlation(ctx: QcContext) -> Metric | None:
    """Only between exactly two biological replicates; one object for both files."""
    if ctx.biological_replicates != 2:
        return None
    spearman = ctx.find_one("calculate_spearman", "spearman", down=True)
    value = ctx.read_json(spearman.uri)["replicates_correlation"]["spearman_correlation"]
    return Metric("correlation-quality-metric", {"Spearman correlation": value}, shared=True)


def full_length_reads(ctx: QcContext) -> float:
    """Long-read RNA-seq prefers the replicate with the most full-length non-chimeric reads."""
    return float(_flnc(ctx.read_json(ctx.find_one("minimap2", "mapping_qc").uri)))
