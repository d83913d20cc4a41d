"""The QC outputs ENCODE pipelines write, added to synthetic runs where the reference tool's
quality-metric code reads them (tasks, filekeys and JSON keys of ``accession`` 4.8.4).

A steps file names no QC outputs, so a run made from it has none. Per family, these functions
add realistic ones: JSON reports, the text formats of samtools, Picard and hotspot, PNG and
PDF plots, the QC tasks that write them (``qc_report``, ``mad_qc``, ``segtools``...) where
the reference looks for them, and the non-file inputs it reads (``prefix``, ``quality``...).
Numbers differ per replicate, so per-replicate metrics are distinct objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from qc.formats import juicer_stats_json, juicer_stats_text

from encode_accession.demo.run import PNG
from encode_accession.demo.synthetic import POOLED_SET, encode_qc_json, peak_sets
from encode_accession.metadata.cromwell import flatten_files

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
Content = bytes | dict[str, Any] | str


class RunEditor:
    """Adds calls, outputs and inputs to a synthetic run's metadata, writing the files."""

    def __init__(self, metadata: dict[str, Any], folder: Path) -> None:
        self.metadata = metadata
        self.folder = folder

    def calls(self, task: str) -> list[dict[str, Any]]:
        return self.metadata["calls"].get(f"{self.metadata['workflowName']}.{task}", [])

    def write(self, task: str, shard: int, name: str, content: Content) -> str:
        path = self.folder / "qc" / task / f"shard-{shard}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            content = json.dumps(content, indent=1)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    def add_outputs(self, task: str, files: Callable[[int], dict[str, tuple[str, Content]]]
                    ) -> None:
        """``files(shard)`` gives {filekey: (file name, content)} for each call of ``task``."""
        for call in self.calls(task):
            shard = call["shardIndex"]
            for key, (name, content) in files(shard).items():
                call["outputs"][key] = self.write(task, shard, name, content)

    def add_call(self, task: str, parents: list[dict[str, Any]], shard: int,
                 files: dict[str, tuple[str, Content]], **inputs: Any) -> dict[str, Any]:
        """A new call of ``task`` that reads the first output file of every parent call."""
        for parent in parents:
            key, uri = next(flatten_files(parent["outputs"]))
            inputs.setdefault(key, []).append(uri)
        call = {"shardIndex": shard, "attempt": 1, "executionStatus": "Done",
                "inputs": inputs, "dockerImageUsed": "encodedcc/qc:v1.0.0",
                "outputs": {key: self.write(task, shard, name, content)
                            for key, (name, content) in files.items()}}
        self.metadata["calls"].setdefault(f"{self.metadata['workflowName']}.{task}",
                                          []).append(call)
        return call

    def per_call(self, task: str, after: str, files: Callable[[int], dict[str, tuple[str, Content]]]
                 ) -> None:
        """One ``task`` call below each call of ``after``, same shard."""
        for parent in self.calls(after):
            self.add_call(task, [parent], parent["shardIndex"], files(parent["shardIndex"]))

    def pooled(self, task: str, after: str, files: dict[str, tuple[str, Content]]) -> None:
        """One unsharded ``task`` call below every call of ``after`` (replicate comparisons)."""
        self.add_call(task, self.calls(after), -1, files)

    def set_inputs(self, task: str, values: Callable[[int], dict[str, Any]]) -> None:
        for call in self.calls(task):
            call["inputs"].update(values(call["shardIndex"]))

    def raw_inputs(self, task: str, key: str) -> Iterator[tuple[int, list[str]]]:
        for call in self.calls(task):
            yield call["shardIndex"], call["inputs"][key]


def rep(shard: int) -> int:
    """Replicate number of a shard: every number below is scaled by it to differ per replicate."""
    return max(shard, 0) + 1


# --- ATAC-seq and ChIP-seq: one qc_json for the run, plots below the filtered bams ---------



def peak_set(task: str, shard: int, replicates: int) -> str:
    """The ``prefix`` input of an IDR/overlap call: which two peak sets it compared (a
    synthetic run has one true-replicate call per replicate: the first pairs in order)."""
    if task.endswith("_ppr"):
        return POOLED_SET
    if task.endswith("_pr"):
        return f"rep{rep(shard)}-pr1_vs_rep{rep(shard)}-pr2"
    pairs = peak_sets(max(replicates, 2))[replicates + 1:]
    return pairs[max(shard, 0) % len(pairs)]


