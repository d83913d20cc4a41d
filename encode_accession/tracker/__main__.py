"""``python -m encode_accession.tracker ACCESSION RECEIPT [--notes N] [--db DB] [--server S]``:
the tracking rule's job (workflow/rules/tracking.smk). A process of its own that imports the
tracker only, not Snakemake, like every job of the workflow; a known failure is one line."""

from __future__ import annotations

import argparse
import gc
import json
import sys

from encode_accession.core.failures import exit_status
from encode_accession.tracker.workflow import track_to_receipt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m encode_accession.tracker",
                                     description="track one experiment, then write a receipt")
    parser.add_argument("accession")
    parser.add_argument("receipt")
    parser.add_argument("--notes")
    parser.add_argument("--db")
    parser.add_argument("--server", default="prod")
    args = parser.parse_args(argv)
    return exit_status("track", lambda: print(json.dumps(track_to_receipt(
        args.accession, args.receipt, notes=args.notes, db=args.db, server=args.server
    ).as_dict())), lambda: {"server": args.server})


if __name__ == "__main__":
    status = main()
    gc.freeze()  # no final collection over every imported module's objects at exit
    sys.exit(status)
