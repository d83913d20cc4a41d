"""Accessioning steps: the ENCODE ``*_steps.json`` format (read unchanged) and its YAML form.

A steps file says, per pipeline variant, which task outputs become portal files, in which
order, and how each file's ``derived_from`` parents are found in the run. Files are validated
against the bundled ``steps.schema.yaml`` before anything else reads them.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from encode_accession.core.errors import InputError
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.metadata.inputfiles import read_input_text

DEFAULT_RAW_FASTQS_KEYS = ("fastq", "fastqs")
SCHEMA = "steps.schema.yaml"

# Output types the reference tool renamed after 4.8.4 ("output_types renamed", its commit
# 2ff02fc) to the names the portal's file schema accepts (encoded src/encoded/schemas/file.json):
# a 4.8.4 steps JSON passed unchanged would be refused with 422 on every Hi-C file.
RENAMED_OUTPUT_TYPES = {
    "chromatin interactions": "contact matrix",
    "mapping quality thresholded chromatin interactions":
        "mapping quality thresholded contact matrix",
    "topologically associated domains": "contact domains",
    "long range chromatin interactions": "loops",
    "DNA accessibility raw signal": "nuclease cleavage frequency",
    "haplotype-specific chromatin interactions": "haplotype-specific contact matrix",
    "haplotype-specific DNA accessibility raw signal":
        "haplotype-specific nuclease cleavage frequency",
    "haplotype-specific DNA accessibility corrected signal":
        "haplotype-specific nuclease cleavage corrected frequency",
    "variants chromatin interactions": "variants contact matrix",
}
FACT_KEYS = ("reference_input", "preferred_default_metric", "annotation_dataset",
             "private_filenames")


@dataclass(frozen=True)
class DerivedFrom:
    """How to find one kind of parent of a file, starting from the task that produced it."""

    task: str
    filekey: str
    inputs: bool = False  # match the target task's input files instead of its outputs
    output_type: str | None = None  # parent's portal output_type must equal this
    disallow_tasks: tuple[str, ...] = ()
    allow_empty: bool = False
    workflow_inputs_to_match: tuple[str, ...] = ()
    search_down: bool = False
    only_current_analysis: bool = False


@dataclass(frozen=True)
class FileSpec:
    filekey: str
    file_format: str
    output_type: str
    derived_from: tuple[DerivedFrom, ...]
    file_format_type: str | None = None
    quality_metrics: tuple[str, ...] = ()
    callbacks: tuple[str, ...] = ()
    maybe_preferred_default: bool = False
    filter_type: str | None = None
    filter_value: float | str | None = None
    pseudo_haplotype: str | None = None
    # the file may have the md5 of another file of the same task (optimal and conservative
    # IDR peaks can be the same peaks): it is posted once and the other files reuse it
    possible_duplicate: bool = False


@dataclass(frozen=True)
class Step:
    index: int  # position in the file: the accessioning order
    dcc_step_run: str
    dcc_step_version: str | None
    task: str
    files: tuple[FileSpec, ...]
    requires_replication: bool = False

    @property
    def rule(self) -> str:
        """A valid, unique Snakemake rule name, e.g. ``step03_macs2_signal_track``."""
        return f"step{self.index:02d}_{self.task}"


@dataclass(frozen=True)
class PipelineFacts:
    """What differs between pipeline families beyond the steps, kept in the steps file so a
    renamed or user-written file keeps it (see accession_rules/README.md)."""

    reference_input: str | None = None  # input filekey whose portal file gives the assembly
    preferred_default_metric: str | None = None  # ranks maybe_preferred_default files
    annotation_dataset: bool = False  # files go to the Annotation given in the config
    private_filenames: bool = False  # redacted data: md5 aliases, no file names posted
    source: str | None = None  # the bundled rules file they came from, for reference JSONs


@dataclass(frozen=True)
class StepsFile:
    path: str
    steps: tuple[Step, ...]
    raw_fastqs_keys: tuple[str, ...] = DEFAULT_RAW_FASTQS_KEYS
    quality_standard: str | None = None
    raw_fastqs_can_have_task: bool = False
    facts: PipelineFacts = PipelineFacts()
    # (where, old name, current name) for each 4.8.4 output type translated on reading
    translated: tuple[tuple[str, str, str], ...] = field(default=())

    def translation_notice(self) -> str | None:
        """One line saying which renamed output types were read under their current names."""
        if not self.translated:
            return None
        counts: dict[tuple[str, str], int] = {}
        for _where, old, new in self.translated:
            counts[(old, new)] = counts.get((old, new), 0) + 1
        names = "; ".join(f"'{old}' -> '{new}' ({n}x)" for (old, new), n in counts.items())
        return (f"{self.path}: output types renamed since accession 4.8.4 translated to the "
                f"portal's current names: {names}")


def load_steps(path: str | Path, *, validate: bool = True, notify: bool = True) -> StepsFile:
    """Read, validate and model a steps file (JSON or YAML). A 4.8.4 file's renamed output
    types are read under their current names, with a one-line notice on stderr. Jobs
    re-reading a file validated when the run was planned skip the schema (and the jsonschema
    import) and the notice."""
    steps = parse_steps(read_steps_document(path), str(path), validate=validate)
    notice = steps.translation_notice()
    if notice and notify and validate:
        print(f"encode-accession: {notice}", file=sys.stderr)
    return steps


def read_steps_document(path: str | Path) -> Any:
    """Decode the file; JSON and YAML syntax errors name the line and column."""
    path = Path(path)
    text = read_input_text(path, "steps file",
                           "give an existing path or a pipeline name from accession_rules/")
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(path, f"line {e.lineno} column {e.colno}",
                             f"not valid JSON ({e.msg})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(path, where, f"not valid YAML ({getattr(e, 'problem', e)})") from None


def parse_steps(data: Any, source: str, *, validate: bool = True) -> StepsFile:
    """Validate decoded steps data against the schema, then build the model (pure)."""
    if validate:
        from encode_accession.planning.schemas import validate as check

        check(data, SCHEMA, source)
    translated: list[tuple[str, str, str]] = []
    steps = StepsFile(
        path=source,
        steps=tuple(_step(i, s, translated) for i, s in enumerate(data["accession.steps"])),
        raw_fastqs_keys=tuple(data.get("raw_fastqs_keys") or DEFAULT_RAW_FASTQS_KEYS),
        quality_standard=data.get("quality_standard"),
        raw_fastqs_can_have_task=_flag(data.get("raw_fastqs_can_have_task")),
        facts=_facts(data, source),
        translated=tuple(translated),
    )
    return steps


def _facts(data: dict[str, Any], source: str) -> PipelineFacts:
    """The file's own pipeline facts; a file with none (the reference's ``*_steps.json``)
    takes those of the bundled rules of the same variant name (``atac_steps.json`` ->
    accession_rules/atac.yaml), and a file of an unknown pipeline none."""
    if any(key in data for key in FACT_KEYS):
        return PipelineFacts(
            reference_input=data.get("reference_input"),
            preferred_default_metric=data.get("preferred_default_metric"),
            annotation_dataset=_flag(data.get("annotation_dataset")),
            private_filenames=_flag(data.get("private_filenames")))
    path = Path(source)
    bundled = ACCESSION_RULES / f"{path.stem.removesuffix('_steps')}.yaml"
    if path.suffix == ".json" and bundled.exists():
        return replace(load_steps(bundled).facts, source=str(bundled))
    return PipelineFacts()


def _flag(value: Any) -> bool:
    """Booleans, plus the legacy "true"/"false" strings older steps files used."""
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def _step(index: int, raw: dict[str, Any], translated: list[tuple[str, str, str]]) -> Step:
    return Step(
        index=index,
        dcc_step_run=raw["dcc_step_run"],
        dcc_step_version=raw.get("dcc_step_version"),
        task=raw["wdl_task_name"],
        files=tuple(_file(f, f"accession.steps[{index}].wdl_files[{j}]", translated)
                    for j, f in enumerate(raw["wdl_files"])),
        requires_replication=_flag(raw.get("requires_replication")),
    )


def current_output_type(name: str, where: str, translated: list[tuple[str, str, str]]) -> str:
    """The portal's current name for an output type the reference renamed after 4.8.4."""
    if name in RENAMED_OUTPUT_TYPES:
        translated.append((where, name, RENAMED_OUTPUT_TYPES[name]))
        return RENAMED_OUTPUT_TYPES[name]
    return name


