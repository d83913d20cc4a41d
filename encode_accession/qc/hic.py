"""Hi-C and megamap: the Juicer statistics of the library or of the thresholded map.

A library's deduplicated bam is described by ``calculate_stats_on_library`` below it; a
contact map by the ``calculate_stats`` call of its MAPQ threshold above it. A megamap merges
finished maps, so its run has a single merged statistics file for every output.
"""

from __future__ import annotations

from encode_accession.metadata.cromwell import WorkflowFile
from encode_accession.qc.parsers import text_attachment
from encode_accession.qc.registry import Metric, QcContext, register

MAPQ_THRESHOLD = 30  # the thresholded map ENCODE shows by default


def _stats_files(ctx: QcContext) -> tuple[WorkflowFile, WorkflowFile]:
    """(the JSON statistics, the text report) for the file."""
    merged = ctx.workflow_files("merged_stats")
    if merged:
        stats_json = ctx.workflow_files("stats_json")
        if not stats_json:
            raise LookupError("the megamap run has merged_stats but no stats_json output")
        return stats_json[0], merged[0]
    if ctx.call.task == "dedup":
        return (ctx.find_one("calculate_stats_on_library", "stats_json", down=True),
                ctx.find_one("calculate_stats_on_library", "stats", down=True))
    return ctx.find_one("calculate_stats", "stats_json"), ctx.find_one("calculate_stats", "stats")


@register("hic")
def hic(ctx: QcContext) -> Metric:
    stats_json, stats = _stats_files(ctx)
    props = {**ctx.read_json(stats_json.uri), "attachment": text_attachment(ctx, stats.uri)}
    return Metric("hic-quality-metric", props)
