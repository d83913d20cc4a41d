"""Parsers for the QC text formats pipelines write, and helpers several QC families share.

The reference tool reads these formats with ``qc_utils``; the parsers here are written from
the formats themselves and return the same keys, so the portal objects are the same:

- ``samtools flagstat``: ``N + M <label> (<pct>% : N/A)`` lines.
- ``samtools stats``: the tab-separated ``SN`` summary lines.
- Picard ``MarkDuplicates`` metrics: the table after ``## METRICS CLASS``.
- hotspot1 spot score: a header line, then ``<tags> <tags in hotspots> <SPOT>``.
"""

from __future__ import annotations

import re
from typing import Any

from encode_accession.metadata.cromwell import Call, WorkflowFile
from encode_accession.planning.plan import find_parents
from encode_accession.planning.steps import DerivedFrom
from encode_accession.qc.registry import QcContext, string_to_number

# samtools flagstat label -> qc_utils key (the portal's samtools-flagstats properties)
FLAGSTAT_KEYS = {
    "in total": "total",
    "duplicates": "duplicates",
    "mapped": "mapped",
    "paired in sequencing": "paired",
    "read1": "read1",
    "read2": "read2",
    "properly paired": "paired_properly",
    "with itself and mate mapped": "with_itself",
    "singletons": "singletons",
    "with mate mapped to a different chr": "diff_chroms",
}
FLAGSTAT_PERCENTAGES = ("mapped", "paired_properly", "singletons")
# Only reported for paired-end data: qc_utils stops reading when nothing is paired.
FLAGSTAT_PAIRED_ONLY = ("paired", "read1", "read2", "paired_properly", "with_itself",
                        "singletons", "diff_chroms")
_FLAGSTAT_LINE = re.compile(r"\s*(\d+)\s+\+\s+(\d+)\s+(.*)")
_PERCENT = re.compile(r"\s*([\d.]+)%")

# the portal's names for the columns of Picard's DuplicationMetrics
PICARD_DUPLICATION_KEYS = {
    "ESTIMATED_LIBRARY_SIZE": "Estimated Library Size",
    "PERCENT_DUPLICATION": "Percent Duplication",
    "READ_PAIR_DUPLICATES": "Read Pair Duplicates",
    "READ_PAIR_OPTICAL_DUPLICATES": "Read Pair Optical Duplicates",
    "READ_PAIRS_EXAMINED": "Read Pairs Examined",
    "UNPAIRED_READS_EXAMINED": "Unpaired Reads Examined",
    "UNMAPPED_READS": "Unmapped Reads",
    "UNPAIRED_READ_DUPLICATES": "Unpaired Read Duplicates",
}

# samtools stats summary numbers the portal's samtools-stats schema has no property for
SAMTOOLS_STATS_NOT_ON_PORTAL = (
    "total first fragment length", "total last fragment length",
    "average first fragment length", "average last fragment length",
    "maximum first fragment length", "maximum last fragment length",
    "percentage of properly paired reads (%)",
)


def parse_flagstat(text: str) -> dict[str, int | float]:
    """``samtools flagstat`` output as ``{"total": ..., "total_qc_failed": ...,
    "mapped_pct": 98.0, ...}``; pair statistics only when reads are paired, percentages only
    when samtools could compute them (not ``N/A``)."""
    stats: dict[str, int | float] = {}
    for line in text.splitlines():
        match = _FLAGSTAT_LINE.match(line)
        if not match:
            continue
        passed, failed, rest = match.groups()
        label, _, note = rest.partition(" (")
        key = FLAGSTAT_KEYS.get(label.strip())
        if key is None or key in stats or note.startswith("mapQ"):
            continue  # samtools >= 1.13 "primary ..." lines; the mapQ>=5 variant
        stats[key], stats[f"{key}_qc_failed"] = int(passed), int(failed)
        percent = _PERCENT.match(note)
        if key in FLAGSTAT_PERCENTAGES and percent:
            stats[f"{key}_pct"] = float(percent.group(1))
    if "total" not in stats:
        raise ValueError("not samtools flagstat output: no 'in total' line")
    if not stats.get("paired"):
        for key in FLAGSTAT_PAIRED_ONLY:
            for suffix in ("", "_qc_failed", "_pct"):
                stats.pop(key + suffix, None)
    return stats


def parse_samtools_stats(text: str) -> dict[str, Any]:
    """The ``SN`` summary numbers of ``samtools stats``, keyed by their label without ':'."""
    stats: dict[str, Any] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0] == "SN" and len(fields) >= 3:
            stats[fields[1].strip().rstrip(":")] = string_to_number(fields[2].strip())
    if not stats:
        raise ValueError("not samtools stats output: no SN lines")
    return stats


def parse_picard_duplication(text: str) -> dict[str, Any]:
    """The first row of Picard's DuplicationMetrics under the portal's names, plus the read
    totals the portal shows (2 x pairs + unpaired). Single-end runs leave the library size
    empty."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## METRICS CLASS")),
                 None)
    if start is None or start + 2 >= len(lines):
        raise ValueError("not Picard metrics: no '## METRICS CLASS' table")
    header = [h.strip() for h in lines[start + 1].split("\t")]
    row = [v.strip() for v in lines[start + 2].split("\t")]
    raw = dict(zip(header, (string_to_number(v) for v in row), strict=False))
    metrics = {name: raw.get(column) for column, name in PICARD_DUPLICATION_KEYS.items()}
    # reads, not pairs: a pair is two reads (the schema's "Total number of paired and unpaired
    # reads examined", and the reference's qc_utils parser)
    metrics["Reads Examined"] = 2 * raw["READ_PAIRS_EXAMINED"] + raw["UNPAIRED_READS_EXAMINED"]
    metrics["Read Duplicates"] = (2 * raw["READ_PAIR_DUPLICATES"]
                                  + raw["UNPAIRED_READ_DUPLICATES"])
    return metrics


def parse_hotspot1_spot_score(text: str) -> dict[str, Any]:
    """hotspot1's ``*.spot.out``: tags, tags in hotspots and the SPOT score, on line two."""
    lines = [line for line in text.splitlines() if line.strip()]
    values = lines[1].split() if len(lines) >= 2 else []
    if len(values) != 3:
        raise ValueError("not a hotspot1 spot score: expected a header and 3 values")
    # the hotspot-quality-metric properties (and the reference's qc_utils keys)
    return {"total_tags": string_to_number(values[0]),
            "hotspot_tags": string_to_number(values[1]),
            "spot1_score": string_to_number(values[2])}


# --- helpers the QC families share ---------------------------------------------------------

def text_attachment(ctx: QcContext, uri: str) -> dict[str, str]:
    """A text/plain attachment whose name ends in ``.txt``: the portal guesses the MIME type
    from the extension and refuses ``.log``, ``.qc`` or extension-less text files."""
    extra = "" if uri.endswith(".txt") else ".txt"
    return ctx.attachment(uri, "text/plain", extra)


def find_from(ctx: QcContext, start: Call, task: str, filekey: str, *, down: bool = False
              ) -> WorkflowFile:
    """The first ``task.filekey`` output up (or down) from another call than the file's own,
    e.g. the cross-correlation plot below the ChIP ``align_R1`` call of the same fastqs."""
    rule = DerivedFrom(task=task, filekey=filekey, search_down=down)
    found = find_parents(ctx.workflow, start, rule)
    if not found:
        where = "downstream" if down else "upstream"
        raise LookupError(f"no {task}.{filekey} {where} of {start.label}")
    return found[0]
