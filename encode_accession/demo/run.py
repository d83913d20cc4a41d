"""The bundled demo: a small synthetic ATAC-seq run (two replicates) on local files.

It has the task and output names of the current ENCODE ATAC-seq pipeline, so it plans with
``accession_rules/atac.yaml`` unchanged, and its inputs have the exact bytes of the demo data
of the local portal (``demo-content:<name>``), so they are found there by md5.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

from encode_accession.demo.synthetic import encode_qc_json
from encode_accession.localportal.demo import demo_content

WORKFLOW_ID = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
DOCKER = "encodedcc/atac-seq-pipeline:v2.2.2"
INPUT_NAMES = ("rep1_R1.fastq.gz", "rep1_R2.fastq.gz", "rep2_R1.fastq.gz", "rep2_R2.fastq.gz",
               "GRCh38_bowtie2_index.tar", "GRCh38_blacklist.bed.gz", "GRCh38.chrom.sizes")
ANNOTATIONS = ("GRCh38_dnase.bed.gz", "GRCh38_enhancers.bed.gz", "GRCh38_promoters.bed.gz",
               "GRCh38_tss.bed.gz", "GRCh38_no_alt_analysis_set.fasta.gz")


def write_demo_run(folder: Path) -> Path:
    """Write the run's files and its metadata.json under ``folder``; returns the metadata path.

    Idempotent: rewriting gives the same bytes, so Snakemake sees nothing new.
    """
    folder = Path(folder).resolve()
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for name in (*INPUT_NAMES, *ANNOTATIONS):
        _write(inputs / name, demo_content(name))
    calls = _calls(folder)
    metadata = {
        "id": WORKFLOW_ID,
        "workflowName": "atac",
        "status": "Succeeded",
        "workflowRoot": str(folder / "atac" / WORKFLOW_ID),
        "labels": {"caper-backend": "Local", "caper-str-label": "demo-atac",
                   "cromwell-workflow-id": f"cromwell-{WORKFLOW_ID}"},
        "inputs": {
            "atac.fastqs_rep1_R1": [str(inputs / "rep1_R1.fastq.gz")],
            "atac.fastqs_rep1_R2": [str(inputs / "rep1_R2.fastq.gz")],
            "atac.fastqs_rep2_R1": [str(inputs / "rep2_R1.fastq.gz")],
            "atac.fastqs_rep2_R2": [str(inputs / "rep2_R2.fastq.gz")],
            "atac.paired_end": True,
        },
        "submittedFiles": {"workflow": 'workflow atac {\n  meta { version: "v2.2.2" }\n}\n',
                           "inputs": "{}", "options": "{}", "labels": "{}"},
        "calls": calls,
    }
    path = folder / "metadata.json"
    _write(path, json.dumps(metadata, indent=1).encode())
    return path


def _write(path: Path, content: bytes) -> None:
    if not path.exists() or path.read_bytes() != content:
        path.write_bytes(content)


def _calls(folder: Path) -> dict[str, list[dict[str, Any]]]:
    inputs = folder / "inputs"
    root = folder / "atac" / WORKFLOW_ID
    ref = {name: str(inputs / name) for name in (*INPUT_NAMES, *ANNOTATIONS)}
    calls: dict[str, list[dict[str, Any]]] = {}

    def out(task: str, shard: int, name: str) -> str:
        call_dir = root / f"call-{task}" / (f"shard-{shard}" if shard >= 0 else "") / "execution"
        call_dir.mkdir(parents=True, exist_ok=True)
        path = call_dir / name
        if name.endswith(".png"):
            content = PNG
        elif name.endswith("read_length.txt"):
            content = b"76\n"
        elif name == "qc.json":
            content = json.dumps(encode_qc_json(2, "macs2", with_control=False), indent=1).encode()
        else:
            content = f"demo output of {task} shard {shard}: {name}\n".encode()
        _write(path, content)
        return str(path)

    def add(task: str, shard: int, inputs_: dict[str, Any], outputs: dict[str, str]) -> dict:
        made = {key: out(task, shard, name) for key, name in outputs.items()}
        calls.setdefault(f"atac.{task}", []).append({
            "shardIndex": shard, "attempt": 1, "executionStatus": "Done",
            "dockerImageUsed": DOCKER, "inputs": inputs_, "outputs": made})
        return made

    tas, peaks, nodups = [], [], []
    for rep in (0, 1):
        n = rep + 1
        bam = add("align", rep, {"fastqs_R1": [ref[f"rep{n}_R1.fastq.gz"]],
                                 "fastqs_R2": [ref[f"rep{n}_R2.fastq.gz"]],
                                 "idx_tar": ref["GRCh38_bowtie2_index.tar"],
                                 "paired_end": True},
                  {"bam": f"rep{n}.bam", "read_len_log": f"rep{n}.read_length.txt"})["bam"]
        nodup = add("filter", rep, {"bam": bam, "paired_end": True},
                    {"nodup_bam": f"rep{n}.nodup.bam"})["nodup_bam"]
        nodups.append(nodup)
        ta = add("bam2ta", rep, {"bam": nodup}, {"ta": f"rep{n}.tagAlign.gz"})["ta"]
        add("annot_enrich", rep, {"ta": ta, "blacklist": ref["GRCh38_blacklist.bed.gz"],
                                  "dnase": ref["GRCh38_dnase.bed.gz"],
                                  "enh": ref["GRCh38_enhancers.bed.gz"],
                                  "prom": ref["GRCh38_promoters.bed.gz"]},
            {"annot_enrich_qc": f"rep{n}.annot_enrich.qc"})
        add("tss_enrich", rep, {"nodup_bam": nodup, "tss": ref["GRCh38_tss.bed.gz"]},
            {"tss_enrich_qc": f"rep{n}.tss_enrich.qc", "tss_large_plot": f"rep{n}.tss.png"})
        add("gc_bias", rep, {"nodup_bam": nodup,
                             "ref_fa": ref["GRCh38_no_alt_analysis_set.fasta.gz"]},
            {"gc_plot": f"rep{n}.gc.png"})
        add("fraglen_stat_pe", rep, {"nodup_bam": nodup},
            {"fraglen_dist_plot": f"rep{n}.fraglen.png"})
        add("macs2_signal_track", rep, {"ta": ta},
            {"pval_bw": f"rep{n}.pval.bigwig", "fc_bw": f"rep{n}.fc.bigwig"})
        peaks.append(add("call_peak", rep, {"ta": ta}, {"peak": f"rep{n}.narrowPeak.gz"})["peak"])
        tas.append(ta)
        _peak_calls(add, f"rep{n}-pr1_vs_rep{n}-pr2", rep, "_pr", {"peak": peaks[-1]}, ref)
    add("jsd", -1, {"nodup_bams": nodups}, {"plot": "jsd.png"})
    pooled = add("pool_ta", -1, {"tas": tas}, {"ta_pooled": "pooled.tagAlign.gz"})["ta_pooled"]
    add("macs2_signal_track_pooled", -1, {"ta": pooled},
        {"pval_bw": "pooled.pval.bigwig", "fc_bw": "pooled.fc.bigwig"})
    peak_pooled = add("call_peak_pooled", -1, {"ta": pooled},
                      {"peak": "pooled.narrowPeak.gz"})["peak"]
    _peak_calls(add, "pooled-pr1_vs_pooled-pr2", -1, "_ppr", {"peak_pooled": peak_pooled}, ref)
    _peak_calls(add, "rep1_vs_rep2", 0, "",
                {"peak1": peaks[0], "peak2": peaks[1], "peak_pooled": peak_pooled}, ref)
    add("qc_report", -1, {"peaks": peaks}, {"qc_json": "qc.json"})
    return calls


def _peak_calls(add: Any, prefix: str, shard: int, suffix: str, peak_inputs: dict[str, str],
                ref: dict[str, str]) -> None:
    """IDR and overlap calls of one comparison (pseudoreplicates, pooled, or true replicates)."""
    ins = {**peak_inputs, "blacklist": ref["GRCh38_blacklist.bed.gz"], "prefix": prefix}
    add(f"idr{suffix}", shard, {**ins, "idr_thresh": 0.05}, {
        "idr_unthresholded_peak": f"{prefix}.idr.unthresholded.bed.gz",
        "bfilt_idr_peak": f"{prefix}.idr0.05.bfilt.narrowPeak.gz",
        "bfilt_idr_peak_bb": f"{prefix}.idr0.05.bfilt.narrowPeak.bb",
        "idr_plot": f"{prefix}.idr.png", "idr_log": f"{prefix}.idr.log"})
    add(f"overlap{suffix}", shard, ins, {
        "bfilt_overlap_peak": f"{prefix}.overlap.bfilt.narrowPeak.gz",
        "bfilt_overlap_peak_bb": f"{prefix}.overlap.bfilt.narrowPeak.bb"})


def _png() -> bytes:
    """A valid 1x1 PNG, so attachment checks that sniff the content accept the plots."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


PNG = _png()


def main(argv: list[str] | None = None) -> int:
    """``python -m encode_accession.demo.run FOLDER``: write the demo run, print its metadata path
    (CI plans it from an installed wheel)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m encode_accession.demo.run",
                                     description=main.__doc__)
    parser.add_argument("folder", type=Path, help="where to write the run")
    print(write_demo_run(parser.parse_args(argv).folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
