"""The plan: a pure function of (workflow, steps, options) saying what one run will accession.

Each planned file is one (step, call shard, matching output file). Its ``derived_from``
parents are found in the run exactly as the reference ``accession`` tool searches: up through
producing calls (or down through consumers) to the named task, matching its inputs or outputs
by filekey. A parent that is itself planned is a DAG edge; any other parent (fastqs,
references) must already be on the portal and is found there by md5 when the run executes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from encode_accession.core.errors import InputError, InputErrors
from encode_accession.metadata.cromwell import Call, Workflow, WorkflowFile
from encode_accession.planning.steps import DerivedFrom, FileSpec, Step, StepsFile


@dataclass(frozen=True)
class PlanOptions:
    """``replicated``: None infers it from the run (see :func:`build_plan`)."""

    replicated: bool | None = None


@dataclass(frozen=True)
class Parent:
    uri: str
    spec: int  # index into the file spec's derived_from list
    planned_id: str | None  # set when the parent is accessioned by this plan (a DAG edge)


@dataclass(frozen=True)
class Skipped:
    """A step or output the plan leaves out, and why. ``lost``: outputs a task that ran never
    wrote (every attempt of a shard failed), so the run cannot be complete; the other
    reasons (an unreplicated run, an optional output) lose nothing."""

    where: str  # e.g. "accession.steps[5] (idr)"
    reason: str
    lost: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "reason": self.reason, "lost": self.lost}


@dataclass(frozen=True)
class PlannedFile:
    id: str
    uri: str
    call: Call
    step: Step
    spec: FileSpec
    parents: tuple[Parent, ...]

    @property
    def derived_from(self) -> list[str]:
        return [p.uri for p in self.parents]

    def to_dict(self) -> dict[str, Any]:
        s = self.spec
        return {
            "id": self.id,
            "uri": self.uri,
            "task": self.call.task,
            "call": self.call.label,
            "shard": self.call.shard,
            "filekey": s.filekey,
            "step": self.step.rule,
            "dcc_step_run": self.step.dcc_step_run,
            "dcc_step_version": self.step.dcc_step_version,
            "output_type": s.output_type,
            "file_format": s.file_format,
            "file_format_type": s.file_format_type,
            "quality_metrics": list(s.quality_metrics),
            "callbacks": list(s.callbacks),
            "derived_from": self.derived_from,
            "planned_parents": [p.planned_id for p in self.parents if p.planned_id],
            "docker": self.call.docker,
        }


@dataclass
class Plan:
    workflow: Workflow
    steps_file: StepsFile
    steps: list[Step]  # the steps that run, in file order
    files: dict[str, PlannedFile]  # by id, in accessioning order
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def lost(self) -> list[Skipped]:
        """What the run cannot accession because a task that ran failed."""
        return [s for s in self.skipped if s.lost]

    @property
    def portal_inputs(self) -> list[str]:
        """Parents that are not planned here: they must be found on the portal by md5."""
        seen: dict[str, None] = {}
        for f in self.files.values():
            for p in f.parents:
                if p.planned_id is None:
                    seen.setdefault(p.uri)
        return list(seen)

    def planned_parents(self, file_id: str) -> list[str]:
        """Ids of the planned files to accession before this one: the planned files it derives
        from (its DAG parents) and, for a ``possible_duplicate`` file, the files of its task
        planned before it (it may be one of them: :func:`same_md5_files`)."""
        planned = self.files[file_id]
        parents = [p.planned_id for p in planned.parents if p.planned_id]
        if planned.spec.possible_duplicate:
            parents += [f.id for f in self.earlier_of_task(planned) if f.id not in parents]
        return parents

    def earlier_of_task(self, planned: PlannedFile) -> list[PlannedFile]:
        """The files of the same task planned before ``planned``, in plan order."""
        earlier: list[PlannedFile] = []
        for f in self.files.values():
            if f.id == planned.id:
                return earlier
            if f.call.task == planned.call.task:
                earlier.append(f)
        return earlier

    def files_of(self, step: Step) -> list[PlannedFile]:
        return [f for f in self.files.values() if f.step is step]

    def parent_steps(self, rule: str) -> list[str]:
        """Rules of the other steps that must be accessioned first (the edges of the
        workflow's step DAG): those whose files this step's files derive from, and, for a
        ``possible_duplicate`` file, those with earlier files of its task (it may turn out
        to be one of them)."""
        parents: dict[str, None] = {}
        for f in self.files.values():
            if f.step.rule != rule:
                continue
            before = [self.files[p.planned_id] for p in f.parents if p.planned_id]
            if f.spec.possible_duplicate:
                before += self.earlier_of_task(f)
            parents.update(dict.fromkeys(b.step.rule for b in before if b.step.rule != rule))
        return list(parents)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow.id,
            "steps_file": self.steps_file.path,
            "steps": [{"rule": s.rule, "task": s.task, "dcc_step_run": s.dcc_step_run,
                       "files": [f.id for f in self.files_of(s)],
                       "after": self.parent_steps(s.rule)} for s in self.steps],
            "skipped": [s.to_dict() for s in self.skipped],
            "files": [f.to_dict() for f in self.files.values()],
            "portal_inputs": self.portal_inputs,
        }


def build_plan(workflow: Workflow, steps_file: StepsFile, options: PlanOptions | None = None,
               ) -> Plan:
    """Plan every file, or raise :class:`InputErrors` listing every problem found.

    ``requires_replication`` steps run only for replicated datasets. When ``replicated`` is
    not given, a step whose task did not run is taken as a sign of an unreplicated run (the
    pipeline skips those tasks then) and is skipped with a note; a step whose task ran is kept.
    Shards of a step's task whose every attempt failed lose their outputs: the step is
    planned for the shards that finished, and the lost ones are skipped (``lost``).
    """
    options = options or PlanOptions()
    errors: list[InputError] = []
    plan = Plan(workflow, steps_file, steps=[], files={})
    selected: list[tuple[Step, FileSpec, int, Call, WorkflowFile]] = []
    for step in steps_file.steps:
        calls = workflow.tasks(step.task)
        failed = workflow.unfinished_shards(step.task)
        where = f"accession.steps[{step.index}]"
        if step.requires_replication and (options.replicated is False or (
                options.replicated is None and not calls and not failed)):
            reason = "the run is unreplicated" if calls else "task did not run"
            plan.skipped.append(Skipped(f"{where} ({step.task})",
                                        f"requires replication; {reason}"))
            continue
        if failed:
            plan.skipped.append(Skipped(
                f"{where} ({step.task})", "no attempt of " + ", ".join(
                    f"{u.label} finished ({u.attempts} attempt(s), the last {u.status})"
                    for u in failed) + ": its outputs are lost", lost=True))
        if not calls and failed:
            continue
        if not calls:
            errors.append(InputError(
                steps_file.path, f"{where}.wdl_task_name",
                f"task '{step.task}' is not in the metadata {workflow.source} "
                f"(tasks there: {', '.join(workflow.task_names)})",
                "use the steps file of the pipeline version that produced this run"))
            continue
        plan.steps.append(step)
        for j, spec in enumerate(step.files):
            matches = [(call, f) for call in calls for f in workflow.output_files(call)
                       if spec.filekey in f.keys]
            declared = {k for c in calls for k in declared_keys(c.outputs)}
            if not matches and spec.filekey in declared:
                plan.skipped.append(Skipped(f"{where}.wdl_files[{j}] ({step.task}."
                                            f"{spec.filekey})",
                                            "optional output not produced by this run"))
            elif not matches:
                errors.append(InputError(
                    steps_file.path, f"{where}.wdl_files[{j}].filekey",
                    f"'{spec.filekey}' is not among the outputs of task '{step.task}' "
                    f"(outputs: {', '.join(sorted(declared)) or 'none'})",
                    "use one of the task's output keys"))
            selected.extend((step, spec, j, call, f) for call, f in matches)

    ids = _file_ids(selected)
    by_uri: dict[str, str] = {}
    for (step, _spec, _j, _call, wf_file), file_id in zip(selected, ids, strict=True):
        if wf_file.uri in by_uri:
            errors.append(InputError(
                steps_file.path, f"accession.steps[{step.index}]",
                f"{wf_file.uri} is already accessioned by the step of {by_uri[wf_file.uri]}",
                "accession each output in one step only"))
        by_uri.setdefault(wf_file.uri, file_id)

    missing: dict[str, tuple[Step, DerivedFrom, list[str]]] = {}
    for (step, spec, j, call, wf_file), file_id in zip(selected, ids, strict=True):
        parents: list[Parent] = []
        for k, rule in enumerate(spec.derived_from):
            where = f"accession.steps[{step.index}].wdl_files[{j}].derived_from_files[{k}]"
            if rule.task in rule.disallow_tasks:
                missing.setdefault(where, (step, rule, []))
                continue
            found = find_parents(workflow, call, rule)
            if not found and not rule.allow_empty:
                missing.setdefault(where, (step, rule, []))[2].append(call.label)
            known = {p.uri for p in parents}
            parents.extend(Parent(f.uri, k, by_uri.get(f.uri)) for f in found
                           if f.uri not in known)
        plan.files[file_id] = PlannedFile(file_id, wf_file.uri, call, step, spec, tuple(parents))

    errors.extend(_missing_parent_error(steps_file.path, workflow, where, rule, labels)
                  for where, (_step, rule, labels) in missing.items())
    errors.extend(_cycle_errors(plan))
    if errors:
        raise InputErrors(errors)
    return plan


def same_md5_files(plan: Plan, md5: Callable[[str], str]
                   ) -> tuple[dict[str, str], list[InputError]]:
    """Planned files whose md5 equals an earlier planned file's of the same task (pure).

    A ``possible_duplicate`` file is then that earlier file: posted once (as the pipelines'
    optimal and conservative IDR peaks, identical when one set is both). Any other such pair is
    an error: the portal refuses a second file with the same md5.
    Returns ({duplicate id: original id}, errors).
    """
    same_as: dict[str, str] = {}
    errors: list[InputError] = []
    for planned in plan.files.values():
        original = next((f for f in plan.earlier_of_task(planned)
                         if f.id not in same_as and md5(f.uri) == md5(planned.uri)), None)
        if original is None:
            continue
        if planned.spec.possible_duplicate:
            same_as[planned.id] = original.id
            continue
        j = planned.step.files.index(planned.spec)
        errors.append(InputError(
            plan.steps_file.path, f"accession.steps[{planned.step.index}].wdl_files[{j}]",
            f"{planned.uri} has the md5 of {original.uri} (same task '{planned.call.task}'); "
            "the portal takes one file per md5",
            "set possible_duplicate: true on this file to post it once, or force: true"))
    return same_as, errors


def _missing_parent_error(source: str, workflow: Workflow, where: str, rule: DerivedFrom,
                          labels: list[str]) -> InputError:
    if rule.task in rule.disallow_tasks:
        return InputError(source, where,
                          f"task '{rule.task}' is both searched for and in disallow_tasks",
                          "remove it from disallow_tasks")
    fix = ("check derived_from_task/derived_from_filekey, or set allow_empty: true if this "
           "parent is optional")
    if not workflow.tasks(rule.task):
        return InputError(source, where, f"derived_from_task '{rule.task}' is not in the "
                          f"metadata {workflow.source}", fix)
    side = "input" if rule.inputs else "output"
    direction = "below" if rule.search_down else "upstream of"
    return InputError(source, where, f"no {side} '{rule.filekey}' of task '{rule.task}' found "
                      f"{direction} {', '.join(labels)}", fix)


def declared_keys(section: Any, prefix: str = "") -> Iterator[str]:
    """Every flattened key a call declares, including optional outputs that are null."""
    if isinstance(section, dict):
        for key, value in section.items():
            if isinstance(value, dict):
                yield from declared_keys(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"


def find_parents(workflow: Workflow, start: Call, rule: DerivedFrom) -> list[WorkflowFile]:
    """Candidate parent files of a file produced by ``start``, in discovery order."""
    walk = _search_down(workflow, start) if rule.search_down else _search_up(
        workflow, start, set(rule.disallow_tasks))
    found: dict[str, WorkflowFile] = {}
    for call in walk:
        if call.task != rule.task:
            continue
        side = workflow.input_files(call) if rule.inputs else workflow.output_files(call)
        for f in side:
            if rule.filekey in f.keys:
                found.setdefault(f.uri, f)
    files = list(found.values())
    if rule.workflow_inputs_to_match:
        allowed = {uri for key in rule.workflow_inputs_to_match
                   for uri in leaf_strings(workflow.workflow_input(key))}
        files = [f for f in files if f.uri in allowed]
    return files


def _search_up(workflow: Workflow, start: Call, disallow: set[str]) -> Iterator[Call]:
    """``start`` and every call upstream of it, not entering disallowed tasks; each once."""
    return _walk(start, lambda call: [
        f.producer for f in workflow.input_files(call)
        if f.producer is not None and f.producer.task not in disallow])


def _search_down(workflow: Workflow, start: Call) -> Iterator[Call]:
    """``start`` and every call downstream of it; each once."""
    return _walk(start, lambda call: [
        consumer for f in workflow.output_files(call) for consumer in f.consumers])


def _walk(start: Call, neighbours: Callable[[Call], list[Call]]) -> Iterator[Call]:
    """Depth first, each call once: the reference's recursive search, without its
    exponential revisits of diamond-shaped graphs."""
    seen = {start}
    stack = [start]
    while stack:
        call = stack.pop()
        yield call
        for neighbour in reversed(neighbours(call)):
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)


def leaf_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaf_strings(item)


def _file_ids(selected: list[tuple[Step, FileSpec, int, Call, WorkflowFile]]) -> list[str]:
    """Stable, readable ids: ``<call label>.<filekey>``, numbered when a key holds several files.

    The same call and filekey planned by two steps would collide; that is reported as a
    steps error elsewhere, so ids only need the step index to stay unique in that case.
    """
    bases = [_safe(f"{call.label.replace('[', '.').rstrip(']')}.{spec.filekey}")
             for _step, spec, _j, call, _f in selected]
    totals: dict[str, int] = {}
    for base in bases:
        totals[base] = totals.get(base, 0) + 1
    counters: dict[str, int] = {}
    ids = []
    for base in bases:
        if totals[base] == 1:
            ids.append(base)
            continue
        counters[base] = counters.get(base, 0) + 1
        ids.append(f"{base}.{counters[base]}")
    return ids


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _cycle_errors(plan: Plan) -> list[InputError]:
    graph = {f.id: {p.planned_id for p in f.parents if p.planned_id} for f in plan.files.values()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as e:
        cycle = " -> ".join(e.args[1])
        return [InputError(plan.steps_file.path, "derived_from_files",
                           f"planned files derive from each other in a cycle: {cycle}",
                           "a file cannot be its own ancestor; fix the derived_from rules")]
    return []
