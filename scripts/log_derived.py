"""Snakemake job script: log one config `provenance:` entry, then write its receipt."""

from encode_accession.provenance.workflow import log_entry_to_receipt

log_entry_to_receipt(
    snakemake.params.entry,  # noqa: F821 - injected by Snakemake's script directive
    snakemake.output[0],  # noqa: F821
    db=snakemake.params.db,  # noqa: F821
)
