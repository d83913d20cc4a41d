"""ChIP-seq QC and callbacks on a synthetic TF ChIP run with control fastqs (two replicates,
one control), shaped like chip-seq-pipeline2: align/align_ctl -> filter/filter_ctl, align_R1
-> xcor, jsd over all filtered bams, IDR on pseudoreplicates, pooled and true replicates."""

from __future__ import annotations

import pytest

from encode_accession.qc import CALLBACKS, build

from .synthetic import PDF, FakeRun, attached, contexts, png, step, wdl_file

SETS = {"idr_pr": ["rep1-pr1_vs_rep1-pr2", "rep2-pr1_vs_rep2-pr2"],
        "idr_ppr": ["pooled-pr1_vs_pooled-pr2"], "idr": ["rep1_vs_rep2"]}


def qc_json(replicates: int) -> dict:
    """The chip-seq-pipeline2 qc.json sections the builders read. Some floats are written
    as ints (``0``, ``100``), as the pipeline does: the builders must cast them."""
    reps = [f"rep{n}" for n in range(1, replicates + 1)]
    samstat = {"total_reads": 24000000, "mapped_reads": 23500000, "pct_mapped_reads": 97.9,
               "paired_reads": 24000000, "read1": 12000000, "read2": 12000000,
               "properly_paired_reads": 23000000, "pct_properly_paired_reads": 95.8,
               "with_itself": 23400000, "singletons": 100000, "pct_singletons": 0.4,
               "diff_chroms": 80000, "duplicate_reads": 0}
    nodup = {**samstat, "total_reads": 18000000, "mapped_reads": 18000000,
             "pct_mapped_reads": 100}
    idr = {"Nt": 41000, "N1": 45000, "N2": 39000, "Np": 47000, "N_opt": 47000,
           "N_consv": 41000, "opt_set": "pooled-pr1_vs_pooled-pr2",
           "consv_set": "rep1_vs_rep2", "rescue_ratio": 1.146, "self_consistency_ratio": 1.154,
           "reproducibility": "pass"}
    return {
        "general": {"pipeline_ver": "v2.2.1", "peak_caller": "spp", "genome": "GRCh38",
                    "seq_endedness": {**{r: {"paired_end": True} for r in reps},
                                      "ctl1": {"paired_end": False}}},
        "align": {
            "samstat": {**{r: dict(samstat) for r in reps}, "ctl1": {**samstat,
                                                                      "total_reads": 30000000}},
            "nodup_samstat": {**{r: dict(nodup) for r in reps}, "ctl1": dict(nodup)},
            "dup": {r: {"unpaired_reads": 0, "paired_reads": 11750000, "unmapped_reads": 0,
                        "unpaired_duplicate_reads": 0, "paired_duplicate_reads": 2700000,
                        "paired_optical_duplicate_reads": 1200, "pct_duplicate_reads": 0}
                    for r in [*reps, "ctl1"]},
        },
        "lib_complexity": {"lib_complexity": {
            r: {"total_fragments": 11700000, "distinct_fragments": 9000000,
                "positions_with_one_read": 7100000,
                "NRF": 0.77, "PBC1": 0.79, "PBC2": 5} for r in [*reps, "ctl1"]}},
        "align_enrich": {
            "xcor_score": {r: {"subsampled_reads": 15000000, "estimated_fragment_len": 230,
                               "corr_estimated_fragment_len": 0.253, "phantom_peak": 40,
                               "corr_phantom_peak": 0.224, "argmin_corr": 1500,
                               "min_corr": 0.2, "NSC": 1.26, "RSC": 1}
                           for r in reps},
            # parse_jsd_qc with a control (--JSDsample): chip-seq-pipeline2
            # src/encode_lib_log_parser.py
            "jsd": {r: {"auc": 0.38, "syn_auc": 0.49, "x_intercept": 0,
                        "syn_x_intercept": 0.0, "elbow_pt": 0.62, "syn_elbow_pt": 0.5,
                        "jsd": 0.12, "syn_jsd": 0.35, "pct_genome_enrich": 34.5,
                        "diff_enrich": 24.1, "ch_div": 0.09} for r in reps},
        },
        "replication": {"reproducibility": {"idr": idr}},
        "peak_stat": {"peak_region_size": {"idr_opt": {
            "min_size": 240, "25_pct": 290, "50_pct": 340, "75_pct": 420, "max_size": 1550,
            "mean": 371}}},
        "peak_enrich": {"frac_reads_in_peaks": {"idr": {
            s: {"frip": 0.0211 + i / 1000} for i, s in
            enumerate(s for sets in SETS.values() for s in sets)}}},
    }


