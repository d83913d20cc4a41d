"""WGBS QC on synthetic wgbs-pipeline (gemBS) runs: map -> qc_report and
calculate_average_coverage below the bam, extract -> calculate_bed_pearson_correlation."""

from __future__ import annotations

from pathlib import Path

import pytest

from encode_accession.qc import build
from encode_accession.qc.parsers import parse_samtools_stats

from .formats import SAMTOOLS_STATS
from .synthetic import FakeRun, contexts, png, preferred_default_value, step, wdl_file

GEMBS_REPORT = {
    "sequenced_reads": 400000, "pct_sequenced_reads": 1.0, "general_reads": 358466,
    "pct_general_reads": 0.8962, "reads_in_control_sequences": 0,
    "pct_reads_in_control_sequences": 0.0, "reads_under_conversion_control": 12349,
    "pct_reads_under_conversion_control": 0.0309, "reads_over_conversion_control": 0,
    "pct_reads_over_conversion_control": 0.0, "unmapped_reads": 29185, "pct_unmapped_reads": 0.073,
    "bisulfite_reads_c2t": 192236, "pct_bisulfite_reads_c2t": 0.4806,
    "bisulfite_reads_g2a": 178579, "pct_bisulfite_reads_g2a": 0.4464,
    "unique_fragments": 156841, "pct_unique_fragments": 0.7842,
    "conversion_rate": 0.9986559741624927, "correct_pairs": 179763}


def wgbs_run(tmp_path: Path, replicates: int = 2, *, paired: bool = True) -> FakeRun:
    run = FakeRun(tmp_path, "wgbs", {"wgbs.fastqs": [
        [[str(tmp_path / f"rep{n}_R1.fastq.gz")]] for n in range(1, replicates + 1)]})
    beds = []
    for shard in range(replicates):
        rep = f"rep{shard + 1}"
        mapped = run.call("map", {"fastqs": [[run.file(f"{rep}_R1.fastq.gz")]]}, {
            "bam": run.file(f"{rep}.bam"), "qc_json": run.file(f"{rep}_map_qc.json", {})}, shard)
        run.call("qc_report", {"map_qc_json": mapped["qc_json"]}, {
            "portal_map_qc_json": run.file(f"{rep}_gembs_map_qc.json", {
                **GEMBS_REPORT, "general_reads": GEMBS_REPORT["general_reads"] + shard}),
            "map_qc_mapq_plot_png": run.file(f"{rep}.mapq.png", png()),
            "map_qc_insert_size_plot_png": [run.file(f"{rep}.isize.png", png())] if paired
            else []}, shard)
        run.call("calculate_average_coverage", {"bam": mapped["bam"]}, {
            "average_coverage_qc": run.file(f"{rep}_average_coverage_qc.json", {
                "average_coverage": {"average_coverage": 12.7 + shard},
                "samtools_stats": parse_samtools_stats(SAMTOOLS_STATS)})}, shard)
        beds.append(run.call("extract", {"bam": mapped["bam"]}, {
            "cpg_bed_no_header": run.file(f"{rep}_cpg.bed")}, shard)["cpg_bed_no_header"])
    if replicates == 2:
        run.call("calculate_bed_pearson_correlation", {"bed1": beds[0], "bed2": beds[1]}, {
            "bed_pearson_correlation_qc": run.file("pearson_correlation_qc.json", {
                "pearson_correlation": {"pearson_correlation": 0.8456}})})
    return run


STEPS = [
    step("map", wdl_file("bam", "alignments", qc=("gembs_alignment", "samtools_stats"))),
    step("extract", wdl_file("cpg_bed_no_header", "methylation state at CpG", file_format="bed",
                             preferred=True, qc=("cpg_correlation",))),
]


@pytest.fixture
def wgbs(tmp_path):
    return contexts(wgbs_run(tmp_path), STEPS, 2)


def test_gembs_alignment_in_percent_with_coverage_and_plots(wgbs, portal_accepts):
    metric = build("gembs_alignment", wgbs["map.1.bam"])
    assert metric.profile == "gembs-alignment-quality-metric"
    props = metric.properties
    assert props["pct_general_reads"] == 100 * 0.8962
    assert props["pct_unique_fragments"] == 100 * 0.7842
    assert props["general_reads"] == 358467 and props["conversion_rate"] == 0.9986559741624927
    assert props["average_coverage"] == 13.7
    for dropped in ("pct_sequenced_reads", "pct_reads_in_control_sequences",
                    "reads_in_control_sequences"):
        assert dropped not in props
    assert props["mapq_plot"]["download"] == "rep2.mapq.png"
    assert props["insert_size_plot"]["type"] == "image/png"
    portal_accepts(metric)


def test_single_end_gembs_alignment_has_no_insert_size_plot(tmp_path, portal_accepts):
    ctx = contexts(wgbs_run(tmp_path, paired=False), STEPS, 2)
    metric = build("gembs_alignment", ctx["map.0.bam"])
    assert "insert_size_plot" not in metric.properties and "mapq_plot" in metric.properties
    portal_accepts(metric)


def test_wgbs_samtools_stats_come_from_the_coverage_qc(wgbs, portal_accepts):
    metric = build("samtools_stats", wgbs["map.0.bam"])
    assert metric.profile == "samtools-stats-quality-metric"
    full = parse_samtools_stats(SAMTOOLS_STATS)
    assert metric.properties["reads mapped"] == full["reads mapped"]
    assert len(metric.properties) == len(full) - 7
    assert "average first fragment length" not in metric.properties
    portal_accepts(metric)


def test_cpg_correlation_is_shared_and_only_for_two_replicates(wgbs, tmp_path, portal_accepts):
    one, two = (build("cpg_correlation", wgbs[f"extract.{i}.cpg_bed_no_header"]) for i in (0, 1))
    assert one == two and one.shared and one.profile == "cpg-correlation-quality-metric"
    assert one.properties == {"Pearson correlation": 0.8456}
    single = contexts(wgbs_run(tmp_path / "single", 1), STEPS, 1)
    assert build("cpg_correlation", single["extract.0.cpg_bed_no_header"]) is None
    portal_accepts(one)


def test_wgbs_preferred_default_ranks_by_the_general_reads_of_the_files_replicate(wgbs):
    value = preferred_default_value("wgbs")
    assert [value(wgbs[f"extract.{i}.cpg_bed_no_header"]) for i in (0, 1)] == [358466,
                                                                               358467]
