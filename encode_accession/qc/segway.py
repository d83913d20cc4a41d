"""Segway genome annotation: the four segtools summaries, attached as text."""

from __future__ import annotations

from encode_accession.qc.parsers import text_attachment
from encode_accession.qc.registry import Metric, QcContext, register

SEGTOOLS_TABLES = ("feature_aggregation_tab", "length_distribution_tab", "segment_sizes_tab",
                   "signal_distribution_tab")


@register("segway")
def segway(ctx: QcContext) -> Metric:
    return Metric("segway-quality-metric", {
        key: text_attachment(ctx, ctx.find_one("segtools", key, down=True).uri)
        for key in SEGTOOLS_TABLES})


def always(_ctx: QcContext) -> float:
    """Segway (and diploidify) files of a kind are all equal: any one is the default."""
    return 0.0
