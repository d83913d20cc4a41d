"""Snakemake job script: track one experiment into the tracker database, write its receipt."""

from contextlib import redirect_stderr

from encode_accession.tracker import track_to_receipt

with open(snakemake.log[0], "w") as log, redirect_stderr(log):  # noqa: F821
    track_to_receipt(
        snakemake.wildcards.accession,  # noqa: F821 - injected by Snakemake's script directive
        snakemake.output[0],  # noqa: F821
        notes=snakemake.params.notes,  # noqa: F821
        db=snakemake.params.db,  # noqa: F821
        server=snakemake.params.server,  # noqa: F821
    )
