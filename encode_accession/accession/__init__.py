"""What each Snakemake job of an accessioning run does, one module per stage in run order:
``checksums``, ``preflight``, ``step`` (one job per accessioning step: its step run, files,
uploads and QC, see :mod:`.quality`), ``analysis``, ``summary`` (which reads the portal's
checks back through :mod:`.verify`). The rules run them as ``python -m encode_accession.accession``
(see :mod:`.__main__`), which imports only the stage it runs.

Every object a job creates has a deterministic alias: the job POSTs it and, on a re-run, the
portal's 409 turns into a lookup, so any job can be re-run after a crash without making a
duplicate.
"""
