"""Writing tracked experiments as CSV, TSV or JSON for pandas, R and spreadsheets.

One row per experiment, the columns always in store.EXPORT_COLUMNS order (the experiment's
fields, then its PMIDs and how many publications, references and derived files it has),
written with the csv module (fields with delimiters, quotes or newlines are quoted, quotes
doubled) so `pandas.read_csv` and R's `read.csv`/`read.delim` read it back as written. Multi-valued
fields are joined with "; " in CSV/TSV and stay arrays in JSON. Rows are streamed, so
exporting 100,000 experiments needs no more memory than exporting ten.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from encode_accession.tracker.store import EXPORT_COLUMNS, LIST_COLUMNS

FORMATS = ("csv", "tsv", "json")
LIST_SEPARATOR = "; "


_JOINED = LIST_COLUMNS | {"pmids"}


def _cell(column: str, value: Any) -> Any:
    if column in _JOINED:
        return LIST_SEPARATOR.join(value)
    return "" if value is None else value


def write_rows(rows: Iterable[Mapping[str, Any]], out: TextIO, fmt: str) -> int:
    """Write `rows` (experiment dicts with EXPORT_COLUMNS) to `out`; returns the count.
    Open files with newline="" so the csv module controls line endings."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {FORMATS}")
    count = 0
    if fmt == "json":
        out.write("[")
        for row in rows:
            out.write(",\n " if count else "\n ")
            out.write(json.dumps({c: row.get(c) for c in EXPORT_COLUMNS}, ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(c, row.get(c)) for c in EXPORT_COLUMNS])
        count += 1
    return count
