"""Cromwell/Caper ``metadata.json`` -> a model of calls and the files that flow between them.

Accessioning needs three things from a finished run: which calls ran (the last successful
attempt of each shard), which files each call read and wrote, and the workflow's own inputs.
Subworkflows and WDL 1.0 ``ScatterAt<line>_<col>`` pseudo-calls are flattened here, so the
rest of the project only ever sees ordinary tasks under stable names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.metadata.inputfiles import decode_input_text, read_input_text

FILE_PREFIXES = ("gs://", "s3://", "/")
DONE = "Done"


@dataclass(frozen=True)
class Call:
    """One shard of one task: its last attempt whose status is Done."""

    name: str  # stable qualified name, e.g. "atac.filter" or "main.sub.subsub.t_subsub_1"
    shard: int  # Cromwell shardIndex, -1 when the call is not scattered
    scatter: tuple[int, ...]  # shard indices of enclosing subworkflow calls, outermost first
    attempt: int
    docker: str | None
    inputs: Mapping[str, Any] = field(repr=False, compare=False, hash=False)
    outputs: Mapping[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def task(self) -> str:
        """The task name the accessioning steps refer to (last part of the call name)."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def label(self) -> str:
        """A short unique label, e.g. ``filter[0]``, ``t_subsub_1[1.0.1]`` or ``pool_ta``."""
        return _label(self.task, self.scatter, self.shard)

    @property
    def docker_tag(self) -> str:
        """The tag after ':' (a digest for pinned images), as step-run aliases use it."""
        if not self.docker:
            return ""
        return self.docker.rsplit("@", 1)[-1].rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Unfinished:
    """A shard of a task that has attempts but none Done (Failed, Aborted, still Running):
    its outputs were never written. The plan names the steps it loses."""

    task: str
    label: str  # as :attr:`Call.label`
    status: str  # of its last attempt
    attempts: int


@dataclass
class WorkflowFile:
    """A file seen anywhere in the run, de-duplicated by URI across the whole workflow."""

    uri: str
    keys: list[str] = field(default_factory=list)  # every (flattened) key it appeared under
    producer: Call | None = None
    consumers: list[Call] = field(default_factory=list)


@dataclass
class Workflow:
    """The parsed run. ``calls`` maps a stable call name to its shards, in metadata order."""

    id: str
    name: str
    source: str
    calls: dict[str, list[Call]]
    files: dict[str, WorkflowFile]
    inputs: dict[str, Any]
    labels: dict[str, str]
    submitted: dict[str, Any]  # submittedFiles with inputs/options/labels decoded from JSON
    status: str | None = None  # Cromwell's workflow status: Succeeded, Failed, Running, ...
    unfinished: list[Unfinished] = field(default_factory=list)
    call_inputs: dict[Call, list[str]] = field(repr=False, default_factory=dict)
    call_outputs: dict[Call, list[str]] = field(repr=False, default_factory=dict)

    def tasks(self, task: str) -> list[Call]:
        """Every call (all shards, all subworkflow instances) of the task named ``task``."""
        return [c for calls in self.calls.values() for c in calls if c.task == task]

    def unfinished_shards(self, task: str) -> list[Unfinished]:
        """The shards of ``task`` whose every attempt failed (or never finished)."""
        return [u for u in self.unfinished if u.task == task]

    @property
    def task_names(self) -> list[str]:
        return sorted({c.task for calls in self.calls.values() for c in calls})

    def input_files(self, call: Call) -> list[WorkflowFile]:
        return [self.files[u] for u in self.call_inputs[call]]

    def output_files(self, call: Call) -> list[WorkflowFile]:
        return [self.files[u] for u in self.call_outputs[call]]

    def workflow_input(self, key: str) -> Any:
        """A workflow-level input by bare (WDL 1.0) or qualified (draft-2) key; None if absent."""
        if key in self.inputs:
            return self.inputs[key]
        return self.inputs.get(f"{self.name}.{key}")

    @property
    def backend(self) -> str | None:
        """Caper's backend label, when Caper ran the workflow (plain Cromwell runs have none)."""
        return self.labels.get("caper-backend")


def load_metadata(path: str | Path) -> Workflow:
    """Read and parse a metadata.json from local disk, gs:// or s3://."""
    return parse_metadata_text(read_metadata_text(path), str(path))


def read_metadata_text(path: str | Path) -> str:
    source = str(path)
    if source.startswith(("gs://", "s3://")):
        from encode_accession.storage.stores import (
            get_storage,  # cloud clients only when a cloud URI is given
        )

        return decode_input_text(get_storage().read_bytes(source), source, "metadata file")
    return read_input_text(path, "metadata file",
                           "pass the metadata.json Cromwell or `caper metadata` wrote")


