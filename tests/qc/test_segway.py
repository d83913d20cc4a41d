"""Segway QC on a synthetic segway-pipeline run: segway_annotate -> segtools summaries."""

from __future__ import annotations

from encode_accession.qc import build

from .synthetic import FakeRun, attached, contexts, preferred_default_value, step, wdl_file

TABLES = {
    "feature_aggregation_tab": ("feature_aggregation.tab",
                                "# gmtk_parameters = None\ngroup\tcomponent\toffset\t0\t1\n"),
    "length_distribution_tab": ("length_distribution.tab", "label\tlength\n0\t2400\n1\t800\n"),
    "segment_sizes_tab": ("segment_sizes.tab",
                          "label\tnum.segs\tmean.len\n0\t15234\t2400.5\n"),
    "signal_distribution_tab": ("signal_distribution.tab",
                                "label\ttrackname\tlower_edge\tcount\n0\tH3K27ac\t-1.5\t12\n"),
}


def test_segway_attaches_the_four_segtools_tables_as_text(tmp_path, portal_accepts):
    run = FakeRun(tmp_path, "segway")
    bed = run.call("segway_annotate", {"genomedata": run.file("files.genomedata")},
                   {"output_bed": run.file("segway.bed.gz")})["output_bed"]
    run.call("segtools", {"segway_output_bed": bed},
             {key: run.file(name, text) for key, (name, text) in TABLES.items()})
    ctx = contexts(run, [step("segway_annotate", wdl_file(
        "output_bed", "semi-automated genome annotation", file_format="bed",
        qc=("segway",)))], 1)["segway_annotate.output_bed"]
    metric = build("segway", ctx)
    assert metric.profile == "segway-quality-metric" and not metric.shared
    assert set(metric.properties) == set(TABLES)
    for key, (name, text) in TABLES.items():
        assert metric.properties[key]["download"] == f"{name}.txt"  # the portal needs .txt
        assert metric.properties[key]["type"] == "text/plain"
        assert attached(metric, key).decode() == text
    assert preferred_default_value("segway")(ctx) == preferred_default_value("diploidify")(ctx)
    portal_accepts(metric)
