"""Snakemake job script: track one experiment into the tracker database, write its receipt."""

from encode_accession.tracker import track_to_receipt

track_to_receipt(
    snakemake.wildcards.accession,  # noqa: F821 - injected by Snakemake's script directive
    snakemake.output[0],  # noqa: F821
    notes=snakemake.params.notes,  # noqa: F821
    db=snakemake.params.db,  # noqa: F821
    server=snakemake.params.server,  # noqa: F821
)
