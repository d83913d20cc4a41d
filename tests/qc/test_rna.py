"""Bulk RNA-seq QC on synthetic rna-seq-pipeline runs: the standard one (align -> rsem_quant,
mad_qc, rna_qc) and the privacy-preserving one (redacted genome_pbam/anno_pbam bams)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from encode_accession.qc import build

from .synthetic import FakeRun, attached, contexts, png, preferred_default_value, step, wdl_file

STAR_LOG = {
    "Started job on": "Feb 16 23:45:04", "Started mapping on": "Feb 16 23:49:02",
    "Finished on": "Feb 17 00:16:34", "Mapping speed, Million of reads per hour": "115.09",
    "Number of input reads": "52815760", "Average input read length": "202",
    "Uniquely mapped reads number": "49542908", "Uniquely mapped reads %": "93.80%",
    "Average mapped length": "201.00", "Number of splices: Total": "20633562",
    "Number of splices: Annotated (sjdb)": "20453258", "Number of splices: GT/AG": "20442117",
    "Number of splices: GC/AG": "154577", "Number of splices: AT/AC": "11212",
    "Number of splices: Non-canonical": "25656", "Mismatch rate per base, %": "0.30%",
    "Deletion rate per base": "0.02%", "Deletion average length": "1.51",
    "Insertion rate per base": "0.01%", "Insertion average length": "1.37",
    "Number of reads mapped to multiple loci": "2218531",
    "% of reads mapped to multiple loci": "4.20%",
    "Number of reads mapped to too many loci": "7303",
    "% of reads mapped to too many loci": "0.01%",
    "% of reads unmapped: too many mismatches": "0.00%",
    "% of reads unmapped: too short": "1.95%", "% of reads unmapped: other": "0.03%",
    "Number of chimeric reads": "0", "% of chimeric reads": "0.00%"}
FLAGSTAT_PE = {"total": 55000000, "total_qc_failed": 0, "duplicates": 0,
               "duplicates_qc_failed": 0, "mapped": 54000000, "mapped_qc_failed": 0,
               "mapped_pct": 98.18, "paired": 55000000, "paired_qc_failed": 0,
               "read1": 27500000, "read1_qc_failed": 0, "read2": 27500000, "read2_qc_failed": 0,
               "paired_properly": 53000000, "paired_properly_qc_failed": 0,
               "paired_properly_pct": 96.36, "with_itself": 53900000,
               "with_itself_qc_failed": 0, "singletons": 100000, "singletons_qc_failed": 0,
               "singletons_pct": 0.18, "diff_chroms": 0, "diff_chroms_qc_failed": 0}
FLAGSTAT_SE = {"total": 30000000, "total_qc_failed": 0, "duplicates": 0,
               "duplicates_qc_failed": 0, "mapped": 29000000, "mapped_qc_failed": 0,
               "mapped_pct": 96.67}
GENE_TYPES = {"spikein": 120000, "rRNA": 3400, "Mt_rRNA": 52000, "miRNA": 900,
              "protein_coding": 21000000, "processed_transcript": 410000, "ribozyme": 12,
              "sRNA": 40, "scaRNA": 300, "snRNA": 2100, "snoRNA": 5100, "antisense": 380000,
              "sense_overlapping": 3100, "sense_intronic": 45000, "lincRNA": 640000,
              "misc_RNA": 7000, "TEC": 12000}
MAD = {"MAD of log ratios": 0.215, "Pearson correlation": 0.978,
       "Spearman correlation": 0.881, "SD of log ratios": 0.331}


def rna_run(tmp_path: Path, replicates: int = 2, *, pbam: bool = False,
            paired: bool = True) -> FakeRun:
    run = FakeRun(tmp_path, "rna", {"rna.endedness": "paired" if paired else "single"})
    genes = []
    for shard in range(replicates):
        root = f"rep{shard + 1}ENCSR000AED"
        star = {"star_log_qc": {**STAR_LOG, "Uniquely mapped reads number": str(49542908 + shard)}}
        flagstat = FLAGSTAT_PE if paired else FLAGSTAT_SE
        align = run.call("align", {"fastqs_R1": [run.file(f"{root}_R1.fastq.gz")]}, {
            "genomebam": run.file(f"{root}_genome.bam"), "annobam": run.file(f"{root}_anno.bam"),
            "genome_flagstat_json": run.file(f"{root}_genome_flagstat.json",
                                             {"samtools_genome_flagstat": flagstat}),
            "anno_flagstat_json": run.file(f"{root}_anno_flagstat.json",
                                           {"samtools_anno_flagstat": flagstat}),
            "log_json": run.file(f"{root}_Log.final.json", star)}, shard)
        anno = align["annobam"]
        if pbam:
            run.call("genome_pbam", {"bam": align["genomebam"]},
                     {"out": run.file(f"{root}_genome.p.bam")}, shard)
            anno = run.call("anno_pbam", {"bam": anno},
                            {"out": run.file(f"{root}_anno.p.bam")}, shard)["out"]
        genes.append(run.call("rsem_quant", {"anno_bam": anno}, {
            "genes_results": run.file(f"{root}.genes.results"),
            "number_of_genes": run.file(f"{root}_number_of_genes_detected.json", {
                "number_of_genes_detected": {"number_of_genes_detected": 14323 + shard}})},
            shard)["genes_results"])
        run.call("rna_qc", {"input_bam": anno}, {"rnaQC": run.file(f"{root}_qc.json", {
            "gene_type_count": GENE_TYPES})}, shard)
    if replicates == 2:
        run.call("mad_qc", {"quants1": genes[0], "quants2": genes[1]}, {
            "madQCplot": run.file("ENCSR000AED_mad_plot.png", png()),
            "madQCmetrics": run.file("ENCSR000AED_mad_qc_metrics.json", {"MAD.R": MAD})})
    return run


QUANT_STEP = step("rsem_quant", wdl_file("genes_results", "gene quantifications",
                                         file_format="tsv", preferred=True,
                                         qc=("number_of_genes_detected_qc", "mad_qc_metric")))
STEPS = [
    step("align",
         wdl_file("genomebam", "alignments", qc=("star_mapping_qc", "genome_flagstat_qc")),
         wdl_file("annobam", "transcriptome alignments",
                  qc=("star_mapping_qc", "anno_flagstat_qc", "reads_by_gene_type_qc"))),
    QUANT_STEP,
]
PBAM_STEPS = [
    step("genome_pbam", wdl_file("out", "redacted alignments",
                                 qc=("star_mapping_qc", "genome_flagstat_qc"))),
    step("anno_pbam", wdl_file("out", "redacted transcriptome alignments", qc=(
        "star_mapping_qc", "anno_flagstat_qc", "reads_by_gene_type_qc"))),
    QUANT_STEP,
]


@pytest.fixture
def rna(tmp_path):
    return contexts(rna_run(tmp_path), STEPS, 2)


def test_star_mapping_is_one_object_for_both_bams_of_a_replicate(rna, portal_accepts):
    genome, anno = (build("star_mapping_qc", rna[f"align.1.{k}"]) for k in ("genomebam",
                                                                             "annobam"))
    assert genome == anno and genome.shared and genome.profile == "star-quality-metric"
    props = genome.properties
    assert props["Uniquely mapped reads number"] == 49542909  # replicate 2's own log
    assert props["Average mapped length"] == 201.0
    assert props["Uniquely mapped reads %"] == "93.80%"  # percentages stay as STAR wrote them
    assert "Started job on" not in props and "Finished on" not in props
    assert len(props) == len(STAR_LOG) - 3 + 1  # plus the attachment
    assert props["attachment"]["type"] == "application/json"
    assert json.loads(attached(genome, "attachment"))["star_log_qc"]["Finished on"]
    assert build("star_mapping_qc", rna["align.0.annobam"]) != anno
    portal_accepts(genome)


def test_flagstats_percentages_become_strings_and_the_json_is_attached(rna, portal_accepts):
    genome = build("genome_flagstat_qc", rna["align.0.genomebam"])
    assert genome.profile == "samtools-flagstats-quality-metric" and not genome.shared
    props = genome.properties
    assert props["mapped_pct"] == "98.18" and props["paired_properly_pct"] == "96.36"
    assert props["singletons_pct"] == "0.18" and props["mapped"] == 54000000
    assert props["attachment"]["download"] == "rep1ENCSR000AED_genome_flagstat.json"
    anno = build("anno_flagstat_qc", rna["align.0.annobam"])
    assert anno.properties["attachment"]["download"] == "rep1ENCSR000AED_anno_flagstat.json"
    portal_accepts(genome)


def test_single_end_flagstats_have_no_pair_percentages(tmp_path, portal_accepts):
    ctx = contexts(rna_run(tmp_path, paired=False), STEPS, 2)
    props = build("genome_flagstat_qc", ctx["align.1.genomebam"]).properties
    assert props["mapped_pct"] == "96.67" and "paired_properly_pct" not in props
    portal_accepts(build("genome_flagstat_qc", ctx["align.1.genomebam"]))


def test_genes_detected_and_reads_by_gene_type(rna, portal_accepts):
    genes = build("number_of_genes_detected_qc", rna["rsem_quant.1.genes_results"])
    assert genes.profile == "gene-quantification-quality-metric"
    assert genes.properties == {"number_of_genes_detected": 14324}
    by_type = build("reads_by_gene_type_qc", rna["align.0.annobam"])
    assert by_type.profile == "gene-type-quantification-quality-metric"
    props = dict(by_type.properties)
    attachment = props.pop("attachment")
    assert props == {k: v for k, v in GENE_TYPES.items()
                     if k not in ("lincRNA", "misc_RNA", "TEC")}  # the portal's 14 types
    assert attachment["type"] == "application/json"
    assert json.loads(attached(by_type, "attachment"))["gene_type_count"]["lincRNA"] == 640000
    portal_accepts(genes)
    portal_accepts(by_type)


def test_mad_is_shared_by_both_quantifications_and_needs_two_replicates(rna, tmp_path,
                                                                        portal_accepts):
    one, two = (build("mad_qc_metric", rna[f"rsem_quant.{i}.genes_results"]) for i in (0, 1))
    assert one == two and one.shared and one.profile == "mad-quality-metric"
    assert {k: v for k, v in one.properties.items() if k != "attachment"} == MAD
    assert one.properties["attachment"]["type"] == "image/png"
    assert attached(one, "attachment") == png()
    single = contexts(rna_run(tmp_path / "single", replicates=1), STEPS, 1)
    assert build("mad_qc_metric", single["rsem_quant.0.genes_results"]) is None
    three = contexts(rna_run(tmp_path / "three"), STEPS, 3)
    assert build("mad_qc_metric", three["rsem_quant.0.genes_results"]) is None
    portal_accepts(one)


def test_redacted_bams_get_star_and_flagstats_from_align_without_sequence_details(
        tmp_path, portal_accepts):
    ctx = contexts(rna_run(tmp_path, pbam=True), PBAM_STEPS, 2)
    genome, anno = ctx["genome_pbam.0.out"], ctx["anno_pbam.0.out"]
    star = build("star_mapping_qc", genome)
    assert star == build("star_mapping_qc", anno) and star.shared
    assert star.properties["Uniquely mapped reads number"] == 49542908
    for hidden in ("Mismatch rate per base, %", "Deletion rate per base",
                   "Deletion average length", "Insertion rate per base",
                   "Insertion average length", "attachment"):
        assert hidden not in star.properties
    assert len(star.properties) == len(STAR_LOG) - 3 - 5
    flagstat = build("anno_flagstat_qc", anno).properties
    assert flagstat["mapped_pct"] == "98.18" and "attachment" not in flagstat
    by_type = build("reads_by_gene_type_qc", anno)  # rna_qc reads the redacted bam
    assert by_type.properties["protein_coding"] == 21000000
    portal_accepts(star)


@pytest.mark.parametrize("family", ["bulk_rna", "bulk_rna_no_kallisto", "bulk_rna_pbam"])
def test_bulk_rna_preferred_default_ranks_by_uniquely_mapped_reads(tmp_path, family):
    pbam = family.endswith("pbam")
    ctx = contexts(rna_run(tmp_path, pbam=pbam), PBAM_STEPS if pbam else STEPS, 2)
    value = preferred_default_value(family)
    assert [value(ctx[f"rsem_quant.{i}.genes_results"]) for i in (0, 1)] == [49542908,
                                                                             49542909]
