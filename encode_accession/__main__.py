"""``python -m encode_accession``: the ``encode-accession`` command."""

import sys

from .cli import main

sys.exit(main())
