"""Snakemake job script: run the job named by ``params.job`` and write its receipt."""

from encode_accession.jobs import run_job

run_job(snakemake)  # noqa: F821 - injected by Snakemake's script directive
