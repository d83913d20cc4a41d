"""``python -m encode_accession``: the ``encode-accession`` command."""

import sys

from .cli import run

sys.exit(run())