def chip_run(tmp_path, replicates: int = 2, crop_length: int = 0) -> FakeRun:
    fastqs = {n: [str(tmp_path / f"rep{n}_R{r}.fastq.gz") for r in (1, 2)]
              for n in range(1, replicates + 1)}
    ctl = [str(tmp_path / f"ctl1_R{r}.fastq.gz") for r in (1, 2)]
    run = FakeRun(tmp_path, "chip", {
        **{f"chip.fastqs_rep{n}_R{r}": [fastqs[n][r - 1]] for n in fastqs for r in (1, 2)},
        "chip.fastqs_rep3_R1": [], "chip.ctl_fastqs_rep1_R1": [ctl[0]],
        "chip.ctl_fastqs_rep1_R2": [ctl[1]], "chip.paired_end": True})
    crop = {"crop_length": crop_length, "crop_length_tol": 2}
    nodups = []
    for shard, n in enumerate(fastqs):
        r1, r2 = fastqs[n]
        bam = run.call("align", {"fastqs_R1": [r1], "fastqs_R2": [r2], **crop}, {
            "bam": run.file(f"rep{n}.bam"), "read_len_log": run.file(f"rep{n}.len.txt", "100\n")},
            shard)["bam"]
        nodups.append(run.call("filter", {"bam": bam},
                               {"nodup_bam": run.file(f"rep{n}.nodup.bam")}, shard)["nodup_bam"])
        r1_bam = run.call("align_R1", {"fastqs_R1": [r1], **crop},
                          {"bam": run.file(f"rep{n}.R1.bam")}, shard)["bam"]
        run.call("xcor", {"ta": r1_bam}, {"plot_pdf": run.file(f"rep{n}.xcor.pdf", PDF),
                                          "score": run.file(f"rep{n}.xcor.txt")}, shard)
        run.call("gc_bias", {"nodup_bam": nodups[-1]},
                 {"gc_plot": run.file(f"rep{n}.gc.png", png())}, shard)
        run.call("macs2_signal_track", {"ta": nodups[-1]},
                 {"pval_bw": run.file(f"rep{n}.pval.bigwig")}, shard)
    ctl_bam = run.call("align_ctl", {"fastqs_R1": [ctl[0]], "fastqs_R2": [ctl[1]], **crop},
                       {"bam": run.file("ctl1.bam"),
                        "read_len_log": run.file("ctl1.len.txt", "50\n")}, 0)["bam"]
    ctl_nodup = run.call("filter_ctl", {"bam": ctl_bam},
                         {"nodup_bam": run.file("ctl1.nodup.bam")}, 0)["nodup_bam"]
    run.call("jsd", {"nodup_bams": nodups, "ctl_bams": [ctl_nodup]},
             {"plot": run.file("jsd.png", png())})
    if replicates > 1:
        run.call("macs2_signal_track_pooled", {"ta": nodups},
                 {"pval_bw": run.file("pooled.pval.bigwig")})
    for task, prefixes in SETS.items():
        if task != "idr_pr" and replicates == 1:
            continue
        for shard, prefix in enumerate(prefixes[:replicates]):
            run.call(task, {"prefix": prefix, "idr_thresh": 0.05, "peak": nodups[0]}, {
                "bfilt_idr_peak": run.file(f"{prefix}.bfilt.narrowPeak.gz"),
                "idr_plot": run.file(f"{prefix}.idr.png", png()),
                "idr_log": run.file(f"{prefix}.idr.log", "IDR 2.0.4 log\n")},
                shard if task == "idr_pr" else -1)
    run.call("qc_report", {"peaks": nodups}, {"qc_json": run.file("qc.json",
                                                                   qc_json(replicates))})
    return run


