"""A synthetic Cromwell run shaped by a steps file, to try the steps without running a pipeline.

The run has exactly the tasks the steps name, each call writes a small real file (unique
bytes) for every output the steps name, and inputs are wired so that every ``derived_from``
rule finds its parent with the plan's search. The rules are deliberately simple:

- **calls**: a task is one unsharded call when one of its steps requires replication (its
  results are pooled or merged); every other task runs once per replicate (shards 0..n-1);
- **outputs**: a call has one file per filekey the steps name for its task: the steps' own
  files and the parents other files look for among its outputs; ``analysis.nuclear_bam``
  becomes nested output objects. A task that the steps name no output of gets ``<task>_out``;
- **edges**: a parent searched upward makes the file's task consume the parent task's first
  output; a parent searched downward (``should_search_down``) makes the parent task consume
  the file's task's first output. Shard i consumes shard i, an unsharded call consumes every
  shard, and every shard consumes an unsharded call;
- **inputs** a rule matches (``derived_from_inputs``) are files no call produced: one per
  replicate for ``raw_fastqs_keys`` (as a list, like the pipelines' fastq arrays), else one
  reference file shared by the shards (one per ``workflow_inputs_to_match`` group, listed
  under those workflow inputs).

``python -m encode_accession.demo.synthetic STEPS_FILE OUTDIR`` writes ``OUTDIR/metadata.json``.
"""

from __future__ import annotations

import argparse
import json
import uuid
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from itertools import combinations
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.planning.steps import StepsFile, load_steps, resolve_steps

NAMESPACE = uuid.UUID("4d9b7c2e-1f0a-4e55-9c1b-5a7d3c2e8f10")  # synthetic workflow ids
VERSION = "v1.0.0"
WDL = 'workflow {name} {{\n  meta {{ version: "{version}" }}\n}}\n'  # pipeline_version


@dataclass(frozen=True)
class Options:
    replicates: int = 2
    folder: Path = Path("synthetic-run")  # metadata.json and every file of the run go here


@dataclass
class TaskShape:
    """What one task of the synthetic run needs, derived from the steps alone."""

    name: str
    sharded: bool = True
    outputs: dict[str, str] = field(default_factory=dict)  # filekey -> file format or ""
    # input files no call produces: (filekey, workflow inputs to match) -> None (ordered set)
    references: dict[tuple[str, tuple[str, ...]], None] = field(default_factory=dict)
    parents: dict[str, None] = field(default_factory=dict)  # tasks whose output it consumes


def task_shapes(steps: StepsFile) -> dict[str, TaskShape]:
    """Every task the steps name and what it reads and writes, in dependency order (pure)."""
    tasks: dict[str, TaskShape] = {}

    def shape(name: str) -> TaskShape:
        return tasks.setdefault(name, TaskShape(name))

    for step in steps.steps:
        task = shape(step.task)
        task.sharded = task.sharded and not step.requires_replication
        for spec in step.files:
            task.outputs.setdefault(spec.filekey, spec.file_format)
            for rule in spec.derived_from:
                parent = shape(rule.task)
                if rule.inputs:
                    parent.references.setdefault((rule.filekey, rule.workflow_inputs_to_match))
                else:
                    parent.outputs.setdefault(rule.filekey, "")
                if rule.task == step.task:
                    continue
                if rule.search_down:
                    parent.parents.setdefault(step.task)
                else:
                    task.parents.setdefault(rule.task)
    for task in tasks.values():
        if not task.outputs:
            task.outputs[f"{task.name}_out"] = ""
    try:
        order = TopologicalSorter({n: t.parents for n, t in tasks.items()}).static_order()
        return {name: tasks[name] for name in order}
    except CycleError as e:
        raise ValueError(f"{steps.path}: the derived_from rules make tasks depend on each "
                         f"other in a cycle: {' -> '.join(e.args[1])}") from None


