"""A real Snakemake run (-j 2) of a tiny workflow: rules record their outputs with
log_outputs (the rule's inputs as sources), a config `provenance:` entry logs a file made
outside, and rule `report` writes the report."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from conftest import time_limit

from encode_accession.provenance import lineage
from encode_accession.tracker import connect

REPO = Path(__file__).resolve().parents[2]

SNAKEFILE = f'''
RESULTS = config["results"]

include: "{REPO / "workflow" / "rules" / "provenance.smk"}"

rule filter:
    input: "encode/{{accession}}.bed"
    output: "peaks/{{accession}}.filtered.bed"
    params: min_score=500
    script: "filter.py"

rule merge:
    input: "peaks/ENCFF001AAA.filtered.bed", "peaks/ENCFF002BBB.filtered.bed"
    output: "peaks/merged.bed", "peaks/merged.counts"
    script: "merge.py"
'''
FILTER = '''
from pathlib import Path
from encode_accession.provenance import log_outputs

lines = Path(snakemake.input[0]).read_text().splitlines()
kept = [l for l in lines if int(l.split()[4]) >= snakemake.params.min_score]
Path(snakemake.output[0]).write_text("\\n".join(kept) + "\\n")
# the input is a downloaded ENCODE file, not a logged one: name its accession instead
log_outputs(snakemake, [snakemake.wildcards.accession], inputs=[], tool="awk",
            tool_version="5.2")
'''
MERGE = '''
from pathlib import Path
from encode_accession.provenance import log_outputs

rows = sorted(l for f in snakemake.input for l in Path(f).read_text().splitlines())
Path(snakemake.output[0]).write_text("\\n".join(rows) + "\\n")
Path(snakemake.output[1]).write_text(f"{len(rows)}\\n")
log_outputs(snakemake, ["ENCSR000AKS"], tool="sort", parameters={"merge": "union"})
'''


def test_rules_record_their_outputs_with_their_inputs_as_sources(tmp_path: Path) -> None:
    for accession, scores in (("ENCFF001AAA", (900, 100)), ("ENCFF002BBB", (700, 600))):
        peaks = "".join(f"chr1\t{i * 10}\t{i * 10 + 5}\tp{i}\t{s}\n"
                        for i, s in enumerate(scores))
        (tmp_path / "encode").mkdir(exist_ok=True)
        (tmp_path / "encode" / f"{accession}.bed").write_text(peaks)
    (tmp_path / "figure.tsv").write_text("region\tscore\n")
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    (tmp_path / "filter.py").write_text(textwrap.dedent(FILTER))
    (tmp_path / "merge.py").write_text(textwrap.dedent(MERGE))
    db = tmp_path / "tracker.db"
    config = {"results": "results", "tracker_db": str(db), "provenance": [
        {"path": "figure.tsv", "sources": ["peaks/merged.bed", "ENCFF003CCC"],
         "tool": "R", "tool_version": 4.3, "parameters": {"width": 7}}]}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", "Snakefile", "--configfile", "config.yaml",
         "-j", "2", "--quiet", "all", "--", "log_derived_all", "report"],
        cwd=tmp_path, capture_output=True, text=True, timeout=time_limit(300))
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]

    conn = connect(db)
    try:
        filtered = lineage(conn, str(tmp_path / "peaks" / "ENCFF001AAA.filtered.bed"))
        (root,) = filtered.roots
        version = filtered.graph.node(root)
        assert [filtered.graph.node(k).accession for k in filtered.upstream] == ["ENCFF001AAA"]
        activity = filtered.graph.activities[version.activity_id]
        assert (activity.rule, activity.tool, activity.tool_version, activity.parameters) == (
            "filter", "awk", "5.2", {"min_score": 500})

        merged = lineage(conn, str(tmp_path / "peaks" / "merged.bed"))
        graph = merged.graph
        (root,) = merged.roots
        parents = [getattr(graph.node(k), "location", None) or graph.node(k).accession
                   for k in graph.parents(graph.node(root))]
        assert parents == [str(tmp_path / "peaks" / "ENCFF001AAA.filtered.bed"),
                           str(tmp_path / "peaks" / "ENCFF002BBB.filtered.bed"), "ENCSR000AKS"]
        counts = lineage(conn, str(tmp_path / "peaks" / "merged.counts"))
        assert counts.graph.node(counts.roots[0]).activity_id == graph.node(root).activity_id
        assert graph.activities[graph.node(root).activity_id].rule == "merge"
        downstream = [graph.node(k).location for k in merged.downstream]
        assert downstream == [str(tmp_path / "figure.tsv")]

        figure = lineage(conn, str(tmp_path / "figure.tsv"))
        assert len(figure.upstream) == 1 + 1 + 2 + 2 + 1  # merged, ENCFF003CCC, 2 filtered,
        #                                                   their 2 accessions, ENCSR000AKS
        (receipt,) = (tmp_path / "results" / "provenance" / "logged").glob("figure.tsv-*.json")
        assert json.loads(receipt.read_text())["status"] == "new"
        report = tmp_path / "results" / "provenance" / "report"
        assert sorted(p.name for p in report.iterdir()) == [
            "provenance.json", "report.html", "ro-crate-metadata.json"]
    finally:
        conn.close()
