"""Snakemake job script: log one config `provenance:` entry, then write its receipt."""

from contextlib import redirect_stderr

from encode_accession.provenance.workflow import log_entry_to_receipt

with open(snakemake.log[0], "w") as log, redirect_stderr(log):  # noqa: F821
    log_entry_to_receipt(
        snakemake.params.entry,  # noqa: F821 - injected by Snakemake's script directive
        snakemake.output[0],  # noqa: F821
        db=snakemake.params.db,  # noqa: F821
    )
