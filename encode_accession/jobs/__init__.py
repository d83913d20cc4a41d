"""What each Snakemake job does, one module per stage in run order: ``preflight``,
``posting`` (step runs, files), ``uploads``, ``quality``, ``analysis``, ``summary``. The rule
script calls :func:`run_job` with its ``snakemake`` object; everything a job learns or creates
goes into its receipt.

Every job that creates a portal object first looks it up by its deterministic alias, so any
job can be re-run after a crash without making a duplicate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..cromwell import read_metadata_text
from ..errors import InputError
from ..portal.errors import PortalAuthError, PortalValidationError
from ..receipts import read_receipt, write_receipt
from .analysis import analysis, pipeline_version, preferred_defaults
from .context import Run, get_or_create
from .posting import accession_file, step_run
from .preflight import duplicate_table, preflight
from .quality import quality_metrics
from .summary import format_summary, summary
from .uploads import upload_file

__all__ = ["Run", "accession_file", "analysis", "duplicate_table", "format_summary",
           "get_or_create", "pipeline_version", "preferred_defaults", "preflight",
           "quality_metrics", "run_job", "step_run", "summary",
           "upload_file"]


def run_job(smk: Any) -> None:
    """Run one job; bad input or a portal refusal ends it with one message, no traceback."""
    try:
        _run_job(smk)
    except InputError as e:
        sys.exit(f"encode-accession {smk.params.job}: {e.message}")
    except (PortalAuthError, PortalValidationError) as e:
        sys.exit(f"encode-accession {smk.params.job}: {e}")


def _run_job(smk: Any) -> None:
    """Dispatch on ``params.job``; each branch reads its inputs and writes one receipt."""
    run = Run(dict(smk.config))
    job = smk.params.job
    if job == "preflight":
        result = preflight(run)
    elif job == "step_run":
        result = step_run(run, smk.params.step)
    elif job == "file":
        parents = {Path(p).stem: read_receipt(p) for p in smk.input.parents}
        result = accession_file(run, smk.wildcards.file_id, read_receipt(smk.input.preflight),
                                read_receipt(smk.input.step_run), parents)
    elif job == "upload":
        result = upload_file(run, read_receipt(smk.input.file),
                             timeout=float(run.config.get("upload_timeout", 60)))
    elif job == "quality_metrics":
        receipts = {Path(p).stem: read_receipt(p) for p in smk.input.files}
        result = quality_metrics(run, read_receipt(smk.input.preflight), receipts)
    elif job == "analysis":
        receipts = [read_receipt(p) for p in smk.input.files]
        result = analysis(run, read_receipt(smk.input.preflight), receipts,
                          read_metadata_text(run.plan.workflow.source))
    elif job == "summary":
        result = summary(run, read_receipt(smk.input.preflight),
                         [read_receipt(p) for p in smk.input.step_runs],
                         [read_receipt(p) for p in smk.input.files],
                         [read_receipt(p) for p in smk.input.uploads],
                         read_receipt(smk.input.quality_metrics), read_receipt(smk.input.analysis))
        print(format_summary(result))
    else:
        raise ValueError(f"unknown job {job}")
    write_receipt(smk.output[0], result)
    print(json.dumps({"job": job, **{k: result[k] for k in ("@id", "created") if k in result}}))
