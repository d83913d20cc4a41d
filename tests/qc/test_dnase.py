"""DNase-seq QC on synthetic dnase-seq-pipeline runs: one ``dnase_replicate`` call whose
``analysis`` struct holds the files and ``analysis.qc`` the text QC files and counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from encode_accession.qc import build
from encode_accession.qc.parsers import (
    parse_flagstat,
    parse_hotspot1_spot_score,
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
from .synthetic import PDF, FakeRun, attached, contexts, preferred_default_value, step, wdl_file

DISPERSION_MODEL = {"params": {"r": [1.2, 1.4], "mu": [0.9, 3.1]}, "h": [[0, 1], [2, 3]]}
INSERT_SIZE_INFO = "insert_size_mean\t187.2\ninsert_size_median\t171\n"
PEAK_COUNTS = {"five_percent_allcalls_count": 521023, "five_percent_hotspots_count": 181232,
               "five_percent_narrowpeaks_count": 204511,
               "tenth_of_one_percent_narrowpeaks_count": "72311"}  # Cromwell may quote ints


def dnase_run(tmp_path: Path, *, paired: bool = True) -> FakeRun:
    run = FakeRun(tmp_path, "dnase")
    f = run.file
    nuclear_qc = {
        "stats": f("nuclear.stats.txt", SAMTOOLS_STATS),
        "flagstats": f("nuclear.flagstats.txt", FLAGSTAT_PE if paired else FLAGSTAT_SE_NEW),
        "hotspot1": f("nuclear.spot.out", HOTSPOT1_SPOT),
        "duplication_metrics": f("MarkDuplicates.picard",
                                 PICARD_DUPLICATION_PE if paired else PICARD_DUPLICATION_SE),
        "preseq": f("preseq.txt", "TOTAL_READS\tEXPECTED_DISTINCT\n0\t0\n1000000\t980000\n"),
        "preseq_targets": f("preseq_targets.txt", "preseq_est_max\t2.1e9\n"),
        "insert_size_metrics": f("CollectInsertSizeMetrics.picard") if paired else None,
        "insert_size_info": f("insert_size.info", INSERT_SIZE_INFO) if paired else None,
        "insert_size_histogram_pdf": f("insert_size.pdf", PDF) if paired else None,
    }
    run.call("dnase_replicate", {"replicate": {"pe_fastqs": [f("R1.fastq.gz")]}}, {"analysis": {
        "unfiltered_bam": f("unfiltered.bam"), "nuclear_bam": f("nuclear.bam"),
        "normalized_density_bw": f("normalized_density.bw"),
        "five_percent_allcalls_bed_gz": f("five_percent_allcalls.bed.gz"),
        "five_percent_narrowpeaks_bed_gz": f("five_percent_narrowpeaks.bed.gz"),
        "tenth_of_one_percent_narrowpeaks_bed_gz": f("tenth_of_one_percent.bed.gz"),
        "one_percent_footprints_bed_gz": f("one_percent_footprints.bed.gz"),
        "qc": {
            "unfiltered_bam_qc": {
                "stats": f("unfiltered.stats.txt", SAMTOOLS_STATS),
                "flagstats": f("unfiltered.flagstats.txt", FLAGSTAT_PE),
                "trimstats": f("trimstats.txt", "Processed 20000000 read pairs; trimmed "
                                                "1200000\n") if paired else None,
                "bamcounts": f("bamcounts.txt")},
            "nuclear_bam_qc": nuclear_qc,
            "peaks_qc": {"hotspot2": f("five_percent_peaks.spot_score", "0.4417\n"),
                         **PEAK_COUNTS},
            "footprints_qc": {"dispersion_model": f("dm.json", DISPERSION_MODEL),
                              "one_percent_footprints_count": 153202}}}})
    return run


def analysis(filekey: str, output_type: str, *qc: str, preferred: bool = False) -> dict:
    return wdl_file(f"analysis.{filekey}", output_type, qc=qc, preferred=preferred)


STEPS = [step(
    "dnase_replicate",
    analysis("unfiltered_bam", "unfiltered alignments", "unfiltered_flagstats",
             "unfiltered_trimstats", "unfiltered_samtools_stats"),
    analysis("nuclear_bam", "alignments", "nuclear_flagstats", "nuclear_duplication_metric",
             "nuclear_hotspot1_metric", "nuclear_samtools_stats",
             "nuclear_alignment_quality_metric"),
    analysis("five_percent_allcalls_bed_gz", "FDR cut rate", "five_percent_allcalls_qc"),
    analysis("one_percent_footprints_bed_gz", "footprints", "footprints_quality_metric"),
    analysis("five_percent_narrowpeaks_bed_gz", "peaks", "five_percent_narrowpeaks_qc"),
    analysis("tenth_of_one_percent_narrowpeaks_bed_gz", "peaks", "tenth_of_one_percent_peaks_qc",
             preferred=True),
    analysis("normalized_density_bw", "read-depth normalized signal", preferred=True),
)]
UNFILTERED = "dnase_replicate.analysis.unfiltered_bam"
NUCLEAR = "dnase_replicate.analysis.nuclear_bam"


@pytest.fixture
def dnase(tmp_path):
    return contexts(dnase_run(tmp_path), STEPS, 1)


def test_dnase_flagstats_are_parsed_with_string_percentages_and_the_text_attached(
        dnase, portal_accepts):
    metric = build("unfiltered_flagstats", dnase[UNFILTERED])
    assert metric.profile == "samtools-flagstats-quality-metric"
    props = dict(metric.properties)
    attachment = props.pop("attachment")
    expected = parse_flagstat(FLAGSTAT_PE)
    assert props == {k: str(v) if k.endswith("_pct") else v for k, v in expected.items()}
    assert props["mapped_pct"] == "98.0" and props["singletons_pct"] == "0.5"
    assert attachment == {**attachment, "download": "unfiltered.flagstats.txt",
                          "type": "text/plain"}
    assert attached(metric, "attachment").decode() == FLAGSTAT_PE
    nuclear = build("nuclear_flagstats", dnase[NUCLEAR])
    assert nuclear.properties["attachment"]["download"] == "nuclear.flagstats.txt"
    portal_accepts(metric)


def test_dnase_samtools_stats_leave_out_what_the_portal_has_no_property_for(dnase,
                                                                           portal_accepts):
    metric = build("nuclear_samtools_stats", dnase[NUCLEAR])
    assert metric.profile == "samtools-stats-quality-metric"
    props = metric.properties
    assert props["reads mapped"] == 39200000 and props["error rate"] == 0.004067797
    for dropped in ("total first fragment length", "maximum last fragment length",
                    "percentage of properly paired reads (%)"):
        assert dropped not in props
    assert len(props) == len(parse_samtools_stats(SAMTOOLS_STATS)) - 7 + 1
    assert build("unfiltered_samtools_stats", dnase[UNFILTERED]).properties["attachment"][
        "download"] == "unfiltered.stats.txt"
    portal_accepts(metric)


def test_dnase_trimming_duplication_and_hotspot1_attach_text_named_txt(dnase, portal_accepts):
    trimming = build("unfiltered_trimstats", dnase[UNFILTERED])
    assert trimming.profile == "trimming-quality-metric"
    assert set(trimming.properties) == {"attachment"}
    duplicates = build("nuclear_duplication_metric", dnase[NUCLEAR])
    assert duplicates.profile == "duplicates-quality-metric"
    assert duplicates.properties["Estimated Library Size"] == 142000000
    assert duplicates.properties["attachment"]["download"] == "MarkDuplicates.picard.txt"
    hotspot = build("nuclear_hotspot1_metric", dnase[NUCLEAR])
    assert hotspot.profile == "hotspot-quality-metric"
    assert {k: v for k, v in hotspot.properties.items() if k != "attachment"} == \
        parse_hotspot1_spot_score(HOTSPOT1_SPOT)
    assert hotspot.properties["attachment"]["download"] == "nuclear.spot.out.txt"
    for metric in (trimming, duplicates, hotspot):
        portal_accepts(metric)


def test_dnase_alignment_attaches_insert_sizes_and_preseq(dnase, portal_accepts):
    metric = build("nuclear_alignment_quality_metric", dnase[NUCLEAR])
    assert metric.profile == "dnase-alignment-quality-metric"
    props = metric.properties
    assert {k: v["type"] for k, v in props.items()} == {
        "attachment": "text/plain", "insert_size_metric": "text/plain",
        "insert_size_histogram": "application/pdf", "nuclear_preseq": "text/plain",
        "nuclear_preseq_targets": "text/plain"}
    assert props["attachment"]["download"] == "insert_size.info.txt"
    assert attached(metric, "attachment").decode() == INSERT_SIZE_INFO
    assert attached(metric, "insert_size_histogram") == PDF
    portal_accepts(metric)


def test_dnase_footprints_and_peak_counts(dnase, portal_accepts):
    footprints = build("footprints_quality_metric",
                       dnase["dnase_replicate.analysis.one_percent_footprints_bed_gz"])
    assert footprints.profile == "dnase-footprinting-quality-metric"
    assert footprints.properties["footprint_count"] == 153202
    assert footprints.properties["dispersion_model"]["type"] == "application/json"
    assert json.loads(attached(footprints, "dispersion_model")) == DISPERSION_MODEL
    tenth = build("tenth_of_one_percent_peaks_qc",
                  dnase["dnase_replicate.analysis.tenth_of_one_percent_narrowpeaks_bed_gz"])
    assert tenth.properties == {"tenth_of_one_percent_narrowpeaks_count": 72311}
    allcalls = build("five_percent_allcalls_qc",
                     dnase["dnase_replicate.analysis.five_percent_allcalls_bed_gz"])
    assert allcalls.properties == {"five_percent_allcalls_count": 521023}
    narrow = build("five_percent_narrowpeaks_qc",
                   dnase["dnase_replicate.analysis.five_percent_narrowpeaks_bed_gz"])
    assert narrow.profile == "hotspot-quality-metric"
    assert narrow.properties == {"five_percent_narrowpeaks_count": 204511,
                                 "five_percent_hotspots_count": 181232, "spot2_score": 0.4417}
    for metric in (footprints, tenth, allcalls, narrow):
        portal_accepts(metric)


def test_single_end_dnase_skips_trimstats_insert_sizes_and_library_size(tmp_path,
                                                                       portal_accepts):
    ctx = contexts(dnase_run(tmp_path, paired=False), STEPS, 1)
    assert build("unfiltered_trimstats", ctx[UNFILTERED]) is None
    alignment = build("nuclear_alignment_quality_metric", ctx[NUCLEAR])
    assert set(alignment.properties) == {"nuclear_preseq", "nuclear_preseq_targets"}
    duplicates = build("nuclear_duplication_metric", ctx[NUCLEAR]).properties
    assert "Estimated Library Size" not in duplicates
    assert duplicates["Reads Examined"] == 24500000
    flagstats = build("nuclear_flagstats", ctx[NUCLEAR]).properties
    assert flagstats["mapped_pct"] == "98.0" and "paired_properly_pct" not in flagstats
    portal_accepts(alignment)
    portal_accepts(build("nuclear_flagstats", ctx[NUCLEAR]))


@pytest.mark.parametrize("family", ["dnase", "dnase_no_footprints"])
def test_dnase_preferred_default_ranks_by_mapped_nuclear_reads(dnase, tmp_path, family):
    single_end = contexts(dnase_run(tmp_path / "se", paired=False), STEPS, 1)
    value = preferred_default_value(family)
    signal = "dnase_replicate.analysis.normalized_density_bw"
    assert value(dnase[signal]) == 39200000
    assert value(single_end[signal]) == 24500000