def synthetic_metadata(steps: StepsFile, options: Options) -> dict[str, Any]:
    """Write the run's files under ``options.folder`` and return its Cromwell metadata."""
    if options.replicates < 1:
        raise ValueError(f"replicates must be at least 1, not {options.replicates}")
    name = Path(steps.path).stem.removesuffix("_steps")
    workflow_id = str(uuid.uuid5(NAMESPACE, f"{name}/{options.replicates}"))
    files = _Files(Path(options.folder).resolve(), name, workflow_id)
    raw_keys = set(steps.raw_fastqs_keys)
    replicates = range(options.replicates)
    workflow_inputs: dict[str, list[str]] = {}
    produced: dict[str, list[tuple[int, dict[str, str]]]] = {}  # task -> (shard, outputs)
    calls: dict[str, list[dict[str, Any]]] = {}
    tasks = task_shapes(steps)
    for task in tasks.values():
        for shard in replicates if task.sharded else [-1]:
            inputs: dict[str, Any] = {}
            for key, match in task.references:
                raw = key in raw_keys
                reps = [shard] if shard >= 0 else list(replicates)
                uris = ([files.input(task.name, key, match, rep) for rep in reps]
                        if raw else [files.input(task.name, key, match)])
                _put(inputs, key, uris, as_list=raw)
                for workflow_key in match:
                    workflow_inputs.setdefault(workflow_key, []).extend(uris)
            for parent in task.parents:
                key = next(iter(tasks[parent].outputs))
                _put(inputs, key, [theirs[key] for s, theirs in produced[parent]
                                   if shard < 0 or s in (shard, -1)])
            made = {key: files.output(task.name, shard, key, fmt)
                    for key, fmt in task.outputs.items()}
            produced.setdefault(task.name, []).append((shard, made))
            outputs: dict[str, Any] = {}
            for key, uri in made.items():
                _put(outputs, key, [uri])
            calls.setdefault(f"{name}.{task.name}", []).append({
                "shardIndex": shard, "attempt": 1, "executionStatus": "Done",
                "dockerImageUsed": f"encodedcc/synthetic-{name}:{VERSION}",
                "inputs": inputs, "outputs": outputs})
    return {
        "id": workflow_id,
        "workflowName": name,
        "status": "Succeeded",
        "labels": {"caper-backend": "Local", "caper-str-label": f"synthetic-{name}"},
        "inputs": {key: list(dict.fromkeys(uris)) for key, uris in workflow_inputs.items()},
        "submittedFiles": {"workflow": WDL.format(name=name, version=VERSION),
                           "inputs": "{}", "options": "{}", "labels": "{}"},
        "calls": calls,
    }


def write_synthetic_run(steps: StepsFile, options: Options) -> Path:
    """The run's files and ``metadata.json`` under ``options.folder``; returns its path."""
    metadata = synthetic_metadata(steps, options)
    path = Path(options.folder).resolve() / "metadata.json"
    _write(path, json.dumps(metadata, indent=1).encode())
    return path


@dataclass(frozen=True)
class _Files:
    """Where the run's files live; each holds bytes no other file of the run has."""

    folder: Path
    workflow: str
    workflow_id: str

    def output(self, task: str, shard: int, key: str, file_format: str) -> str:
        call = Path(self.workflow, self.workflow_id, f"call-{task}")
        if shard >= 0:
            call /= f"shard-{shard}"
        leaf = key.rsplit(".", 1)[-1]
        return self._file(call / "execution" / f"{leaf}.{file_format.lower() or 'txt'}")

    def input(self, task: str, key: str, match: tuple[str, ...], rep: int | None = None
              ) -> str:
        parts = [task, key, *match, *([] if rep is None else [f"rep{rep + 1}"])]
        return self._file(Path("inputs") / ".".join(parts))

    def _file(self, relative: Path) -> str:
        path = self.folder / relative
        _write(path, f"synthetic {self.workflow} file {relative}\n".encode())
        return str(path)


def step_version_objects(steps: StepsFile) -> list[dict[str, Any]]:
    """The AnalysisStep and AnalysisStepVersion objects a portal needs before a run of
    ``steps`` can post its step runs, named from the ``dcc_step_version`` @ids the way the
    portal names them (``.../chip-seq-alignment-step-v-2-0/``: step ``chip-seq-alignment-step-
    v-2``, major 2, minor 0), for loading into a test or demo portal."""
    objects: list[dict[str, Any]] = []
    for version in sorted({s.dcc_step_version for s in steps.steps if s.dcc_step_version}):
        name = version.strip("/").rsplit("/", 1)[-1]
        step_name, minor = name.rsplit("-", 1)
        label, major = step_name.rsplit("-v-", 1)
        objects += [
            {"@id": f"/analysis-steps/{step_name}/", "@type": ["AnalysisStep", "Item"],
             "step_label": label, "major_version": int(major), "title": label,
             "status": "released"},
            {"@id": version, "@type": ["AnalysisStepVersion", "Item"],
             "analysis_step": f"/analysis-steps/{step_name}/", "minor_version": int(minor),
             "status": "released"}]
    return objects