def parse_metadata_text(text: str, source: str) -> Workflow:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(source, f"line {e.lineno} column {e.colno}", f"not valid JSON ({e.msg})",
                         "re-export it with `caper metadata WORKFLOW_ID > metadata.json`") from None
    return parse_metadata(data, source)


def parse_metadata(data: Any, source: str = "<metadata>") -> Workflow:
    """Build the :class:`Workflow` model from decoded metadata (pure)."""
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a JSON object (Cromwell workflow metadata)",
                         "pass the metadata.json of one workflow")
    for key in ("id", "calls"):
        if key not in data:
            raise InputError(source, key, f"missing '{key}': not Cromwell workflow metadata",
                             "pass the metadata.json Cromwell or `caper metadata` wrote")
    if not isinstance(data["calls"], dict):
        raise InputError(source, "calls", "expected an object of call name -> list of calls")
    calls: dict[str, list[Call]] = {}
    unfinished: list[Unfinished] = []
    for call in _walk_calls(data["calls"], prefix=None, scatter=(), source=source,
                            unfinished=unfinished):
        calls.setdefault(call.name, []).append(call)
    workflow = Workflow(
        id=str(data["id"]),
        name=str(data.get("workflowName") or _workflow_name(data["calls"])),
        source=source,
        calls=calls,
        files={},
        inputs=dict(data.get("inputs") or {}),
        labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
        submitted=_decode_submitted(data.get("submittedFiles") or {}, source),
        status=str(data["status"]) if data.get("status") is not None else None,
        unfinished=unfinished,
    )
    _link_files(workflow)
    return workflow


def _workflow_name(calls: Mapping[str, Any]) -> str:
    for key in calls:
        if "." in key:
            return key.split(".", 1)[0]
    return ""


def _walk_calls(
    calls: Mapping[str, Any], prefix: str | None, scatter: tuple[int, ...], source: str,
    unfinished: list[Unfinished],
) -> Iterator[Call]:
    """Yield leaf calls; subworkflow calls contribute their own calls under stable names.
    Shards with no Done attempt are added to ``unfinished``.

    A subworkflow call ``main.sub`` makes its inner ``sub.t`` become ``main.sub.t``.
    ``ScatterAt*`` pseudo-calls are transparent: their inner calls keep the enclosing
    prefix (``nested.t`` stays ``nested.t``), so names do not depend on WDL line numbers.
    """
    for key, entries in calls.items():
        if not isinstance(entries, list):
            raise InputError(source, f"calls.{key}", "expected a list of call attempts")
        transparent = key.startswith("ScatterAt")
        name = key if prefix is None else f"{prefix}.{key.rsplit('.', 1)[-1]}"
        done = _last_done_per_shard(entries, f"calls.{key}", source)
        unfinished.extend(_unfinished_shards(name, scatter, entries, f"calls.{key}", source))
        for index, entry in done:
            shard = _whole_number(entry, "shardIndex", -1, f"calls.{key}[{index}]", source)
            sub = entry.get("subWorkflowMetadata")
            if isinstance(sub, dict) and isinstance(sub.get("calls"), dict):
                inner_prefix = prefix if transparent else name
                yield from _walk_calls(sub["calls"], inner_prefix, (*scatter, shard), source,
                                       unfinished)
                continue
            runtime = entry.get("runtimeAttributes") or {}
            outputs = entry.get("outputs") or {}
            _refuse_relative_paths(outputs, f"calls.{key}[{index}].outputs", source)
            yield Call(
                name=name,
                shard=shard,
                scatter=scatter,
                attempt=_whole_number(entry, "attempt", 1, f"calls.{key}[{index}]", source),
                docker=entry.get("dockerImageUsed") or runtime.get("docker"),
                inputs=entry.get("inputs") or {},
                outputs=outputs,
            )


def _last_done_per_shard(entries: list[Any], where: str, source: str
                         ) -> list[tuple[int, dict[str, Any]]]:
    """Per shard, the Done attempt with the highest attempt number (with its index in the
    list, for messages); other statuses are dropped."""
    best: dict[int, tuple[int, int, dict[str, Any]]] = {}  # shard -> (attempt, index, entry)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(source, f"{where}[{index}]", "expected a call attempt (an object)")
        if entry.get("executionStatus") != DONE:
            continue
        shard = _whole_number(entry, "shardIndex", -1, f"{where}[{index}]", source)
        attempt = _whole_number(entry, "attempt", 1, f"{where}[{index}]", source)
        if shard not in best or attempt > best[shard][0]:
            best[shard] = (attempt, index, entry)
    return [best[s][1:] for s in sorted(best)]


