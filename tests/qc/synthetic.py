"""Small synthetic Cromwell runs for the QC builder tests.

A :class:`FakeRun` collects calls shaped like the real pipelines' (task names, output
filekeys) and writes each QC file the test needs under a temporary folder; ``contexts``
plans it with a tiny steps list and returns one :class:`QcContext` per planned file id.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
from encode_accession.metadata.cromwell import Workflow, parse_metadata
from encode_accession.planning.plan import build_plan
from encode_accession.planning.steps import load_steps, parse_steps
from encode_accession.qc import PREFERRED_DEFAULT_VALUE, Metric, QcContext


def png() -> bytes:
    """A valid 1x1 PNG: the portal sniffs attachment content against the MIME type."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class FakeRun:
    """Calls and files of one synthetic run; file contents default to a line naming them."""

    def __init__(self, root: Path, name: str, inputs: dict[str, Any] | None = None) -> None:
        self.root, self.name = root, name
        self.inputs = dict(inputs or {})
        self.calls: dict[str, list[dict[str, Any]]] = {}

    def file(self, name: str, content: bytes | str | dict | None = None) -> str:
        """Write ``name`` (JSON for a dict) and return its absolute path, the file's URI."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            content = f"{name}\n"
        if isinstance(content, dict):
            content = json.dumps(content, indent=1)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    def call(self, task: str, inputs: dict[str, Any] | None = None,
             outputs: dict[str, Any] | None = None, shard: int = -1) -> dict[str, Any]:
        outputs = outputs or {}
        self.calls.setdefault(f"{self.name}.{task}", []).append({
            "shardIndex": shard, "attempt": 1, "executionStatus": "Done",
            "inputs": inputs or {}, "outputs": outputs})
        return outputs

    def workflow(self) -> Workflow:
        return parse_metadata({"id": "0b5f8d2c-1e3a-4c5b-9d7e-6f8a9b0c1d2e",
                               "workflowName": self.name, "calls": self.calls,
                               "inputs": self.inputs}, "<synthetic>")


def wdl_file(filekey: str, output_type: str, *, file_format: str = "bam",
             qc: tuple[str, ...] = (), callbacks: tuple[str, ...] = (),
             preferred: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {"filekey": filekey, "file_format": file_format,
                             "output_type": output_type, "derived_from_files": [],
                             "quality_metrics": list(qc), "callbacks": list(callbacks)}
    if preferred:
        entry["maybe_preferred_default"] = True
    return entry


def step(task: str, *files: dict[str, Any]) -> dict[str, Any]:
    return {"dcc_step_run": f"{task}-step-run", "wdl_task_name": task, "wdl_files": list(files)}


def contexts(run: FakeRun, steps: list[dict[str, Any]], replicates: int
             ) -> dict[str, QcContext]:
    """One context per planned file id (``<task>.<shard>.<filekey>``)."""
    workflow = run.workflow()
    plan = build_plan(workflow, parse_steps({"accession.steps": steps}, "<test steps>"))
    return {f.id: QcContext(workflow, f, lambda u: Path(u).read_bytes(), replicates)
            for f in plan.files.values()}


def attached(metric: Metric, prop: str) -> bytes:
    """The bytes of an attachment property, decoded from its data: URI."""
    return base64.b64decode(metric.properties[prop]["href"].partition("base64,")[2])


def preferred_default_value(variant: str) -> Callable[[QcContext], float]:
    """The ranking a bundled variant's steps file names as its ``preferred_default_metric``."""
    metric = load_steps(RULES_DIR / f"{variant}.yaml").facts.preferred_default_metric
    assert metric is not None, f"{variant}.yaml names no preferred_default_metric"
    return PREFERRED_DEFAULT_VALUE[metric]