def _write(path: Path, content: bytes) -> None:
    """Rewriting the same bytes leaves the file alone, so re-runs change nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != content:
        path.write_bytes(content)


def _put(section: dict[str, Any], key: str, uris: list[str], *, as_list: bool = False) -> None:
    """Set a dotted key as nested objects; a key given twice holds a list of all its files."""
    *outer, leaf = key.split(".")
    for part in outer:
        section = section.setdefault(part, {})
        if not isinstance(section, dict):
            raise ValueError(f"filekey {key}: '{part}' is both a file and an object")
    previous = section.get(leaf)
    if isinstance(previous, dict):
        raise ValueError(f"filekey {key}: '{leaf}' is both a file and an object")
    every = ([] if previous is None else [previous] if isinstance(previous, str) else previous)
    every = [*every, *uris]
    section[leaf] = every[0] if len(every) == 1 and not as_list else every


POOLED_SET = "pooled-pr1_vs_pooled-pr2"


def peak_sets(replicates: int) -> list[str]:
    """The comparisons the ATAC/ChIP pipelines make (the ``prefix`` of an IDR/overlap call):
    each replicate's pseudoreplicates, the pooled pseudoreplicates, every pair of true
    replicates."""
    reps = range(1, replicates + 1)
    return [*(f"rep{n}-pr1_vs_rep{n}-pr2" for n in reps), POOLED_SET,
            *(f"rep{a}_vs_rep{b}" for a, b in combinations(reps, 2))]


def encode_qc_json(replicates: int, peak_caller: str, *, with_control: bool = True,
                   controls: int = 0) -> dict[str, Any]:
    """The sections of the ATAC/ChIP pipelines' qc_json (task qc_report) that QC reads, with
    the keys the pipelines write: ENCODE-DCC/chip-seq-pipeline2 and atac-seq-pipeline
    src/encode_task_qc_report.py (sections) and src/encode_lib_log_parser.py (keys). ATAC
    has no control, so its JSD section lacks the control-only keys (parse_jsd_qc). Control
    alignments (``controls``, ChIP) have ``ctlN`` entries in the alignment sections."""
    reps = [f"rep{n}" for n in range(1, replicates + 1)]
    ctls = [f"ctl{n}" for n in range(1, controls + 1)]

    def per_rep(values: dict[str, Any], names: list[str] = reps) -> dict[str, dict[str, Any]]:
        return {r: {k: v * n if isinstance(v, int) and not isinstance(v, bool) else v
                    for k, v in values.items()} for n, r in enumerate(names, 1)}

    def with_ctls(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {**per_rep(values), **per_rep(values, ctls)}

    samstat = {"total_reads": 40_000_000, "mapped_reads": 39_000_000, "pct_mapped_reads": 97.5,
               "paired_reads": 40_000_000, "read1": 20_000_000, "read2": 20_000_000,
               "properly_paired_reads": 38_000_000, "pct_properly_paired_reads": 95.0,
               "with_itself": 38_800_000, "singletons": 200_000, "pct_singletons": 0.5,
               "diff_chroms": 100_000, "duplicate_reads": 0}
    samstat.update({f"{k}_qc_failed": 0 for k in (  # parse_flagstat_qc: every count has one
        "total_reads", "duplicate_reads", "mapped_reads", "paired_reads", "read1", "read2",
        "properly_paired_reads", "with_itself", "singletons", "diff_chroms")})
    jsd = {"auc": 0.31, "syn_auc": 0.48, "x_intercept": 0.02, "syn_x_intercept": 0.0,
           "elbow_pt": 0.6, "syn_elbow_pt": 0.5, "syn_jsd": 0.42}
    if with_control:  # deepTools plotFingerprint --JSDsample
        jsd.update({"jsd": 0.38, "pct_genome_enrich": 18.0, "diff_enrich": 9.6, "ch_div": 0.12})
    # encode_task_reproducibility.py: N1..Nn are the replicates' own pseudoreplicate peaks
    reproducibility = {"Nt": 80_000, **{f"N{n}": 95_000 - 5_000 * n
                                        for n in range(1, replicates + 1)},
                       "Np": 95_000, "N_opt": 95_000, "N_consv": 80_000, "opt_set": POOLED_SET,
                       "consv_set": "rep1_vs_rep2", "rescue_ratio": 1.19,
                       "self_consistency_ratio": 1.06, "reproducibility": "pass"}
    return {
        "general": {"pipeline_ver": "v2.2.2", "peak_caller": peak_caller, "paired_end": True,
                    "genome": "GRCh38",
                    "seq_endedness": {r: {"paired_end": True} for r in reps + ctls}},
        "align": {
            "samstat": with_ctls(samstat),
            "nodup_samstat": with_ctls({**samstat, "total_reads": 30_000_000,
                                      "mapped_reads": 30_000_000, "pct_mapped_reads": 100.0}),
            "frac_mito": per_rep({"non_mito_reads": 36_000_000, "mito_reads": 3_000_000,
                                  "frac_mito_reads": 0.077}),
            "frag_len_stat": per_rep({  # parse_nucleosomal_qc
                "frac_reads_in_nfr": 0.42, "frac_reads_in_nfr_qc_pass": True,
                "frac_reads_in_nfr_qc_reason": "OK", "nfr_over_mono_nuc_reads": 2.1,
                "nfr_over_mono_nuc_reads_qc_pass": True,
                "nfr_over_mono_nuc_reads_qc_reason": "OK", "nfr_peak_exists": True,
                "mono_nuc_peak_exists": True, "di_nuc_peak_exists": True}),
            "dup": with_ctls({"unpaired_reads": 0, "paired_reads": 19_000_000,
                            "unmapped_reads": 500_000, "unpaired_duplicate_reads": 0,
                            "paired_duplicate_reads": 1_600_000,
                            "paired_optical_duplicate_reads": 20_000,
                            "pct_duplicate_reads": 8.3}),
            "frac_reads_in_annot": per_rep({"fri_dhs": 0.61, "fri_blacklist": 0.002,
                                            "fri_prom": 0.2, "fri_enh": 0.35}),
        },
        # parse_lib_complexity_qc writes positions_with_one_read (twice) and no "two reads" key
        "lib_complexity": {"lib_complexity": with_ctls({
            "total_fragments": 20_000_000, "distinct_fragments": 18_000_000,
            "positions_with_one_read": 16_500_000, "NRF": 0.9, "PBC1": 0.92, "PBC2": 11.2})},
        "align_enrich": {
            "xcor_score": per_rep({"subsampled_reads": 15_000_000, "estimated_fragment_len": 215,
                                   "corr_estimated_fragment_len": 0.21, "phantom_peak": 35,
                                   "corr_phantom_peak": 0.19, "argmin_corr": 1500,
                                   "min_corr": 0.17, "NSC": 1.24, "RSC": 1.1}),
            "jsd": per_rep(jsd),
            "tss_enrich": per_rep({"tss_enrich": 17.5}),
        },
        "replication": {"reproducibility": {"idr": reproducibility,
                                            "overlap": {**reproducibility, "Nt": 120_000}}},
        "peak_enrich": {"frac_reads_in_peaks": {
            method: {s: {"frip": 0.3 + (i % 50) / 100}
                     for i, s in enumerate(peak_sets(max(replicates, 2)))}
            for method in ("idr", "overlap")}},
        "peak_stat": {"peak_region_size": {  # parse_peak_region_size_qc: floats
            f"{m}_opt": {"min_size": 150.0, "25_pct": 300.0, "50_pct": 450.0, "75_pct": 700.0,
                         "max_size": 4000.0, "mean": 520.5} for m in ("idr", "overlap")}},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m encode_accession.demo.synthetic",
        description="Write a synthetic Cromwell run (metadata.json and small files) that "
                    "matches a steps file, to plan or accession it without a pipeline.")
    parser.add_argument("steps", help="a steps file, or a pipeline name in accession_rules/")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--replicates", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        steps_path = resolve_steps(args.steps)
        path = write_synthetic_run(load_steps(steps_path),
                                   Options(replicates=args.replicates, folder=args.outdir))
    except InputError as e:
        raise SystemExit(f"synthetic: {e.message}") from None
    except ValueError as e:
        raise SystemExit(f"synthetic: {e}") from None
    print(f"{path}\ntry: encode-accession plan -m {path} --steps {steps_path}")


if __name__ == "__main__":
    main()