def _whole_number(entry: Mapping[str, Any], key: str, default: int, where: str,
                  source: str) -> int:
    """``attempt`` and ``shardIndex`` are whole numbers in what Cromwell writes; NaN, 1.5,
    "2" or true mean the file was edited or written by something else."""
    value = entry.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InputError(source, f"{where}.{key}", f"expected a whole number, found {value!r}",
                     "use the metadata.json Cromwell wrote (`caper metadata WORKFLOW_ID`), or "
                     f"give each call attempt an integer {key}")


def _refuse_relative_paths(outputs: Mapping[str, Any], where: str, source: str) -> None:
    """Cromwell writes every output file as an absolute path or a gs:// / s3:// URI; a
    relative path (an edited or moved run) would not be taken for a file at all, and the
    run's files would then seem missing from the steps' point of view."""
    relative = [(f"{where}.{key}", uri) for key, uri in _flat_strings(outputs)
                if "/" in uri and "://" not in uri and not uri.startswith(FILE_PREFIXES)]
    if relative:
        key, uri = relative[0]
        more = f" (and {len(relative) - 1} more)" if len(relative) > 1 else ""
        raise InputError(source, key, f"{uri!r} is a relative path{more}: output files must "
                         "be absolute paths or gs:// or s3:// URIs",
                         "use the metadata.json Cromwell wrote (`caper metadata WORKFLOW_ID`), "
                         "or make the paths absolute")


def _unfinished_shards(name: str, scatter: tuple[int, ...], entries: list[dict[str, Any]],
                       where: str, source: str) -> list[Unfinished]:
    """The shards among ``entries`` with no Done attempt: the status of their last attempt."""
    finished = {_whole_number(e, "shardIndex", -1, f"{where}[{i}]", source)
                for i, e in enumerate(entries) if e.get("executionStatus") == DONE}
    last: dict[int, tuple[int, dict[str, Any]]] = {}  # shard -> (attempt, entry)
    attempts: dict[int, int] = {}
    for index, entry in enumerate(entries):
        shard = _whole_number(entry, "shardIndex", -1, f"{where}[{index}]", source)
        if shard in finished:
            continue
        attempts[shard] = attempts.get(shard, 0) + 1
        attempt = _whole_number(entry, "attempt", 1, f"{where}[{index}]", source)
        if shard not in last or attempt >= last[shard][0]:
            last[shard] = (attempt, entry)
    task = name.rsplit(".", 1)[-1]
    return [Unfinished(task, _label(task, scatter, shard),
                       str(last[shard][1].get("executionStatus")), attempts[shard])
            for shard in sorted(last)]


def _label(task: str, scatter: tuple[int, ...], shard: int) -> str:
    path = [s for s in (*scatter, shard) if s >= 0]
    return f"{task}[{'.'.join(map(str, path))}]" if path else task


def _decode_submitted(submitted: Mapping[str, Any], source: str) -> dict[str, Any]:
    """submittedFiles.inputs/options/labels are JSON *strings*; decode them."""
    decoded = dict(submitted)
    for key in ("inputs", "options", "labels"):
        value = submitted.get(key)
        if isinstance(value, str) and value.strip():
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError as e:
                raise InputError(source, f"submittedFiles.{key}",
                                 f"expected a JSON string ({e.msg})") from None
    return decoded


def flatten_files(section: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield (key, uri) for every file in a call's inputs or outputs.

    Nested objects give dotted keys (``analysis.nuclear_bam``); arrays are walked without
    changing the key, as the accessioning steps' filekeys expect.
    """
    return ((key, text) for key, text in _flat_strings(section, prefix)
            if text.startswith(FILE_PREFIXES))


def _flat_strings(section: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, string) for every string in a call's inputs or outputs."""
    for key, value in section.items():
        flat = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flat_strings(value, f"{flat}.")
        else:
            for text in _strings(value):
                yield flat, text


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)


def _link_files(workflow: Workflow) -> None:
    """Attach producers first, then consumers, so a file's producer is the call that wrote it."""
    files = workflow.files
    all_calls = [c for calls in workflow.calls.values() for c in calls]

    def record(key: str, uri: str) -> WorkflowFile:
        wf_file = files.get(uri)
        if wf_file is None:
            wf_file = files[uri] = WorkflowFile(uri)
        if key not in wf_file.keys:
            wf_file.keys.append(key)
        return wf_file

    for call in all_calls:
        outputs: dict[str, None] = {}
        for key, uri in flatten_files(call.outputs):
            wf_file = record(key, uri)
            if wf_file.producer is None:
                wf_file.producer = call
            outputs[uri] = None
        workflow.call_outputs[call] = list(outputs)
    for call in all_calls:
        inputs: dict[str, None] = {}  # ordered set: a call may list a file under two keys
        for key, uri in flatten_files(call.inputs):
            wf_file = record(key, uri)
            if uri not in inputs:
                inputs[uri] = None
                wf_file.consumers.append(call)
        workflow.call_inputs[call] = list(inputs)
