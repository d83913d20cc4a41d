"""Accessioning steps: the ENCODE ``*_steps.json`` format (read unchanged) and its YAML form.

A steps file says, per pipeline variant, which task outputs become portal files, in which
order, and how each file's ``derived_from`` parents are found in the run. Files are validated
against the bundled ``steps.schema.yaml`` before anything else reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .data import ACCESSION_RULES
from .errors import InputError, InputErrors
from .schemas import validate

DEFAULT_RAW_FASTQS_KEYS = ("fastq", "fastqs")
SCHEMA = "steps.schema.yaml"


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
class StepsFile:
    path: str
    steps: tuple[Step, ...]
    raw_fastqs_keys: tuple[str, ...] = DEFAULT_RAW_FASTQS_KEYS
    quality_standard: str | None = None
    raw_fastqs_can_have_task: bool = False


def load_steps(path: str | Path) -> StepsFile:
    """Read, validate and model a steps file (JSON or YAML)."""
    return parse_steps(read_steps_document(path), str(path))


def read_steps_document(path: str | Path) -> Any:
    """Decode the file; JSON and YAML syntax errors name the line and column."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(path, "", "steps file not found",
                         "give an existing path or a pipeline name from accession_rules/") from None
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


def parse_steps(data: Any, source: str) -> StepsFile:
    """Validate decoded steps data against the schema, then build the model (pure)."""
    validate(data, SCHEMA, source)
    steps = StepsFile(
        path=source,
        steps=tuple(_step(i, s) for i, s in enumerate(data["accession.steps"])),
        raw_fastqs_keys=tuple(data.get("raw_fastqs_keys") or DEFAULT_RAW_FASTQS_KEYS),
        quality_standard=data.get("quality_standard"),
        raw_fastqs_can_have_task=_flag(data.get("raw_fastqs_can_have_task")),
    )
    _check_names(steps)
    return steps


def _check_names(steps: StepsFile) -> None:
    """QC and callback names must be ones the package builds, so a typo fails here and not
    halfway through a run."""
    from .qc import BUILDERS, CALLBACKS  # the registries import the planner, which needs us

    errors = []
    for step in steps.steps:
        for j, spec in enumerate(step.files):
            where = f"accession.steps[{step.index}].wdl_files[{j}]"
            for kind, names, known in (("quality_metrics", spec.quality_metrics, BUILDERS),
                                       ("callbacks", spec.callbacks, CALLBACKS)):
                errors += [InputError(steps.path, f"{where}.{kind}", f"unknown name '{name}'",
                                      f"use one of: {', '.join(sorted(known))}")
                           for name in names if name not in known]
    if errors:
        raise InputErrors(errors)


def _flag(value: Any) -> bool:
    """Booleans, plus the legacy "true"/"false" strings older steps files used."""
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def _step(index: int, raw: dict[str, Any]) -> Step:
    return Step(
        index=index,
        dcc_step_run=raw["dcc_step_run"],
        dcc_step_version=raw.get("dcc_step_version"),
        task=raw["wdl_task_name"],
        files=tuple(_file(f) for f in raw["wdl_files"]),
        requires_replication=_flag(raw.get("requires_replication")),
    )


def _file(raw: dict[str, Any]) -> FileSpec:
    haplotype = raw.get("pseudo_haplotype")
    return FileSpec(
        filekey=raw["filekey"],
        file_format=raw["file_format"],
        output_type=raw["output_type"],
        derived_from=tuple(_derived_from(d) for d in raw["derived_from_files"]),
        file_format_type=raw.get("file_format_type"),
        quality_metrics=tuple(raw.get("quality_metrics") or ()),
        callbacks=tuple(raw.get("callbacks") or ()),
        maybe_preferred_default=_flag(raw.get("maybe_preferred_default")),
        filter_type=raw.get("filter_type"),
        filter_value=raw.get("filter_value"),
        pseudo_haplotype=None if haplotype is None else str(haplotype),
    )


def _derived_from(raw: dict[str, Any]) -> DerivedFrom:
    return DerivedFrom(
        task=raw["derived_from_task"],
        filekey=raw["derived_from_filekey"],
        inputs=_flag(raw.get("derived_from_inputs")),
        output_type=raw.get("derived_from_output_type"),
        disallow_tasks=tuple(raw.get("disallow_tasks") or ()),
        allow_empty=_flag(raw.get("allow_empty")),
        workflow_inputs_to_match=tuple(raw.get("workflow_inputs_to_match") or ()),
        search_down=_flag(raw.get("should_search_down")),
        only_current_analysis=_flag(raw.get("only_search_current_analysis")),
    )


def resolve_steps(name_or_path: str | Path) -> Path:
    """A steps file path, or a pipeline name from ``accession_rules/`` (``atac`` -> atac.yaml)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    bundled = ACCESSION_RULES / f"{name_or_path}.yaml"
    if bundled.is_file():
        return bundled
    known = ", ".join(sorted(p.stem for p in ACCESSION_RULES.glob("*.yaml")))
    raise InputError(str(name_or_path), "", "no such steps file or bundled pipeline",
                     f"give a steps file path or one of: {known}")