def atac_chip(run: RunEditor, peak_caller: str, *, control: bool) -> None:
    """Shared by ATAC and ChIP: replicate fastqs as workflow inputs (how QC finds a file's
    replicate), read lengths, the qc_json, plots below the filtered bams, peak-call inputs."""
    # one align call per replicate; a peak-call-only run has none, but one pseudoreplicate
    # call per replicate
    replicates = max(len(run.calls(task)) for task in ("align", "idr_pr", "overlap_pr"))
    for prefix, task in (("", "align"), ("ctl_", "align_ctl")):  # controls: chip-seq-pipeline2
        for shard, fastqs in run.raw_inputs(task, "fastqs_R1"):  # calls align as align_ctl
            run.metadata["inputs"][f"{prefix}fastqs_rep{rep(shard)}_R1"] = fastqs
        run.set_inputs(task, lambda _: {"paired_end": True, "crop_length": 0,
                                        "crop_length_tol": 2})
        run.add_outputs(task, lambda s: {"read_len_log": ("read_length.txt", f"{70 + s}\n")})
    run.set_inputs("filter", lambda _: {"paired_end": True})
    run.add_call("qc_report", [], -1, {"qc_json": (
        "qc.json", encode_qc_json(replicates, peak_caller, with_control=control,
                                  controls=len(run.calls("align_ctl"))))})
    run.pooled("jsd", "filter", {"plot": ("jsd.png", PNG)})
    run.per_call("gc_bias", "filter", lambda _: {"gc_plot": ("gc.png", PNG)})
    sets = partial(peak_set, replicates=replicates)
    for method in ("idr", "overlap"):
        for task in (f"{method}_pr", f"{method}_ppr", method):
            run.set_inputs(task, lambda s, task=task: {"prefix": sets(task, s),
                                                        **({"idr_thresh": 0.05}
                                                           if task.startswith("idr") else {})})
            if method == "idr":
                run.add_outputs(task, lambda s, task=task: {
                    "idr_plot": (f"{sets(task, s)}.idr.png", PNG),
                    "idr_log": (f"{sets(task, s)}.idr.log", "IDR parameters: 0.05\n")})


def atac(run: RunEditor) -> None:
    atac_chip(run, peak_caller="macs2", control=False)
    run.add_outputs("tss_enrich", lambda _: {"tss_large_plot": ("tss.png", PNG)})
    run.per_call("fraglen_stat_pe", "filter", lambda _: {"fraglen_dist_plot": ("frag.png", PNG)})


def chip(run: RunEditor, peak_caller: str) -> None:
    """ChIP adds the cross-correlation plot below an ``align_R1`` of the same R1 fastqs."""
    atac_chip(run, peak_caller, control=True)
    for shard, fastqs in run.raw_inputs("align", "fastqs_R1"):
        start = run.add_call("align_R1", [], shard, {"bam": ("R1.bam", f"R1 bam {shard}")},
                             fastqs_R1=fastqs)
        run.add_call("xcor", [start], shard, {"plot_pdf": ("xcor.pdf", PDF)})


# --- microRNA-seq, bulk RNA-seq, long-read RNA-seq ----------------------------------------

def star_log(shard: int) -> dict[str, str]:
    """STAR's Log.final.out as the pipelines' JSON (every value a string)."""
    n = rep(shard)
    return {
        "Started job on": "Jul 14 05:17:35", "Started mapping on": "Jul 14 05:19:28",
        "Finished on": "Jul 14 05:22:36", "Mapping speed, Million of reads per hour": "138.23",
        "Number of input reads": str(7_218_612 * n), "Average input read length": "101",
        "Uniquely mapped reads number": str(4_042_534 * n), "Uniquely mapped reads %": "56.00%",
        "Average mapped length": "100.51", "Number of splices: Total": str(1_200_000 * n),
        "Number of splices: Annotated (sjdb)": str(1_150_000 * n),
        "Number of splices: GT/AG": str(1_180_000 * n), "Number of splices: GC/AG": "9000",
        "Number of splices: AT/AC": "1100", "Number of splices: Non-canonical": "900",
        "Mismatch rate per base, %": "0.72%", "Deletion rate per base": "0.01%",
        "Deletion average length": "1.70", "Insertion rate per base": "0.01%",
        "Insertion average length": "1.40", "Number of reads mapped to multiple loci": "1831036",
        "% of reads mapped to multiple loci": "25.37%",
        "Number of reads mapped to too many loci": "99819",
        "% of reads mapped to too many loci": "1.38%",
        "% of reads unmapped: too many mismatches": "14.52%",
        "% of reads unmapped: too short": "1.12%", "% of reads unmapped: other": "1.61%",
        "Number of chimeric reads": "0", "% of chimeric reads": "0.00%",
    }


