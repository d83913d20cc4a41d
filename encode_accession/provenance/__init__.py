"""Provenance of files made from ENCODE data: recording, lineage queries and reports.

    from encode_accession.tracker import connect
    from encode_accession.provenance import log_derived, lineage, write_report

    conn = connect()                                   # the tracker database
    log_derived(conn, "peaks.filtered.bed", ["ENCFF001AAA"], tool="bedtools",
                tool_version="2.31.0", parameters={"min_score": 5})
    log_derived(conn, "peaks.merged.bed", ["peaks.filtered.bed", "ENCFF002BBB"])
    found = lineage(conn, "peaks.merged.bed")          # up to ENCODE and down, any depth
    write_report(conn, "provenance-report")            # HTML, PROV-JSON, RO-Crate

From a Snakemake rule's script: `log_outputs(snakemake, sources=["ENCFF001AAA"])`. From the
accessioning run: `record_accessioning_run(conn, plan, files, inputs, ...)` (or
`record_accessioned_file(conn, uri=..., md5=..., ...)` per file). See
docs/provenance.md.
"""

from encode_accession.provenance.accessioning import record_accessioning_run
from encode_accession.provenance.checks import Checked, Finding, check
from encode_accession.provenance.query import Lineage, lineage, load_graph
from encode_accession.provenance.record import (
    Logged,
    log_derived,
    log_files,
    record_accessioned_file,
    record_accessioned_files,
    record_portal_sources,
)
from encode_accession.provenance.workflow import log_outputs

__all__ = [
    "Checked", "Finding", "Lineage", "Logged", "check", "lineage", "load_graph", "log_derived",
    "log_files", "log_outputs", "record_accessioned_file", "record_accessioned_files",
    "record_accessioning_run", "record_portal_sources", "write_report",
]


def __getattr__(name: str) -> object:
    """``write_report`` is imported on first use: its RO-Crate and template libraries would
    otherwise load into every job and the Snakefile that only record provenance."""
    if name == "write_report":
        from encode_accession.provenance.report import write_report
        return write_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
