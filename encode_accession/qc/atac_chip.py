"""What the ATAC-seq and ChIP-seq pipelines share: one global ``qc_json`` (task ``qc_report``)
indexed by the pipeline replicate (``rep1``...; ChIP controls ``ctl1``...)."""

from __future__ import annotations

import re
from typing import Any

from encode_accession.qc.registry import QcContext

# workflow inputs holding one pipeline replicate's R1 fastqs: fastqs_rep1_R1, ctl_fastqs_rep2_R1
_FASTQS_INPUT = re.compile(r"(ctl_)?fastqs_rep(\d+)_R1")


def qc_json(ctx: QcContext) -> dict[str, Any]:
    files = ctx.workflow_files("qc_json")
    if not files:
        raise LookupError("the run has no qc_json output (task qc_report)")
    return ctx.read_json(files[0].uri)


def align_task(ctx: QcContext) -> str:
    """Controls (``align_ctl``/``filter_ctl``) come from ``align_ctl``, the rest from ``align``."""
    return "align_ctl" if ctx.call.task.endswith("ctl") else "align"


def parent_fastqs(ctx: QcContext) -> list[str]:
    """The R1 fastqs this file was aligned from, sorted."""
    return sorted(f.uri for f in ctx.find(align_task(ctx), "fastqs_R1", inputs=True))


def pipeline_replicate(ctx: QcContext) -> str:
    """``rep1``... or ``ctl1``...: the ``[ctl_]fastqs_repN_R1`` workflow input that holds the
    R1 fastqs this file was aligned from (the key of the file's QC in the qc_json)."""
    fastqs = parent_fastqs(ctx)
    for key, value in ctx.workflow.inputs.items():
        match = _FASTQS_INPUT.fullmatch(key.rsplit(".", 1)[-1])
        if match and fastqs and isinstance(value, list) and sorted(value) == fastqs:
            return f"{'ctl' if match.group(1) else 'rep'}{match.group(2)}"
    raise LookupError(f"no [ctl_]fastqs_repN_R1 workflow input matches the fastqs of "
                      f"{ctx.call.label}")