def mirna(run: RunEditor) -> None:
    """Shaped like the real runs' STAR QC (../shared/fixtures/cromwell/mirna_qc/*_star_qc.json)."""
    run.add_outputs("star", lambda s: {"star_qc_json": ("star_qc.json", {
        "aligned_reads": {"aligned_reads": 5_873_570 * rep(s)},
        "expressed_mirnas": {"expressed_mirnas": 390 + s},
        "star_qc_metric": star_log(s)})})
    run.pooled("spearman_correlation", "star", {"spearman_json": ("spearman.json", {
        "spearman_correlation": {"spearman_correlation": 0.8885}})})


def flagstat_json(shard: int) -> dict[str, Any]:
    n = rep(shard)
    return {"total": 40_000_000 * n, "total_qc_failed": 0, "duplicates": 0,
            "duplicates_qc_failed": 0, "mapped": 39_000_000 * n, "mapped_qc_failed": 0,
            "mapped_pct": 97.5, "paired": 40_000_000 * n, "paired_qc_failed": 0,
            "read1": 20_000_000 * n, "read1_qc_failed": 0, "read2": 20_000_000 * n,
            "read2_qc_failed": 0, "paired_properly": 38_000_000 * n,
            "paired_properly_qc_failed": 0, "paired_properly_pct": 95.0,
            "with_itself": 38_800_000 * n, "with_itself_qc_failed": 0, "singletons": 200_000,
            "singletons_qc_failed": 0, "singletons_pct": 0.5, "diff_chroms": 100_000,
            "diff_chroms_qc_failed": 0}


GENE_TYPE_COUNTS = {"spikein": 120_000, "rRNA": 40_000, "Mt_rRNA": 90_000, "miRNA": 3_000,
                    "protein_coding": 25_000_000, "processed_transcript": 400_000,
                    "ribozyme": 200, "sRNA": 10, "scaRNA": 900, "snRNA": 15_000,
                    "snoRNA": 12_000, "antisense": 350_000, "sense_overlapping": 2_000,
                    "sense_intronic": 9_000, "lincRNA": 800_000, "misc_RNA": 30_000}


def bulk_rna(run: RunEditor) -> None:
    """rna-seq-pipeline src/align.py (star_log_qc, samtools_*_flagstat from qc_utils),
    rsem_quant.py, mad_qc.py (MAD.R) and rna_qc.py (gene_type_count)."""
    run.add_outputs("align", lambda s: {
        "log_json": ("Log.final.out.json", {"star_log_qc": star_log(s)}),
        "genome_flagstat_json": ("genome_flagstat.json",
                                 {"samtools_genome_flagstat": flagstat_json(s)}),
        "anno_flagstat_json": ("anno_flagstat.json",
                               {"samtools_anno_flagstat": flagstat_json(s)})})
    run.add_outputs("rsem_quant", lambda s: {"number_of_genes": ("number_of_genes.json", {
        "number_of_genes_detected": {"number_of_genes_detected": 14_012 + s}})})
    run.pooled("mad_qc", "rsem_quant", {
        "madQCmetrics": ("mad_qc.json", {"MAD.R": {
            "MAD of log ratios": 0.231, "Pearson correlation": 0.97,
            "Spearman correlation": 0.93, "SD of log ratios": 0.39}}),
        "madQCplot": ("mad_qc.png", PNG)})
    # rna-seq-pipeline.wdl: rna_qc reads the redacted anno_pbam bams when there are some
    rna_qc_input = "anno_pbam" if run.calls("anno_pbam") else "align"
    run.per_call("rna_qc", rna_qc_input, lambda s: {"rnaQC": ("rna_qc.json", {
        "gene_type_count": {k: v * rep(s) for k, v in GENE_TYPE_COUNTS.items()}})})