BAM_CALLBACKS = ("add_mapped_read_length", "add_mapped_run_type",
                 "maybe_add_cropped_read_length", "maybe_add_cropped_read_length_tolerance")
STEPS = [
    step("align_ctl", wdl_file("bam", "unfiltered alignments", qc=("chip_alignment",),
                               callbacks=BAM_CALLBACKS)),
    step("filter_ctl", wdl_file("nodup_bam", "alignments", qc=("chip_alignment", "chip_library"),
                                callbacks=BAM_CALLBACKS)),
    step("align", wdl_file("bam", "unfiltered alignments", qc=("chip_alignment",),
                           callbacks=BAM_CALLBACKS)),
    step("filter", wdl_file("nodup_bam", "alignments",
                            qc=("chip_alignment", "chip_align_enrich", "chip_library"),
                            callbacks=BAM_CALLBACKS)),
    step("macs2_signal_track", wdl_file("pval_bw", "signal p-value", file_format="bigWig",
                                        callbacks=("maybe_preferred_default_bigwig",))),
    *(step(task, wdl_file("bfilt_idr_peak", "IDR thresholded peaks", file_format="bed",
                          qc=("chip_replication", "chip_peak_enrichment"),
                          callbacks=("maybe_preferred_default", "maybe_conservative_set")))
      for task in SETS),
]


@pytest.fixture
def chip(tmp_path):
    run = chip_run(tmp_path)
    return qc_json(2), contexts(run, STEPS, 2)


def test_chip_alignment_casts_the_samstat_of_the_files_replicate_and_stage(chip,
                                                                          portal_accepts):
    qc, ctx = chip
    raw = build("chip_alignment", ctx["align.1.bam"])
    assert raw.profile == "chip-alignment-samstat-quality-metric"
    assert raw.properties == {**qc["align"]["samstat"]["rep2"], "processing_stage": "unfiltered"}
    filtered = build("chip_alignment", ctx["filter.0.nodup_bam"]).properties
    assert filtered["processing_stage"] == "filtered"
    assert filtered["pct_mapped_reads"] == 100.0 and type(filtered["pct_mapped_reads"]) is float
    assert type(filtered["duplicate_reads"]) is int
    portal_accepts(raw)


def test_chip_control_bams_use_the_control_replicate_entries(chip, portal_accepts):
    qc, ctx = chip
    raw = build("chip_alignment", ctx["align_ctl.0.bam"]).properties
    assert raw["total_reads"] == qc["align"]["samstat"]["ctl1"]["total_reads"] == 30000000
    library = build("chip_library", ctx["filter_ctl.0.nodup_bam"])
    assert library.properties["paired_duplicate_reads"] == 2700000
    portal_accepts(library)


def test_chip_align_enrich_takes_xcor_from_the_align_r1_of_the_same_fastqs(chip, portal_accepts):
    qc, ctx = chip
    metric = build("chip_align_enrich", ctx["filter.1.nodup_bam"])
    props = metric.properties
    assert props["cross_correlation_plot"]["download"] == "rep2.xcor.pdf"
    assert props["cross_correlation_plot"]["type"] == "application/pdf"
    assert attached(metric, "cross_correlation_plot") == PDF
    assert props["jsd_plot"]["type"] == props["gc_bias_plot"]["type"] == "image/png"
    assert props["gc_bias_plot"]["download"] == "rep2.gc.png"
    assert props["estimated_fragment_len"] == 230 and type(props["argmin_corr"]) is int
    assert props["RSC"] == 1.0 and type(props["RSC"]) is float
    assert props["x_intercept"] == 0.0 and type(props["x_intercept"]) is float
    assert props["jsd"] == qc["align_enrich"]["jsd"]["rep2"]["jsd"]
    portal_accepts(metric)


def test_chip_library_types_complexity_as_the_portal_does(chip, portal_accepts):
    qc, ctx = chip
    metric = build("chip_library", ctx["filter.0.nodup_bam"])
    props = metric.properties
    expected = {**qc["align"]["dup"]["rep1"], **qc["lib_complexity"]["lib_complexity"]["rep1"]}
    assert props == expected
    assert type(props["PBC2"]) is float and type(props["pct_duplicate_reads"]) is float
    assert type(props["distinct_fragments"]) is int
    portal_accepts(metric)


