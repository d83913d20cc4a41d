"""The provenance report of an accessioning run, read as a person reads it: rendered by a real
headless browser (Debian's `chromium`), which measures every label after layout.

The run here is recorded the way the accessioning summary records one (portal inputs, then
files with output type, analysis step and WDL task), with sibling files whose names differ
only near their end, where a cut label would hide the difference.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape as html_text
from pathlib import Path

import pytest

from encode_accession.provenance import (
    check,
    load_graph,
    record_accessioned_files,
    record_portal_sources,
    write_report,
)
from encode_accession.provenance.graph_svg import lines

BROWSER_TIMEOUT_S = float(os.environ.get("BROWSER_TEST_TIMEOUT_S", "120"))
BUCKET = "gs://encode-pipeline-output/atac/6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
RUN = {"workflow_id": "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab",
       "docker_image": "encodedcc/atac-seq-pipeline:v2.2.2", "server": "dev",
       "lab": "demo-lab"}
INPUTS = [
    {"accession": "TSTFF000001", "portal_id": "/files/TSTFF000001/",
     "file_name": "rep1_R1.fastq.gz", "output_type": "reads", "role": "fastq",
     "filekey": "fastqs_R1", "server": "dev"},
    {"accession": "TSTFF000002", "portal_id": "/files/TSTFF000002/",
     "file_name": "rep2_R1.fastq.gz", "output_type": "reads", "role": "fastq",
     "filekey": "fastqs_R1", "server": "dev"},
    {"accession": "TSTFF000009", "portal_id": "/files/TSTFF000009/",
     "file_name": "GRCh38_no_alt_analysis_set_GCA_000001405.15.fasta.tar",
     "output_type": "genome index", "role": "reference", "filekey": "idx_tar",
     "server": "dev"},
]


def _file(rep: int, name: str, parents: list[str], output_type: str, step: str, task: str,
          n: int) -> dict:
    accession = f"TSTFF{n:03d}{rep:03d}"
    return {"uri": f"{BUCKET}/call-{task}/shard-{rep - 1}/execution/{name}",
            "md5": f"{n:02x}" * 16, "size": 1000 * n, "accession": accession,
            "portal_id": f"/files/{accession}/",
            "derived_from": parents, "step_run": f"/analysis-step-runs/{step}-run/",
            "step_name": step, "step_version": f"/analysis-step-versions/{step}-1/",
            "task": task, "output_type": output_type, "file_format": "bed narrowPeak"
            if "Peak" in name else "bam", **RUN}


@pytest.fixture
def report(conn, tmp_path: Path) -> Path:
    record_portal_sources(conn, INPUTS)
    files = []
    for rep in (1, 2):
        bam = _file(rep, f"rep{rep}_R1.trim.srt.nodup.no_chrM_MT.bam",
                    [f"/files/TSTFF00000{rep}/", "/files/TSTFF000009/"], "alignments",
                    "atac-seq-alignment-step-v-2", "filter", 10 + rep)
        peaks = _file(rep, f"rep{rep}_R1.trim.srt.nodup.no_chrM_MT.tn5.pval0.01.300K"
                           ".bfilt.narrowPeak.gz",
                      [bam["portal_id"]], "pseudoreplicated peaks",
                      "atac-seq-peak-calling-step-v-1", "call_peak", 20 + rep)
        idr = _file(rep, f"rep{rep}.idr0.05.bfilt.narrowPeak.gz", [peaks["portal_id"]],
                    "conservative IDR thresholded peaks", "atac-seq-idr-step-v-1", "idr",
                    30 + rep)
        files += [bam, peaks, idr]
    record_accessioned_files(conn, files)
    write_report(conn, tmp_path / "report")
    return tmp_path / "report" / "report.html"


def test_inputs_found_on_the_portal_are_sources_not_problems(conn, report: Path) -> None:
    graph = load_graph(conn)
    assert check(graph).findings == []
    html = report.read_text()
    assert '<p class="ok">None found.</p>' in html and "untracked" not in html
    assert "rep1_R1.fastq.gz</b><br><span class=\"what\">fastq · reads (fastqs_R1)" in html
    assert "genome index (idx_tar)" in html and "reference found on the portal" in html


def test_every_box_says_what_its_file_is_in_whole_labels(conn, report: Path) -> None:
    graph = load_graph(conn)
    states = check(graph).states
    svg = report.read_text().split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "…" not in svg
    for version in graph.ordered_versions():
        name, what, state = lines(version, states[version.key])
        assert name == version.name and f">{name}</text>" in svg
        assert what == f"{version.output_type} · {version.file_format}"
        assert state.startswith(f"v1 · {version.accession}")
    for node in graph.ordered_accessions():
        name, what, _ = lines(node, states[node.key])
        assert (name, what) == (node.portal.file_name, node.portal.kind)


def test_runs_show_the_analysis_step_its_tasks_and_the_sha256_is_explained(report: Path
                                                                            ) -> None:
    html = report.read_text()
    runs = html.split("<h2>Runs</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<b>atac-seq-idr-step-v-1</b>" in runs
    assert "/analysis-step-versions/atac-seq-idr-step-v-1-1/" in runs
    assert '{"wdl_tasks": ["idr"]}' in html_text(runs)
    assert "md5 only" in html and "sha256 is computed for files read from disk" in html


MEASURE = """
<script>
window.addEventListener("load", () => {
  const boxes = [...document.querySelectorAll("svg.lineage g.node")].map(g => {
    const rect = g.querySelector("rect").getBBox();
    return [...g.querySelectorAll("text")].map(t => ({
      text: t.textContent, left: t.getBBox().x - rect.x,
      right: rect.x + rect.width - (t.getBBox().x + t.getComputedTextLength())}));
  });
  const code = [...document.querySelectorAll("td code")].map(c => ({
    text: c.textContent, lines: c.getClientRects().length}));
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({boxes, code});
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


def _headless(browser: str, *args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={home / 'chromium-profile'}", "--window-size=1400,1000", *args],
        capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S,
        env={**os.environ, "HOME": str(home)})


def test_a_browser_lays_out_every_label_whole_and_every_path_on_one_line(
        report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    measured = tmp_path / "measured.html"
    measured.write_text(report.read_text().replace("</body>", MEASURE + "</body>"))
    result = _headless(browser, "--virtual-time-budget=5000", "--dump-dom",
                       measured.as_uri(), home=tmp_path)
    found = re.search(r'<pre id="measured">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stderr[-2000:]
    data = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">"))
    texts = [t for box in data["boxes"] for t in box]
    assert len(data["boxes"]) == 9 and len(texts) == 27
    assert any(t["text"] == "rep2.idr0.05.bfilt.narrowPeak.gz" for t in texts)
    cut = [t for t in texts if t["left"] < 0 or t["right"] < 0]
    assert cut == [], cut  # every label ends inside its box
    wrapped = [c for c in data["code"] if c["lines"] > 1]
    assert wrapped == [], wrapped  # paths and ids never break over lines

    # A picture for people (kept in the test's temporary folder).
    shot = tmp_path / "report.png"
    _headless(browser, f"--screenshot={shot}", report.as_uri(), home=tmp_path)
    assert shot.exists() and shot.stat().st_size > 10_000