def long_read_rna(run: RunEditor) -> None:
    """long-read-rna-pipeline src/make_minimap_qc.py, calculate_number_of_genes_detected.py
    and calculate_correlation.py (one QCMetric section per value)."""
    run.add_outputs("minimap2", lambda s: {"mapping_qc": ("mapping_qc.json", {
        "full_length_non_chimeric_reads": {"flnc": 452_812 * rep(s)},
        "number_of_mapped_reads": {"mapped": 418_000 * rep(s)},
        "mapping_rate": {"mapping_rate": 0.9231}})})
    run.add_outputs("create_abundance_from_talon_db", lambda s: {
        "number_of_genes_detected": ("genes_detected.json", {
            "number_of_genes_detected": {"number_of_genes_detected": 12_345 + s}})})
    run.pooled("calculate_spearman", "create_abundance_from_talon_db", {
        "spearman": ("spearman.json", {"replicates_correlation": {"spearman_correlation": 0.91}})})


# --- DNase-seq: text QC files and counts in the dnase_replicate analysis struct ------------

def flagstat_text(shard: int) -> str:
    n = rep(shard)
    return (f"{40_000_000 * n} + 0 in total (QC-passed reads + QC-failed reads)\n"
            "0 + 0 secondary\n0 + 0 supplementary\n"
            f"{1_200_000 * n} + 0 duplicates\n"
            f"{39_000_000 * n} + 0 mapped (97.50% : N/A)\n"
            f"{40_000_000 * n} + 0 paired in sequencing\n"
            f"{20_000_000 * n} + 0 read1\n{20_000_000 * n} + 0 read2\n"
            f"{38_000_000 * n} + 0 properly paired (95.00% : N/A)\n"
            f"{38_800_000 * n} + 0 with itself and mate mapped\n"
            "200000 + 0 singletons (0.50% : N/A)\n"
            "100000 + 0 with mate mapped to a different chr\n"
            "50000 + 0 with mate mapped to a different chr (mapQ>=5)\n")


def samtools_stats_text(shard: int) -> str:
    n = rep(shard)
    summary = [("raw total sequences", 40_000_000 * n), ("filtered sequences", 0),
               ("sequences", 40_000_000 * n), ("is sorted", 1), ("1st fragments", 20_000_000 * n),
               ("last fragments", 20_000_000 * n), ("reads mapped", 39_000_000 * n),
               ("reads mapped and paired", 38_800_000 * n), ("reads unmapped", 1_000_000),
               ("reads properly paired", 38_000_000 * n), ("reads paired", 40_000_000 * n),
               ("reads duplicated", 1_200_000), ("reads MQ0", 500_000), ("reads QC failed", 0),
               ("non-primary alignments", 0), ("total length", 3_040_000_000 * n),
               ("total first fragment length", 1_520_000_000 * n),
               ("total last fragment length", 1_520_000_000 * n),
               ("bases mapped", 2_964_000_000 * n), ("bases mapped (cigar)", 2_950_000_000 * n),
               ("bases trimmed", 0), ("bases duplicated", 91_200_000), ("mismatches", 9_000_000),
               ("error rate", "3.050847e-03"), ("average length", 76),
               ("average first fragment length", 76), ("average last fragment length", 76),
               ("maximum length", 76), ("maximum first fragment length", 76),
               ("maximum last fragment length", 76), ("average quality", 35.2),
               ("insert size average", 180.5), ("insert size standard deviation", 60.2),
               ("inward oriented pairs", 19_000_000), ("outward oriented pairs", 100_000),
               ("pairs with other orientation", 5_000), ("pairs on different chromosomes", 100_000),
               ("percentage of properly paired reads (%)", 95.0)]
    return ("# This file was produced by samtools stats (1.9+htslib-1.9)\n"
            "# Summary Numbers. Use `grep ^SN | cut -f 2-` to extract this part.\n"
            + "".join(f"SN\t{label}:\t{value}\n" for label, value in summary)
            + "# First Fragment Qualitites.\nFFQ\t1\t0\t0\n")


def picard_duplication_text(shard: int) -> str:
    columns = ("LIBRARY", "UNPAIRED_READS_EXAMINED", "READ_PAIRS_EXAMINED",
               "SECONDARY_OR_SUPPLEMENTARY_RDS", "UNMAPPED_READS", "UNPAIRED_READ_DUPLICATES",
               "READ_PAIR_DUPLICATES", "READ_PAIR_OPTICAL_DUPLICATES", "PERCENT_DUPLICATION",
               "ESTIMATED_LIBRARY_SIZE")
    row = ("lib1", 200_000, 19_400_000 * rep(shard), 0, 1_000_000, 10_000, 600_000, 20_000,
           0.031, 310_000_000)
    return ("## htsjdk.samtools.metrics.StringHeader\n# MarkDuplicates INPUT=[nuclear.bam]\n\n"
            "## METRICS CLASS\tpicard.sam.DuplicationMetrics\n"
            + "\t".join(columns) + "\n" + "\t".join(map(str, row)) + "\n\n"
            "## HISTOGRAM\tjava.lang.Double\nBIN\tVALUE\n1.0\t1.0\n")


