"""Bulk RNA-seq: STAR mapping, samtools flagstats, genes detected, MAD between replicates,
reads by gene type.

The ``align`` task writes the STAR log and both flagstats as JSON. The privacy-preserving
variant (``bulk_rna_pbam``) accessions redacted bams made from the ``align`` bams by the
``genome_pbam``/``anno_pbam`` tasks, so the QC is found upstream; their STAR metrics leave out
the mismatch and indel rates and neither metric carries an attachment, as the reference does.
"""

from __future__ import annotations

from typing import Any

from encode_accession.qc.mirna import STAR_TIMESTAMPS
from encode_accession.qc.registry import Metric, QcContext, register, string_to_number

# STAR per-base mismatch/indel rates, left out for redacted (pbam) alignments
STAR_SEQUENCE_DIFFERENCES = ("Deletion average length", "Deletion rate per base",
                             "Insertion average length", "Insertion rate per base",
                             "Mismatch rate per base, %")
FLAGSTAT_PERCENTAGES = ("mapped_pct", "paired_properly_pct", "singletons_pct")
# the gene types the portal's gene-type-quantification schema has properties for; the full
# counts stay available in the attached rna_qc JSON
GENE_TYPES = ("spikein", "rRNA", "Mt_rRNA", "miRNA", "protein_coding", "processed_transcript",
              "ribozyme", "sRNA", "scaRNA", "snRNA", "snoRNA", "antisense", "sense_overlapping",
              "sense_intronic")


def _redacted(ctx: QcContext) -> bool:
    return ctx.planned.spec.output_type.startswith("redacted")


def _json_attachment(ctx: QcContext, uri: str) -> dict[str, str]:
    return ctx.attachment(uri, "application/json")


def _star_log(ctx: QcContext) -> str:
    """The STAR log JSON of the ``align`` call this file comes from (or is)."""
    return ctx.find_one("align", "log_json").uri


@register("star_mapping_qc")
def star_mapping(ctx: QcContext) -> Metric:
    """One object for the genome and the transcriptome bam of a replicate (same STAR run)."""
    uri = _star_log(ctx)
    dropped = STAR_TIMESTAMPS + (STAR_SEQUENCE_DIFFERENCES if _redacted(ctx) else ())
    props: dict[str, Any] = {k: string_to_number(v)
                             for k, v in ctx.read_json(uri)["star_log_qc"].items()
                             if k not in dropped}
    if not _redacted(ctx):
        props["attachment"] = _json_attachment(ctx, uri)
    return Metric("star-quality-metric", props, shared=True)


def _flagstat(ctx: QcContext, filekey: str, section: str) -> Metric:
    uri = ctx.find_one("align", filekey).uri
    props: dict[str, Any] = dict(ctx.read_json(uri)[section])
    for key in FLAGSTAT_PERCENTAGES:  # the portal types them as strings
        if key in props:  # single-end runs have no pair percentages
            props[key] = str(props[key])
    if not _redacted(ctx):
        props["attachment"] = _json_attachment(ctx, uri)
    return Metric("samtools-flagstats-quality-metric", props)


@register("genome_flagstat_qc")
def genome_flagstat(ctx: QcContext) -> Metric:
    return _flagstat(ctx, "genome_flagstat_json", "samtools_genome_flagstat")


@register("anno_flagstat_qc")
def anno_flagstat(ctx: QcContext) -> Metric:
    return _flagstat(ctx, "anno_flagstat_json", "samtools_anno_flagstat")


@register("number_of_genes_detected_qc")
def genes_detected(ctx: QcContext) -> Metric:
    qc = ctx.read_json(ctx.output("number_of_genes"))["number_of_genes_detected"]
    return Metric("gene-quantification-quality-metric", dict(qc))


@register("mad_qc_metric")
def mad(ctx: QcContext) -> Metric | None:
    """The pipeline compares exactly two replicates; one object for both quantifications."""
    if ctx.biological_replicates != 2:
        return None
    metrics = ctx.find_one("mad_qc", "madQCmetrics", down=True)
    plot = ctx.find_one("mad_qc", "madQCplot", down=True)
    props = {**ctx.read_json(metrics.uri)["MAD.R"],
             "attachment": ctx.attachment(plot.uri, "image/png")}
    return Metric("mad-quality-metric", props, shared=True)


@register("reads_by_gene_type_qc")
def reads_by_gene_type(ctx: QcContext) -> Metric:
    uri = ctx.find_one("rna_qc", "rnaQC", down=True).uri
    counts = ctx.read_json(uri)["gene_type_count"]
    props: dict[str, Any] = {k: counts[k] for k in GENE_TYPES if k in counts}
    props["attachment"] = _json_attachment(ctx, uri)
    return Metric("gene-type-quantification-quality-metric", props)


def uniquely_mapped_reads(ctx: QcContext) -> float:
    """Bulk RNA-seq prefers the file whose replicate STAR mapped uniquely the most reads."""
    return float(int(ctx.read_json(_star_log(ctx))["star_log_qc"]["Uniquely mapped reads number"]))