def test_chip_replication_and_peak_enrichment_use_the_chip_profiles(chip, portal_accepts):
    qc, ctx = chip
    idr = qc["replication"]["reproducibility"]["idr"]
    optimal = build("chip_replication", ctx["idr_ppr.bfilt_idr_peak"])
    assert optimal.profile == "chip-replication-quality-metric"
    assert optimal.properties["reproducible_peaks"] == idr["Np"]
    assert optimal.properties["rescue_ratio"] == idr["rescue_ratio"]
    assert optimal.properties["idr_parameters"]["download"].endswith(".idr.log.txt")
    assert optimal.properties["idr_dispersion_plot"]["type"] == "image/png"
    rep2 = build("chip_replication", ctx["idr_pr.1.bfilt_idr_peak"]).properties
    assert rep2["reproducible_peaks"] == idr["N2"] and "rescue_ratio" not in rep2
    enrichment = build("chip_peak_enrichment", ctx["idr_ppr.bfilt_idr_peak"])
    assert enrichment.profile == "chip-peak-enrichment-quality-metric"
    assert enrichment.properties["mean"] == 371.0 and type(enrichment.properties["mean"]) is float
    assert enrichment.properties["frip"] == qc["peak_enrich"]["frac_reads_in_peaks"]["idr"][
        "pooled-pr1_vs_pooled-pr2"]["frip"]
    assert set(build("chip_peak_enrichment", ctx["idr.bfilt_idr_peak"]).properties) == {"frip"}
    portal_accepts(optimal)
    portal_accepts(enrichment)


def test_chip_bam_callbacks_read_length_run_type_of_controls_and_no_cropping(chip):
    _qc, ctx = chip
    control, rep = ctx["filter_ctl.0.nodup_bam"], ctx["align.0.bam"]
    assert CALLBACKS["add_mapped_read_length"](control) == {"mapped_read_length": 50}
    assert CALLBACKS["add_mapped_read_length"](rep) == {"mapped_read_length": 100}
    assert CALLBACKS["add_mapped_run_type"](control) == {"mapped_run_type": "single-ended"}
    assert CALLBACKS["add_mapped_run_type"](rep) == {"mapped_run_type": "paired-ended"}
    assert CALLBACKS["maybe_add_cropped_read_length"](rep) == {}
    assert CALLBACKS["maybe_add_cropped_read_length_tolerance"](rep) == {}


def test_chip_cropped_reads_report_the_crop_length_and_tolerance(tmp_path):
    ctx = contexts(chip_run(tmp_path, crop_length=50), STEPS, 2)["filter_ctl.0.nodup_bam"]
    assert CALLBACKS["maybe_add_cropped_read_length"](ctx) == {"cropped_read_length": 50}
    assert CALLBACKS["maybe_add_cropped_read_length_tolerance"](ctx) == {
        "cropped_read_length_tolerance": 2}


def _chosen(ctx: dict, name: str) -> set[str]:
    return {i for i, c in ctx.items() if name in c.planned.spec.callbacks and CALLBACKS[name](c)}


def test_chip_preferred_defaults_are_the_optimal_idr_set_and_the_pooled_signal(chip):
    _qc, ctx = chip
    assert _chosen(ctx, "maybe_preferred_default") == {"idr_ppr.bfilt_idr_peak"}
    assert _chosen(ctx, "maybe_conservative_set") == {"idr.bfilt_idr_peak"}
    assert _chosen(ctx, "maybe_preferred_default_bigwig") == set()  # no pooled track planned


def test_chip_single_replicate_prefers_its_pseudoreplicated_peaks_and_signal(tmp_path):
    steps = [s for s in STEPS if s["wdl_task_name"] not in ("idr", "idr_ppr")]
    ctx = contexts(chip_run(tmp_path, replicates=1), steps, 1)
    assert _chosen(ctx, "maybe_preferred_default") == {"idr_pr.0.bfilt_idr_peak"}
    assert _chosen(ctx, "maybe_preferred_default_bigwig") == {"macs2_signal_track.0.pval_bw"}