def dnase(run: RunEditor) -> None:
    """The ``analysis.qc`` struct of dnase-seq-pipeline (wdl/structs/qc.wdl: QC,
    UnfilteredBamQC, NuclearBamQC, PeaksQC, FootprintsQC)."""
    def qc(shard: int) -> dict[str, Any]:
        def file(name: str, content: Content) -> str:
            return run.write("dnase_replicate", shard, name, content)

        n = rep(shard)
        return {
            "unfiltered_bam_qc": {
                "bamcounts": file("unfiltered.bamcounts.txt", f"total\t{40_000_000 * n}\n"),
                "flagstats": file("unfiltered.flagstat.qc", flagstat_text(shard)),
                "trimstats": file("trimstats.txt", f"trimmed {1000 * n} of {40_000_000 * n}\n"),
                "stats": file("unfiltered.stats.txt", samtools_stats_text(shard))},
            "nuclear_bam_qc": {
                "flagstats": file("nuclear.flagstat.qc", flagstat_text(shard)),
                "duplication_metrics": file("nuclear.dup.qc", picard_duplication_text(shard)),
                "hotspot1": file("nuclear.spot.out", "tags  hotspot tags  SPOT\n"
                                 f"{10_000_000 * n} {4_500_000 * n} 0.45\n"),
                "stats": file("nuclear.stats.txt", samtools_stats_text(shard)),
                "insert_size_info": file("insert_size.info", "Insert sizes: median 180\n"),
                "insert_size_metrics": file(
                    "insert_size.metrics", "## METRICS CLASS\tpicard.analysis.InsertSizeMetrics\n"),
                "insert_size_histogram_pdf": file("insert_size.hist.pdf", PDF),
                "preseq": file("preseq.txt", "TOTAL_READS\tEXPECTED_DISTINCT\n0\t0\n"),
                "preseq_targets": file("preseq_targets.txt", "TOTAL_READS\t1e8\n")},
            "peaks_qc": {
                "tenth_of_one_percent_narrowpeaks_count": 60_000 * n,
                "five_percent_allcalls_count": 900_000 * n,
                "five_percent_narrowpeaks_count": 200_000 * n,
                "five_percent_hotspots_count": 150_000 * n,
                "hotspot2": file("hotspot2.SPOT.txt", f"0.{38 + shard}\n")},
            "footprints_qc": {
                "one_percent_footprints_count": 120_000 * n,
                "dispersion_model": file("dispersion_model.json", {"mu": [1.0, 2.0], "r": n})}}

    for task in ("dnase_replicate", "dnase_replicate_no_footprints"):
        for call in run.calls(task):
            call["outputs"]["analysis"]["qc"] = qc(call["shardIndex"])


# --- WGBS, Hi-C and megamap, Segway -------------------------------------------------------

def wgbs(run: RunEditor) -> None:
    run.metadata["inputs"]["fastqs"] = [fastqs for _, fastqs in run.raw_inputs("map", "fastqs")]
    stats = dict(line.split(":\t") for line in samtools_stats_text(0).replace("SN\t", "")
                 .splitlines() if ":\t" in line)
    run.per_call("qc_report", "map", lambda s: {
        # wgbs-pipeline wgbs_pipeline/parse_map_qc_html.py (its test's expected keys)
        "portal_map_qc_json": ("map_qc.json", {
            "sequenced_reads": 400_000 * rep(s), "pct_sequenced_reads": 1.0,
            "general_reads": 358_466 * rep(s), "pct_general_reads": 0.8962,
            "reads_in_control_sequences": 0, "pct_reads_in_control_sequences": 0.0,
            "reads_under_conversion_control": 12_349, "pct_reads_under_conversion_control": 0.0309,
            "reads_over_conversion_control": 0, "pct_reads_over_conversion_control": 0.0,
            "unmapped_reads": 29_185, "pct_unmapped_reads": 0.073,
            "bisulfite_reads_c2t": 192_236, "pct_bisulfite_reads_c2t": 0.4806,
            "bisulfite_reads_g2a": 178_579, "pct_bisulfite_reads_g2a": 0.4464,
            "unique_fragments": 156_841, "pct_unique_fragments": 0.7842,
            "conversion_rate": 0.9986559741624927, "correct_pairs": 179_763}),
        "map_qc_mapq_plot_png": ("mapq.png", PNG),
        "map_qc_insert_size_plot_png": ("insert_size.png", PNG)})
    run.per_call("calculate_average_coverage", "map", lambda s: {
        "average_coverage_qc": ("average_coverage.json", {
            "average_coverage": {"average_coverage": 12.4 + s},
            "samtools_stats": {k: float(v) if "." in v or "e" in v else int(v)
                               for k, v in stats.items()}})})
    run.pooled("calculate_bed_pearson_correlation", "extract", {
        "bed_pearson_correlation_qc": ("pearson.json",
                                       {"pearson_correlation": {"pearson_correlation": 0.89}})})


