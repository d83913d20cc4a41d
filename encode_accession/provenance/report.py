"""`report`: the recorded lineage written three ways into one folder, which is also an
RO-Crate: report.html (for people), provenance.json (W3C PROV-JSON) and
ro-crate-metadata.json (Workflow Run Crate).

Reproducible: everything is ordered and dated from the records, so the same database (and
the same files on disk, whose states the HTML shows) gives byte-identical files.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from encode_accession.core.outputs import make_output_dir, output_error
from encode_accession.provenance import prov_json, report_html, ro_crate
from encode_accession.provenance.checks import check
from encode_accession.provenance.query import load_graph

DEFAULT_OUTPUT = "provenance-report"
HTML = "report.html"
PROV = "provenance.json"


def write_report(conn: sqlite3.Connection, output: str | Path, *, rehash: bool = True
                 ) -> list[Path]:
    """Write the three files into `output` (created if needed); return their paths. A
    folder the OS refuses is an InputError naming it, before or while writing."""
    output = make_output_dir(Path(output))
    graph = load_graph(conn)
    checked = check(graph, rehash=rehash)
    html = report_html.render(graph, checked, recorded_until=ro_crate.last_recorded(graph))
    try:
        (output / HTML).write_text(html, encoding="utf-8", newline="\n")
        (output / PROV).write_text(prov_json.serialize(graph), encoding="utf-8", newline="\n")
        crate = ro_crate.write(graph, output, html=HTML, prov=PROV)
    except OSError as exc:
        raise output_error(output, exc) from None
    return [output / HTML, output / PROV, crate]
