"""The builder registry and the types builders share."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TypeVar

from encode_accession.metadata.cromwell import Call, Workflow, WorkflowFile
from encode_accession.planning.plan import PlannedFile, find_parents
from encode_accession.planning.steps import DerivedFrom


@dataclass(frozen=True)
class Metric:
    """One quality-metric object to post. ``shared`` metrics with equal properties are posted
    once for all the files they describe (e.g. a correlation between replicates)."""

    profile: str  # portal collection, e.g. "star-quality-metric"
    properties: dict[str, Any]
    shared: bool = False


@dataclass
class QcContext:
    """What a builder may know about the file, the run and the dataset."""

    workflow: Workflow
    planned: PlannedFile
    read_bytes: Callable[[str], bytes]
    biological_replicates: int
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def call(self) -> Call:
        return self.planned.call

    def read_json(self, uri: str) -> Any:
        if uri not in self.cache:
            self.cache[uri] = json.loads(self.read_bytes(uri))
        return self.cache[uri]

    def output(self, key: str) -> str:
        """The URI of one of the producing call's outputs."""
        value = self.call.outputs.get(key)
        if not isinstance(value, str):
            raise LookupError(f"{self.call.label} has no output '{key}'")
        return value

    def find(self, task: str, filekey: str, *, down: bool = False, inputs: bool = False
             ) -> list[WorkflowFile]:
        """Files of another task related to this one, found as derived_from parents are."""
        rule = DerivedFrom(task=task, filekey=filekey, search_down=down, inputs=inputs)
        return find_parents(self.workflow, self.call, rule)

    def find_one(self, task: str, filekey: str, *, down: bool = False) -> WorkflowFile:
        found = self.find(task, filekey, down=down)
        if not found:
            where = "downstream" if down else "upstream"
            raise LookupError(f"no {task}.{filekey} {where} of {self.call.label}")
        return found[0]

    def workflow_files(self, filekey: str) -> list[WorkflowFile]:
        return [f for f in self.workflow.files.values() if filekey in f.keys]

    def attachment(self, uri: str, mime: str, extra_extension: str = "") -> dict[str, str]:
        """A portal attachment as a data: URI; ``extra_extension`` (e.g. ``.txt`` on a
        ``.log``) lets the portal's extension check accept the MIME type."""
        content = self.read_bytes(uri)
        return {"download": PurePosixPath(uri).name + extra_extension, "type": mime,
                "href": f"data:{mime};base64,{base64.b64encode(content).decode()}"}


Builder = Callable[[QcContext], Metric | None]
B = TypeVar("B", bound=Builder)  # a builder keeps its own signature when registered
BUILDERS: dict[str, Builder] = {}


def register(name: str) -> Callable[[B], B]:
    def add(builder: B) -> B:
        BUILDERS[name] = builder
        return builder
    return add


def build(name: str, ctx: QcContext) -> Metric | None:
    """The metric ``name`` for the context's file, or None when it does not apply."""
    return BUILDERS[name](ctx)


def string_to_number(value: Any) -> Any:
    """STAR writes numbers as strings; int, then float, else keep the string ("56.00%")."""
    if not isinstance(value, str):
        return value
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value