def hic_stats(shard: int) -> dict[str, Any]:
    return juicer_stats_json(4_079_509 * rep(shard))


HIC_STATS_TEXT = juicer_stats_text("synthetic")
MAPQ = (1, 30)  # the Hi-C pipeline makes one map per MAPQ threshold


def hic(run: RunEditor) -> None:
    """Library statistics below each deduplicated bam; a map's statistics above it; one map
    per MAPQ threshold (here: shard 0 is MAPQ 1, shard 1 is MAPQ 30)."""
    run.per_call("calculate_stats_on_library", "dedup", lambda s: {
        "stats_json": ("library_stats.json", hic_stats(s)),
        "stats": ("library_stats.txt", HIC_STATS_TEXT)})
    for call in run.calls("add_norm"):
        dedup = next(c for c in run.calls("dedup") if c["shardIndex"] == call["shardIndex"])
        stats = run.add_call("calculate_stats", [dedup], call["shardIndex"], {
            "stats_json": ("stats.json", hic_stats(call["shardIndex"])),
            "stats": ("stats.txt", HIC_STATS_TEXT)})
        call["inputs"]["stats_json"] = stats["outputs"]["stats_json"]
    for task in ("add_norm", "arrowhead", "hiccups", "localizer_intact"):
        run.set_inputs(task, lambda s: {"quality": MAPQ[s % 2]})
    run.set_inputs("create_eigenvector", lambda s: {"output_filename_suffix": f"_{MAPQ[s % 2]}"})


def megamap(run: RunEditor) -> None:
    """A megamap's statistics are merged from its maps': one pair of files for the run."""
    run.pooled("merge_stats", "add_norm", {"stats_json": ("merged_stats.json", hic_stats(0)),
                                           "merged_stats": ("merged_stats.txt", HIC_STATS_TEXT)})


def segway(run: RunEditor) -> None:
    tables = ("feature_aggregation_tab", "length_distribution_tab", "segment_sizes_tab",
              "signal_distribution_tab")
    run.per_call("segtools", "segway_annotate", lambda s: {
        key: (f"{key}.tab", f"label\tcount\n0\t{100 * rep(s)}\n") for key in tables})


# the QC outputs of each variant's pipeline (diploidify and genophase post no QC)
FOR_VARIANT: dict[str, Callable[[RunEditor], None]] = {
    "atac": atac, "mirna": mirna, "wgbs": wgbs, "megamap": megamap, "segway": segway,
    **{v: partial(chip, peak_caller="spp") for v in (
        "tf_chip", "tf_chip_pbam", "tf_chip_peak_call_only", "tf_chip_bwa_control_fastqs",
        "control_chip", "control_chip_pbam", "chip_map_only")},
    **{v: partial(chip, peak_caller="macs2") for v in (
        "histone_chip", "histone_chip_pbam", "histone_chip_peak_call_only", "mint_chip",
        "mint_chip_peak_call_only")},
    **dict.fromkeys(("bulk_rna", "bulk_rna_no_kallisto", "bulk_rna_pbam"), bulk_rna),
    **dict.fromkeys(("long_read_rna_no_spikeins", "long_read_rna_one_spikein",
                     "long_read_rna_two_or_more_spikeins"), long_read_rna),
    **dict.fromkeys(("dnase", "dnase_no_footprints", "dnase_starch_from_bam"), dnase),
    **dict.fromkeys(("hic", "hic_intact", "hic_low_contact", "hic_intact_low_contact"), hic),
}
