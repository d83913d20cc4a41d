"""Snakemake job script: write the provenance report (HTML, PROV-JSON, RO-Crate)."""

import gc
from contextlib import redirect_stderr
from pathlib import Path

from encode_accession.provenance.workflow import report_to

with open(snakemake.log[0], "w") as log, redirect_stderr(log):  # noqa: F821
    report_to(Path(snakemake.output[0]).parent, db=snakemake.params.db)  # noqa: F821
gc.freeze()  # no final collection over the report libraries' objects: ~0.2 s at exit