def _file(raw: dict[str, Any], where: str, translated: list[tuple[str, str, str]]) -> FileSpec:
    haplotype = raw.get("pseudo_haplotype")
    return FileSpec(
        filekey=raw["filekey"],
        file_format=raw["file_format"],
        output_type=current_output_type(raw["output_type"], f"{where}.output_type", translated),
        derived_from=tuple(_derived_from(d, f"{where}.derived_from_files[{k}]", translated)
                           for k, d in enumerate(raw["derived_from_files"])),
        file_format_type=raw.get("file_format_type"),
        quality_metrics=tuple(raw.get("quality_metrics") or ()),
        callbacks=tuple(raw.get("callbacks") or ()),
        maybe_preferred_default=_flag(raw.get("maybe_preferred_default")),
        filter_type=raw.get("filter_type"),
        filter_value=raw.get("filter_value"),
        pseudo_haplotype=None if haplotype is None else str(haplotype),
        possible_duplicate=_flag(raw.get("possible_duplicate")),
    )


def _derived_from(raw: dict[str, Any], where: str, translated: list[tuple[str, str, str]]
                  ) -> DerivedFrom:
    parent_type = raw.get("derived_from_output_type")
    return DerivedFrom(
        task=raw["derived_from_task"],
        filekey=raw["derived_from_filekey"],
        inputs=_flag(raw.get("derived_from_inputs")),
        output_type=None if parent_type is None else current_output_type(
            parent_type, f"{where}.derived_from_output_type", translated),
        disallow_tasks=tuple(raw.get("disallow_tasks") or ()),
        allow_empty=_flag(raw.get("allow_empty")),
        workflow_inputs_to_match=tuple(raw.get("workflow_inputs_to_match") or ()),
        search_down=_flag(raw.get("should_search_down")),
        only_current_analysis=_flag(raw.get("only_search_current_analysis")),
    )


def resolve_steps(name_or_path: str | Path) -> Path:
    """A steps file path, or a pipeline name from ``accession_rules/`` (``atac`` -> atac.yaml)."""
    path = Path(name_or_path)
    if os.path.exists(path):  # False, not OSError, for names the OS refuses (too long)
        return path
    bundled = ACCESSION_RULES / f"{name_or_path}.yaml"
    if bundled.is_file():
        return bundled
    known = ", ".join(sorted(p.stem for p in ACCESSION_RULES.glob("*.yaml")))
    raise InputError(str(name_or_path), "", "no such steps file or bundled pipeline",
                     f"give a steps file path or one of: {known}")
