"""Snakemake job script: write the provenance report (HTML, PROV-JSON, RO-Crate)."""

from contextlib import redirect_stderr
from pathlib import Path

from encode_accession.provenance.workflow import report_to

with open(snakemake.log[0], "w") as log, redirect_stderr(log):  # noqa: F821
    report_to(Path(snakemake.output[0]).parent, db=snakemake.params.db)  # noqa: F821
