"""Snakemake job script: write the provenance report (HTML, PROV-JSON, RO-Crate)."""

from pathlib import Path

from encode_accession.provenance.workflow import report_to

report_to(Path(snakemake.output[0]).parent, db=snakemake.params.db)  # noqa: F821
