"""Hi-C and megamap QC and callbacks on synthetic hic-pipeline runs: per-library statistics
below ``dedup``, per-threshold statistics above each MAPQ 1/30 map, merged ones in a megamap."""

from __future__ import annotations

from pathlib import Path

import pytest

from encode_accession.qc import CALLBACKS, build

from .formats import juicer_stats_json, juicer_stats_text
from .synthetic import FakeRun, attached, contexts, step, wdl_file

QUALITIES = (1, 30)


def hic_run(tmp_path: Path) -> FakeRun:
    run = FakeRun(tmp_path, "hic", {"hic.intact": False})
    deduped = []
    for lib in (0, 1):
        dedup = run.call("dedup", {"bam": run.file(f"merged_{lib}.bam")},
                         {"deduped_bam": run.file(f"merged_dedup_{lib}.bam")}, lib)
        deduped.append(dedup["deduped_bam"])
        run.call("calculate_stats_on_library", {"bam": deduped[-1]}, {
            "stats": run.file(f"stats_lib{lib}.txt", juicer_stats_text(f"library {lib}")),
            "stats_json": run.file(f"stats_lib{lib}.json",
                                   juicer_stats_json(1000000 + lib))}, lib)
    merged = run.call("merge_replicates", {"bams": deduped}, {"bam": run.file("merged.bam")})
    for shard, quality in enumerate(QUALITIES):
        pre = run.call("bam_to_pre", {"bam": merged["bam"], "quality": quality},
                       {"pre": run.file(f"merged_nodups_{quality}.txt.gz")}, shard)["pre"]
        computed = run.call("calculate_stats", {"pre": pre, "quality": quality}, {
            "stats": run.file(f"stats_{quality}.txt", juicer_stats_text(f"MAPQ {quality}")),
            "stats_json": run.file(f"stats_{quality}.json",
                                   juicer_stats_json(2000000 + quality))}, shard)
        raw = run.call("create_hic", {"pre": pre, "stats": computed["stats"], "quality": quality},
                       {"output_hic": run.file(f"raw_{quality}.hic")}, shard)["output_hic"]
        hic = run.call("add_norm", {"hic": raw, "quality": quality},
                       {"output_hic": run.file(f"inter_{quality}.hic")}, shard)["output_hic"]
        run.call("arrowhead", {"hic_file": hic, "quality": quality},
                 {"out_file": run.file(f"domains_{quality}.bedpe.gz")}, shard)
        run.call("create_eigenvector", {"hic_file": hic, "output_filename_suffix": f"_{quality}"},
                 {"eigenvector_bigwig": run.file(f"eigenvector_{quality}.bw")}, shard)
    return run


STEPS = [
    step("dedup", wdl_file("deduped_bam", "alignments", qc=("hic",))),
    step("add_norm", wdl_file("output_hic", "contact matrix", file_format="hic",
                              qc=("hic",), callbacks=("maybe_update_output_type",
                                                      "maybe_preferred_default",
                                                      "add_filter_value"))),
    step("arrowhead", wdl_file("out_file", "contact domains",
                               file_format="bedpe", callbacks=("maybe_preferred_default",
                                                               "add_filter_value"))),
    step("create_eigenvector", wdl_file("eigenvector_bigwig", "genome compartments",
                                        file_format="bigWig",
                                        callbacks=("maybe_preferred_default",))),
]


@pytest.fixture
def hic(tmp_path):
    return contexts(hic_run(tmp_path), STEPS, 1)


def test_hic_library_bam_is_described_by_its_own_library_statistics(hic, portal_accepts):
    metric = build("hic", hic["dedup.1.deduped_bam"])
    assert metric.profile == "hic-quality-metric"
    props = dict(metric.properties)
    attachment = props.pop("attachment")
    assert props == juicer_stats_json(1000001)
    assert attachment["download"] == "stats_lib1.txt" and attachment["type"] == "text/plain"
    assert attached(metric, "attachment").decode() == juicer_stats_text("library 1")
    portal_accepts(metric)


def test_hic_contact_map_is_described_by_the_statistics_of_its_threshold(hic, portal_accepts):
    metric = build("hic", hic["add_norm.1.output_hic"])
    assert {k: v for k, v in metric.properties.items()
            if k != "attachment"} == juicer_stats_json(2000030)
    assert metric.properties["attachment"]["download"] == "stats_30.txt"
    assert build("hic", hic["add_norm.0.output_hic"]).properties["sequenced_read_pairs"] == \
        2000001
    portal_accepts(metric)


def test_hic_callbacks_mark_the_mapq_30_outputs(hic):
    q1, q30 = hic["add_norm.0.output_hic"], hic["add_norm.1.output_hic"]
    assert CALLBACKS["maybe_update_output_type"](q30) == {
        "output_type": "mapping quality thresholded contact matrix"}
    assert CALLBACKS["maybe_update_output_type"](q1) == {}
    assert CALLBACKS["add_filter_value"](q1) == {"filter_value": 1}
    assert CALLBACKS["add_filter_value"](hic["arrowhead.1.out_file"]) == {"filter_value": 30}
    chosen = {i for i, c in hic.items() if "maybe_preferred_default" in c.planned.spec.callbacks
              and CALLBACKS["maybe_preferred_default"](c)}
    assert chosen == {"add_norm.1.output_hic", "arrowhead.1.out_file",
                      "create_eigenvector.1.eigenvector_bigwig"}


def test_hic_callbacks_need_the_mapq_threshold_input(tmp_path):
    run = FakeRun(tmp_path, "hic")
    run.call("add_norm", {"hic": run.file("raw.hic")}, {"output_hic": run.file("inter.hic")})
    ctx = contexts(run, [step("add_norm", wdl_file("output_hic", "contact matrix",
                                                   file_format="hic"))], 1)
    with pytest.raises(LookupError, match="quality"):
        CALLBACKS["add_filter_value"](ctx["add_norm.output_hic"])


def test_megamap_maps_are_described_by_the_merged_statistics(tmp_path, portal_accepts):
    run = FakeRun(tmp_path, "megamap")
    merged = run.call("merge_stats_from_hic_files", {"hic_files": [run.file("a.hic")]}, {
        "merged_stats": run.file("merged_stats.txt", juicer_stats_text("merged")),
        "stats_json": run.file("merged_stats.json", juicer_stats_json(9000000))})
    hic = run.call("create_hic", {"stats": merged["merged_stats"], "quality": 30},
                   {"output_hic": run.file("raw.hic")})["output_hic"]
    run.call("add_norm", {"hic": hic, "quality": 30}, {"output_hic": run.file("mega.hic")})
    ctx = contexts(run, [step("add_norm", wdl_file(
        "output_hic", "mapping quality thresholded contact matrix", file_format="hic",
        qc=("hic",)))], 1)
    metric = build("hic", ctx["add_norm.output_hic"])
    assert {k: v for k, v in metric.properties.items()
            if k != "attachment"} == juicer_stats_json(9000000)
    assert metric.properties["attachment"]["download"] == "merged_stats.txt"
    portal_accepts(metric)
