"""QC builders: microRNA values from the real pipeline's QC files, ATAC from the demo run."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
from conftest import shared_fixture

from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
from encode_accession.demo.run import write_demo_run
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps
from encode_accession.qc import BUILDERS, CALLBACKS, PREFERRED_DEFAULT_VALUE, QcContext, build


def real_mirna_contexts(replicates: int):
    """Contexts for the real replicated microRNA run; gs:// QC files are read from the local
    copies in shared/fixtures/cromwell/mirna_qc (the bytes the pipeline wrote)."""
    qc_dir = shared_fixture("cromwell/mirna_qc")
    wf = load_metadata(shared_fixture("cromwell/mirna_replicated_metadata.json"))
    plan = build_plan(wf, load_steps(ACCESSION_RULES / "mirna.yaml"))

    def read(uri: str) -> bytes:
        return (qc_dir / PurePosixPath(uri).name).read_bytes()

    return plan, {f.id: QcContext(wf, f, read, replicates) for f in plan.files.values()}


def test_microrna_star_mapping_and_quantification_equal_the_real_qc_files():
    plan, contexts = real_mirna_contexts(2)
    qc_dir = shared_fixture("cromwell/mirna_qc")
    for rep, file_id in ((1, "star.0.bam"), (2, "star.1.bam")):
        real = json.loads((qc_dir / f"rep{rep}ENCSR715NEZ_star_qc.json").read_text())
        star = build("star", contexts[file_id])
        assert star.profile == "star-quality-metric"
        assert star.properties["Uniquely mapped reads number"] == int(
            real["star_qc_metric"]["Uniquely mapped reads number"])
        assert star.properties["Average mapped length"] == float(
            real["star_qc_metric"]["Average mapped length"])
        assert star.properties["Uniquely mapped reads %"] == real["star_qc_metric"][
            "Uniquely mapped reads %"]  # percentages stay strings, as STAR wrote them
        assert "Started job on" not in star.properties
        assert len(star.properties) == len(real["star_qc_metric"]) - 3
        mapping = build("mirna_mapping", contexts[file_id])
        assert mapping.properties == real["aligned_reads"]
    tsv = contexts["star.1.tsv"]
    real = json.loads((qc_dir / "rep2ENCSR715NEZ_star_qc.json").read_text())
    assert build("mirna_quantification", tsv).properties == real["expressed_mirnas"]


def test_microrna_correlation_is_shared_and_only_for_two_replicates():
    _plan, contexts = real_mirna_contexts(2)
    real = json.loads((shared_fixture("cromwell/mirna_qc") / "ENCSR715NEZ_spearman.json")
                      .read_text())
    one, two = (build("mirna_correlation", contexts[i]) for i in ("star.0.tsv", "star.1.tsv"))
    assert one == two and one.shared
    assert one.properties == {
        "Spearman correlation": real["spearman_correlation"]["spearman_correlation"]}
    _plan, single = real_mirna_contexts(1)
    assert build("mirna_correlation", single["star.0.tsv"]) is None


@pytest.fixture(scope="module")
def atac(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    wf = load_metadata(write_demo_run(folder))
    plan = build_plan(wf, load_steps(ACCESSION_RULES / "atac.yaml"))
    qc = json.loads(Path(wf.files[next(u for u, f in wf.files.items() if "qc_json" in f.keys)]
                         .uri).read_text())
    return plan, qc, {f.id: QcContext(wf, f, lambda u: Path(u).read_bytes(), 2)
                      for f in plan.files.values()}


def test_atac_alignment_uses_the_files_own_replicate_and_stage(atac):
    _plan, qc, contexts = atac
    raw = build("atac_alignment", contexts["align.1.bam"]).properties
    filtered = build("atac_alignment", contexts["filter.0.nodup_bam"]).properties
    assert raw["processing_stage"] == "unfiltered"
    assert raw["total_reads"] == qc["align"]["samstat"]["rep2"]["total_reads"]
    assert filtered["processing_stage"] == "filtered"
    assert filtered["mapped_reads"] == qc["align"]["nodup_samstat"]["rep1"]["mapped_reads"]
    assert filtered["frac_mito_reads"] == qc["align"]["frac_mito"]["rep1"]["frac_mito_reads"]
    assert "frac_reads_in_nfr" in filtered  # paired-end runs add fragment length stats


def test_atac_enrichment_and_library_attach_png_plots(atac):
    _plan, qc, contexts = atac
    enrich = build("atac_align_enrich", contexts["filter.1.nodup_bam"]).properties
    assert enrich["fri_exclusion_list"] == qc["align"]["frac_reads_in_annot"]["rep2"][
        "fri_blacklist"] and "fri_blacklist" not in enrich
    for plot in ("jsd_plot", "gc_bias_plot", "tss_enrichment_plot"):
        assert enrich[plot]["href"].startswith("data:image/png;base64,iVBORw0KGgo")
    library = build("atac_library", contexts["filter.1.nodup_bam"]).properties
    assert library["NRF"] == 0.9
    assert library["fragment_length_distribution_plot"]["download"] == "rep2.fraglen.png"


def test_atac_replication_counts_peaks_of_the_compared_sets(atac):
    _plan, qc, contexts = atac
    idr = qc["replication"]["reproducibility"]["idr"]
    pr2 = build("atac_replication", contexts["idr_pr.1.bfilt_idr_peak"]).properties
    assert pr2["reproducible_peaks"] == idr["N2"] and "rescue_ratio" not in pr2
    assert pr2["idr_cutoff"] == 0.05
    assert pr2["idr_parameters"]["download"].endswith(".idr.log.txt")
    optimal = build("atac_replication", contexts["idr_ppr.bfilt_idr_peak"]).properties
    assert optimal["reproducible_peaks"] == idr["Np"]
    assert optimal["rescue_ratio"] == idr["rescue_ratio"]  # the optimal set only
    overlap = build("atac_replication", contexts["overlap.0.bfilt_overlap_peak"]).properties
    assert overlap["reproducible_peaks"] == 120000 and "idr_cutoff" not in overlap


def test_atac_peak_enrichment_adds_region_sizes_for_the_optimal_set(atac):
    _plan, qc, contexts = atac
    optimal = build("atac_peak_enrichment", contexts["overlap_ppr.bfilt_overlap_peak"]).properties
    assert optimal["frip"] == qc["peak_enrich"]["frac_reads_in_peaks"]["overlap"][
        "pooled-pr1_vs_pooled-pr2"]["frip"]
    assert optimal["mean"] == 520.5 and optimal["50_pct"] == 450
    other = build("atac_peak_enrichment", contexts["idr_pr.0.bfilt_idr_peak"]).properties
    assert set(other) == {"frip"}


def test_every_qc_name_in_the_atac_and_mirna_rules_has_a_builder():
    for name in ("atac", "mirna"):
        steps = load_steps(ACCESSION_RULES / f"{name}.yaml")
        names = {q for s in steps.steps for f in s.files for q in f.quality_metrics}
        assert names <= set(BUILDERS), names - set(BUILDERS)


def test_atac_callbacks_fill_read_length_run_type_and_conservative_set(atac):
    plan, qc, contexts = atac
    bam = contexts["filter.0.nodup_bam"]
    assert CALLBACKS["add_mapped_read_length"](bam) == {"mapped_read_length": 76}
    assert CALLBACKS["add_mapped_run_type"](bam) == {"mapped_run_type": "paired-ended"}
    assert qc["replication"]["reproducibility"]["idr"]["consv_set"] == "rep1_vs_rep2"
    assert CALLBACKS["maybe_conservative_set"](contexts["idr.0.bfilt_idr_peak"]) == {
        "output_type": "conservative IDR thresholded peaks"}
    assert CALLBACKS["maybe_conservative_set"](contexts["idr_ppr.bfilt_idr_peak"]) == {}


def test_atac_preferred_defaults_are_the_optimal_overlap_set_and_the_pooled_signal(atac):
    plan, _qc, contexts = atac
    chosen = {i for i, f in plan.files.items() for name in f.spec.callbacks
              if name.startswith("maybe_preferred_default") and CALLBACKS[name](contexts[i])}
    assert chosen == {"overlap_ppr.bfilt_overlap_peak", "overlap_ppr.bfilt_overlap_peak_bb",
                      "macs2_signal_track_pooled.pval_bw"}


def test_microrna_preferred_default_ranks_by_aligned_reads():
    _plan, contexts = real_mirna_contexts(2)
    qc_dir = shared_fixture("cromwell/mirna_qc")
    reads = [json.loads((qc_dir / f"rep{r}ENCSR715NEZ_star_qc.json").read_text())
             ["aligned_reads"]["aligned_reads"] for r in (1, 2)]
    metric = load_steps(RULES_DIR / "mirna.yaml").facts.preferred_default_metric
    value = PREFERRED_DEFAULT_VALUE[metric]
    assert [value(contexts[f"star.{i}.tsv"]) for i in (0, 1)] == reads
