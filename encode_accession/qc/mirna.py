"""microRNA-seq: STAR mapping, aligned reads, expressed miRNAs, replicate correlation."""

from __future__ import annotations

from encode_accession.qc.registry import Metric, QcContext, register, string_to_number

STAR_TIMESTAMPS = ("Started job on", "Started mapping on", "Finished on")


def _star_qc(ctx: QcContext) -> dict:
    return ctx.read_json(ctx.output("star_qc_json"))


@register("star")
def star(ctx: QcContext) -> Metric:
    raw = _star_qc(ctx)["star_qc_metric"]
    props = {k: string_to_number(v) for k, v in raw.items() if k not in STAR_TIMESTAMPS}
    return Metric("star-quality-metric", props)


@register("mirna_mapping")
def mapping(ctx: QcContext) -> Metric:
    return Metric("micro-rna-mapping-quality-metric", dict(_star_qc(ctx)["aligned_reads"]))


@register("mirna_quantification")
def quantification(ctx: QcContext) -> Metric:
    return Metric("micro-rna-quantification-quality-metric",
                  dict(_star_qc(ctx)["expressed_mirnas"]))


@register("mirna_correlation")
def correlation(ctx: QcContext) -> Metric | None:
    """Only between exactly two biological replicates; one object for both files."""
    if ctx.biological_replicates != 2:
        return None
    spearman = ctx.find_one("spearman_correlation", "spearman_json", down=True)
    value = ctx.read_json(spearman.uri)["spearman_correlation"]["spearman_correlation"]
    return Metric("correlation-quality-metric", {"Spearman correlation": value}, shared=True)
