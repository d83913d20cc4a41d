"""``python -m encode_accession.provenance log ENTRY RECEIPT`` and ``... report FOLDER``: the
jobs of workflow/rules/provenance.smk. Processes of their own that import only what they
record, not Snakemake, like every job of the workflow; a known failure is one line."""

from __future__ import annotations

import argparse
import gc
import json
import sys

from encode_accession.core.failures import exit_status
from encode_accession.provenance.workflow import log_entry_to_receipt, report_to


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m encode_accession.provenance")
    jobs = parser.add_subparsers(dest="job", required=True)
    log = jobs.add_parser("log", help="log one config `provenance:` entry, write its receipt")
    log.add_argument("entry", help="the entry as JSON (provenance_entries)")
    log.add_argument("receipt")
    report = jobs.add_parser("report", help="write the provenance report into a folder")
    report.add_argument("output")
    for sub in (log, report):
        sub.add_argument("--db")
    args = parser.parse_args(argv)
    if args.job == "log":
        return exit_status("log_derived", lambda: log_entry_to_receipt(
            json.loads(args.entry), args.receipt, db=args.db))
    return exit_status("report", lambda: report_to(args.output, db=args.db))


if __name__ == "__main__":
    status = main()
    gc.freeze()  # no final collection over the report libraries' objects: ~0.2 s at exit
    sys.exit(status)
