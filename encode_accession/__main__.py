"""``python -m encode_accession``: the ``encode-accession`` command."""

import sys

from encode_accession.cli.main import run

sys.exit(run())
