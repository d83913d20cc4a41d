"""The text-format parsers, on files as samtools, Picard and hotspot write them."""

from __future__ import annotations

import pytest

from encode_accession.qc.parsers import (
    parse_flagstat,
    parse_hotspot1_spot_score,
    parse_picard_duplication,
    parse_samtools_stats,
)

from .formats import (
    FLAGSTAT_PE,
    FLAGSTAT_SE_NEW,
    HOTSPOT1_SPOT,
    PICARD_DUPLICATION_PE,
    PICARD_DUPLICATION_SE,
    SAMTOOLS_STATS,
)


def test_flagstat_reads_passed_and_failed_counts_and_percentages():
    stats = parse_flagstat(FLAGSTAT_PE)
    assert stats == {
        "total": 40000000, "total_qc_failed": 120, "duplicates": 1200000,
        "duplicates_qc_failed": 3, "mapped": 39200000, "mapped_qc_failed": 100,
        "mapped_pct": 98.0, "paired": 40000000, "paired_qc_failed": 120, "read1": 20000000,
        "read1_qc_failed": 60, "read2": 20000000, "read2_qc_failed": 60,
        "paired_properly": 38000000, "paired_properly_qc_failed": 90,
        "paired_properly_pct": 95.0, "with_itself": 39000000, "with_itself_qc_failed": 95,
        "singletons": 200000, "singletons_qc_failed": 5, "singletons_pct": 0.5,
        "diff_chroms": 100000, "diff_chroms_qc_failed": 0}


def test_flagstat_of_single_end_reads_has_no_pair_statistics_nor_primary_lines():
    stats = parse_flagstat(FLAGSTAT_SE_NEW)
    assert stats == {"total": 25000000, "total_qc_failed": 0, "duplicates": 0,
                     "duplicates_qc_failed": 0, "mapped": 24500000, "mapped_qc_failed": 0,
                     "mapped_pct": 98.0}


def test_flagstat_refuses_text_that_is_not_flagstat():
    with pytest.raises(ValueError, match="in total"):
        parse_flagstat("SN\treads mapped:\t10\n")


def test_samtools_stats_reads_the_sn_summary_numbers_as_numbers():
    stats = parse_samtools_stats(SAMTOOLS_STATS)
    assert len(stats) == 38
    assert stats["raw total sequences"] == 40000000
    assert stats["error rate"] == pytest.approx(0.004067797)
    assert stats["insert size average"] == 210.4
    assert stats["percentage of properly paired reads (%)"] == 95.0
    assert "1" not in stats and "CHK" not in stats  # only SN lines


def test_picard_duplication_uses_the_portal_names_and_counts_reads_as_two_per_pair():
    """Reads Examined / Read Duplicates count reads: 2 x pairs + unpaired (the schema's
    "Total number of paired and unpaired reads examined", and the reference's qc_utils)."""
    metrics = parse_picard_duplication(PICARD_DUPLICATION_PE)
    assert metrics == {
        "Estimated Library Size": 142000000, "Percent Duplication": 0.061741,
        "Read Pair Duplicates": 1200000, "Read Pair Optical Duplicates": 30000,
        "Read Pairs Examined": 19500000, "Unpaired Reads Examined": 200000,
        "Unmapped Reads": 800000, "Unpaired Read Duplicates": 10000,
        "Reads Examined": 2 * 19500000 + 200000, "Read Duplicates": 2 * 1200000 + 10000}


def test_picard_duplication_of_single_end_reads_has_an_empty_library_size():
    metrics = parse_picard_duplication(PICARD_DUPLICATION_SE)
    assert metrics["Estimated Library Size"] == ""
    assert metrics["Reads Examined"] == 24500000
    assert metrics["Read Duplicates"] == 1500000


def test_hotspot1_spot_score_reads_the_line_after_the_header_under_the_schema_names():
    """hotspot-quality-metric's total_tags, hotspot_tags and spot1_score (not the titles)."""
    assert parse_hotspot1_spot_score(HOTSPOT1_SPOT) == {
        "total_tags": 38123456, "hotspot_tags": 14212345, "spot1_score": 0.3728}
    with pytest.raises(ValueError):
        parse_hotspot1_spot_score("total tags  hotspot tags    SPOT\n")
