"""DNase-seq: flagstats, samtools stats, trimming, duplication, hotspot1/hotspot2 scores,
alignment attachments (insert sizes, preseq), footprints, peak counts.

The ``dnase_replicate`` task returns one ``analysis`` struct: the files plus ``analysis.qc``
with one section per file kind (``unfiltered_bam_qc``, ``nuclear_bam_qc``, ``peaks_qc``,
``footprints_qc``) holding text QC files and plain counts.
"""

from __future__ import annotations

from typing import Any

from encode_accession.qc.parsers import (
    SAMTOOLS_STATS_NOT_ON_PORTAL,
    parse_flagstat,
    parse_hotspot1_spot_score,
    parse_picard_duplication,
    parse_samtools_stats,
    text_attachment,
)
from encode_accession.qc.registry import Metric, QcContext, register

UNFILTERED, NUCLEAR = "unfiltered_bam_qc", "nuclear_bam_qc"
PEAKS, FOOTPRINTS = "peaks_qc", "footprints_qc"


def qc_value(ctx: QcContext, section: str, key: str) -> Any:
    """``analysis.qc.<section>.<key>`` of the file's call; None when the run has none
    (single-end data has no insert sizes, untrimmed reads no trimstats)."""
    qc = ctx.call.outputs.get("analysis", {}).get("qc")
    if not isinstance(qc, dict) or section not in qc:
        raise LookupError(f"{ctx.call.label} has no output analysis.qc.{section}")
    return qc[section].get(key)


def _qc_file(ctx: QcContext, section: str, key: str) -> str:
    uri = qc_value(ctx, section, key)
    if not isinstance(uri, str):
        raise LookupError(f"{ctx.call.label} has no analysis.qc.{section}.{key} file")
    return uri


def _text_of(ctx: QcContext, uri: str) -> str:
    return ctx.read_bytes(uri).decode()


def _flagstats(ctx: QcContext, section: str) -> Metric:
    uri = _qc_file(ctx, section, "flagstats")
    props: dict[str, Any] = {k: str(v) if k.endswith("_pct") else v  # portal: strings
                             for k, v in parse_flagstat(_text_of(ctx, uri)).items()}
    props["attachment"] = text_attachment(ctx, uri)
    return Metric("samtools-flagstats-quality-metric", props)


@register("unfiltered_flagstats")
def unfiltered_flagstats(ctx: QcContext) -> Metric:
    return _flagstats(ctx, UNFILTERED)


@register("nuclear_flagstats")
def nuclear_flagstats(ctx: QcContext) -> Metric:
    return _flagstats(ctx, NUCLEAR)


@register("unfiltered_trimstats")
def trimstats(ctx: QcContext) -> Metric | None:
    """Only the trimming log, attached; runs that trimmed nothing have none."""
    uri = qc_value(ctx, UNFILTERED, "trimstats")
    if not uri:
        return None
    return Metric("trimming-quality-metric", {"attachment": text_attachment(ctx, uri)})


def _samtools_stats(ctx: QcContext, section: str) -> Metric:
    uri = _qc_file(ctx, section, "stats")
    props: dict[str, Any] = {k: v for k, v in parse_samtools_stats(_text_of(ctx, uri)).items()
                             if k not in SAMTOOLS_STATS_NOT_ON_PORTAL}
    props["attachment"] = text_attachment(ctx, uri)
    return Metric("samtools-stats-quality-metric", props)


@register("unfiltered_samtools_stats")
def unfiltered_samtools_stats(ctx: QcContext) -> Metric:
    return _samtools_stats(ctx, UNFILTERED)


@register("nuclear_samtools_stats")
def nuclear_samtools_stats(ctx: QcContext) -> Metric:
    return _samtools_stats(ctx, NUCLEAR)


@register("nuclear_duplication_metric")
def duplication(ctx: QcContext) -> Metric:
    """Picard leaves the library size empty for single-end data: the property is left out."""
    uri = _qc_file(ctx, NUCLEAR, "duplication_metrics")
    props: dict[str, Any] = {k: v for k, v in parse_picard_duplication(_text_of(ctx, uri)).items()
                             if v not in ("", None)}
    props["attachment"] = text_attachment(ctx, uri)
    return Metric("duplicates-quality-metric", props)


@register("nuclear_hotspot1_metric")
def hotspot1(ctx: QcContext) -> Metric:
    uri = _qc_file(ctx, NUCLEAR, "hotspot1")
    props: dict[str, Any] = parse_hotspot1_spot_score(_text_of(ctx, uri))
    props["attachment"] = text_attachment(ctx, uri)
    return Metric("hotspot-quality-metric", props)


@register("nuclear_alignment_quality_metric")
def alignment(ctx: QcContext) -> Metric:
    """Attachments only: preseq, plus Picard insert sizes for paired-end data."""
    def text(key: str) -> dict[str, str]:
        return text_attachment(ctx, _qc_file(ctx, NUCLEAR, key))

    props: dict[str, Any] = {}
    if qc_value(ctx, NUCLEAR, "insert_size_info"):
        props["attachment"] = text("insert_size_info")
        props["insert_size_metric"] = text("insert_size_metrics")
        props["insert_size_histogram"] = ctx.attachment(
            _qc_file(ctx, NUCLEAR, "insert_size_histogram_pdf"), "application/pdf")
    props["nuclear_preseq"] = text("preseq")
    props["nuclear_preseq_targets"] = text("preseq_targets")
    return Metric("dnase-alignment-quality-metric", props)


@register("footprints_quality_metric")
def footprints(ctx: QcContext) -> Metric:
    model = _qc_file(ctx, FOOTPRINTS, "dispersion_model")
    return Metric("dnase-footprinting-quality-metric", {
        "footprint_count": int(qc_value(ctx, FOOTPRINTS, "one_percent_footprints_count")),
        "dispersion_model": ctx.attachment(model, "application/json")})


def _count(ctx: QcContext, key: str) -> int:
    return int(qc_value(ctx, PEAKS, key))


@register("tenth_of_one_percent_peaks_qc")
def tenth_of_one_percent_peaks(ctx: QcContext) -> Metric:
    key = "tenth_of_one_percent_narrowpeaks_count"
    return Metric("hotspot-quality-metric", {key: _count(ctx, key)})


@register("five_percent_allcalls_qc")
def five_percent_allcalls(ctx: QcContext) -> Metric:
    key = "five_percent_allcalls_count"
    return Metric("hotspot-quality-metric", {key: _count(ctx, key)})


@register("five_percent_narrowpeaks_qc")
def five_percent_narrowpeaks(ctx: QcContext) -> Metric:
    """Peak and hotspot counts, and the SPOT score hotspot2 wrote as a lone number."""
    spot2 = float(_text_of(ctx, _qc_file(ctx, PEAKS, "hotspot2")))
    return Metric("hotspot-quality-metric", {
        "five_percent_narrowpeaks_count": _count(ctx, "five_percent_narrowpeaks_count"),
        "five_percent_hotspots_count": _count(ctx, "five_percent_hotspots_count"),
        "spot2_score": spot2})


def nuclear_mapped_reads(ctx: QcContext) -> float:
    """DNase-seq prefers the file whose replicate mapped the most nuclear reads."""
    flagstats = parse_flagstat(_text_of(ctx, _qc_file(ctx, NUCLEAR, "flagstats")))
    return float(flagstats["mapped"])
