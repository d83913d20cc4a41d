"""Snakemake job: accession one planned file (POST its metadata) and write its receipt."""

from encode_accession.jobs import run_file_job

run_file_job(snakemake)  # noqa: F821 - injected by Snakemake's script directive
