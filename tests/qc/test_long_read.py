"""Long-read RNA-seq QC on a synthetic long-read-rna-pipeline run: minimap2 ->
transcriptclean -> talon -> create_abundance_from_talon_db, calculate_spearman for two."""

from __future__ import annotations

from pathlib import Path

import pytest

from encode_accession.qc import build

from .synthetic import FakeRun, contexts, preferred_default_value, step, wdl_file

FLNC = ("2087445", "1904312")


def long_read_run(tmp_path: Path, replicates: int = 2) -> FakeRun:
    run = FakeRun(tmp_path, "long_read_rna_pipeline", {"spikeins": []})
    abundances = []
    for shard in range(replicates):
        rep = f"rep{shard + 1}ENCSR000LRR"
        sam = run.call("minimap2", {"fastq": run.file(f"{rep}.fastq.gz")}, {
            "bam": run.file(f"{rep}.bam"), "sam": run.file(f"{rep}.sam"),
            "mapping_qc": run.file(f"{rep}_mapping_qc.json", {
                "full_length_non_chimeric_reads": {"flnc": FLNC[shard]},
                "mapping_rate": {"mapping_rate": "0.9512"}})}, shard)["sam"]
        clean = run.call("transcriptclean", {"sam": sam},
                         {"corrected_sam": run.file(f"{rep}_clean.sam")}, shard)["corrected_sam"]
        db = run.call("talon", {"sam": clean}, {"talon_db_out": run.file(f"{rep}_talon.db")},
                      shard)["talon_db_out"]
        abundances.append(run.call("create_abundance_from_talon_db", {"talon_db": db}, {
            "talon_abundance": run.file(f"{rep}_talon_abundance.tsv"),
            "number_of_genes_detected": run.file(f"{rep}_number_of_genes_detected.json", {
                "number_of_genes_detected": {"number_of_genes_detected": 11231 + shard}})},
            shard)["talon_abundance"])
    if replicates == 2:
        run.call("calculate_spearman", {"rep1_abundance": abundances[0],
                                        "rep2_abundance": abundances[1]},
                 {"spearman": run.file("ENCSR000LRR_spearman.json", {
                     "replicates_correlation": {"spearman_correlation": 0.8703}})})
    return run


STEPS = [
    step("minimap2", wdl_file("bam", "unfiltered alignments", qc=("long_read_rna_mapping",))),
    step("create_abundance_from_talon_db", wdl_file(
        "talon_abundance", "transcript quantifications", file_format="tsv", preferred=True,
        qc=("long_read_rna_quantification", "long_read_rna_correlation"))),
]


def test_long_read_mapping_casts_the_read_count_and_rate(tmp_path, portal_accepts):
    ctx = contexts(long_read_run(tmp_path), STEPS, 2)
    mapping = build("long_read_rna_mapping", ctx["minimap2.1.bam"])
    assert mapping.profile == "long-read-rna-mapping-quality-metric"
    assert mapping.properties == {"full_length_non_chimeric_read_count": 1904312,
                                  "mapping_rate": 0.9512}
    quantification = build("long_read_rna_quantification",
                           ctx["create_abundance_from_talon_db.0.talon_abundance"])
    assert quantification.properties == {"genes_detected": 11231}
    portal_accepts(mapping)
    portal_accepts(quantification)


def test_long_read_correlation_is_shared_and_only_for_two_replicates(tmp_path, portal_accepts):
    ctx = contexts(long_read_run(tmp_path), STEPS, 2)
    one, two = (build("long_read_rna_correlation",
                      ctx[f"create_abundance_from_talon_db.{i}.talon_abundance"]) for i in (0, 1))
    assert one == two and one.shared and one.profile == "correlation-quality-metric"
    assert one.properties == {"Spearman correlation": 0.8703}
    single = contexts(long_read_run(tmp_path / "single", 1), STEPS, 1)
    assert build("long_read_rna_correlation",
                 single["create_abundance_from_talon_db.0.talon_abundance"]) is None
    portal_accepts(one)


@pytest.mark.parametrize("family", ["long_read_rna_no_spikeins", "long_read_rna_one_spikein",
                                    "long_read_rna_two_or_more_spikeins"])
def test_long_read_preferred_default_ranks_by_full_length_reads(tmp_path, family):
    ctx = contexts(long_read_run(tmp_path), STEPS, 2)
    value = preferred_default_value(family)
    assert [value(ctx[f"create_abundance_from_talon_db.{i}.talon_abundance"])
            for i in (0, 1)] == [int(n) for n in FLNC]
