"""What a client reads rather than calls: resources (a tracked experiment, the collection's
summary, a lineage, an export or bibliography too large for a reply, a file this session
wrote) and prompts (the walkthroughs an assistant follows with the tools)."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.resources.templates import ResourceSecurity
from pydantic import Field

from encode_accession.cli.mcp.params import CitationFormat, ExportFormat
from encode_accession.cli.mcp.session import Session
from encode_accession.cli.mcp.tools import filters
from encode_accession.core.errors import InputError
from encode_accession.provenance import check, lineage
from encode_accession.provenance.render import lineage_json
from encode_accession.tracker import citations, identifiers, service, store

F = TypeVar("F", bound=Callable[..., str])


def _json(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, default=str)


def _guarded(fn: F) -> F:
    """The project's errors as resource errors with their one message."""
    @functools.wraps(fn)
    def read(*args: Any, **kwargs: Any) -> str:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            kind = ResourceNotFoundError if "not tracked" in exc.problem else ResourceError
            raise kind(exc.message) from None
    return read  # type: ignore[return-value]


def register(app: MCPServer, session: Session) -> None:
    register_resources(app, session)
    register_prompts(app)


def register_resources(app: MCPServer, session: Session) -> None:
    @app.resource("encode://experiments/{accession}", name="tracked experiment",
                  title="A tracked experiment", mime_type="application/json",
                  description="One tracked experiment as stored: its fields, publications, "
                              "pipelines, external references and how many QC metrics")
    @_guarded
    def experiment(accession: str) -> str:
        with session.database() as conn:
            wanted = identifiers.experiment_accession(accession)
            record = store.get_experiment(conn, wanted)
            return _json({**record, "publications": store.publications_of(conn, [wanted]),
                          "pipelines": store.pipelines_of(conn, wanted),
                          "references": store.references_of(conn, wanted),
                          "quality_metrics": len(store.quality_metrics_of(conn, wanted))})

    @app.resource("encode://collection/summary", name="collection summary",
                  title="The collection at a glance", mime_type="application/json",
                  description="Counts of tracked experiments by assay, target, organism, "
                              "organ, biosample type, status and lab, with totals")
    @_guarded
    def summary() -> str:
        with session.database() as conn:
            return _json(store.summarize(conn))

    def lineage_of(target: str) -> str:
        with session.database() as conn:
            found = lineage(conn, target)
        return _json(lineage_json(found, check(found.graph)))

    @app.resource("encode://provenance/{accession}", name="lineage of an accession",
                  title="Files made from an accession", mime_type="application/json",
                  description="The lineage of an ENCODE accession: the recorded files it is, "
                              "or that were made from it, any number of steps down")
    @_guarded
    def accession_lineage(accession: str) -> str:
        return lineage_of(accession)

    # A path names a record in the database, never a file to read: exempt from path checks.
    @app.resource("encode://provenance/file{?path}", name="lineage of a logged file",
                  title="Lineage of a logged file", mime_type="application/json",
                  security=ResourceSecurity(exempt_params={"path"}),
                  description="What a logged file was made from, back to ENCODE, and what "
                              "was made from it")
    @_guarded
    def file_lineage(path: str = "") -> str:
        return lineage_of(path)

    @app.resource("encode://export/{format}{?assay_title,organism,organ,biosample_type,"
                  "target,status,lab,match}", name="export", title="Export of the collection",
                  description="Tracked experiments (all, or the filtered ones) as CSV, TSV or "
                              "JSON, whatever their number")
    @_guarded
    def export(format: ExportFormat, assay_title: str = "", organism: str = "",
               organ: str = "", biosample_type: str = "", target: str = "", status: str = "",
               lab: str = "", match: str = "contains") -> str:
        chosen = filters(assay=assay_title, organism=organism, organ=organ,
                         biosample_type=biosample_type, target=target, status=status, lab=lab)
        out = io.StringIO(newline="")
        with session.database() as conn:
            service.export_tracked(conn, out, format, chosen, match)
        return out.getvalue()

    @app.resource("encode://citations/{format}{?accession}", name="citations",
                  title="Citations of the collection",
                  description="The bibliography of one tracked experiment or of all of them "
                              "(CSL-JSON, BibTeX or RIS)")
    @_guarded
    def bibliography(format: CitationFormat, accession: str = "") -> str:
        with session.database() as conn:
            entries = service.citation_entries(conn, [accession] if accession else [])
        return citations.render(entries, format)

    @app.resource("encode://files/{name}", name="written file", title="A file written here",
                  description="A file an export or citations call of this session wrote "
                              "(only those can be read back)")
    def written(name: str) -> str:
        path = session.written.get(name)
        if path is None:
            raise ResourceNotFoundError(f"{name}: this session wrote no such file")
        return path.read_text(encoding="utf-8")


Tissue = Annotated[str, Field(description="organ or tissue, e.g. pancreas, heart")]
Accession = Annotated[str, Field(description="experiment accession, e.g. ENCSR000AKS")]


def register_prompts(app: MCPServer) -> None:
    @app.prompt(title="Build a reference collection for a tissue")
    def reference_collection(tissue: Tissue,
                             organism: Annotated[str, Field(description="scientific name")]
                             = "Homo sapiens",
                             assays: Annotated[str, Field(
                                 description="assays wanted, comma-separated")]
                             = "Histone ChIP-seq, ATAC-seq, total RNA-seq") -> str:
        """Find released ENCODE experiments on a tissue, track the ones worth keeping, and
        summarize what the collection holds."""
        return (
            f"Build a reference collection of ENCODE data on {tissue} ({organism}) for "
            f"these assays: {assays}.\n"
            f"1. For each assay, call encode_search_experiments with organ={tissue!r}, "
            f"organism={organism!r}, assay_title=<the assay>, status='released' (follow "
            "next_offset if there are more pages).\n"
            "2. Prefer replicated experiments on GRCh38 (or mm10 for mouse); show me the "
            "candidates per assay and which you would keep.\n"
            "3. Track the chosen ones in one call to encode_track_experiments.\n"
            f"4. Call encode_summarize_collection with organ={tissue!r} and report the counts "
            "by assay and target and the totals.")

    @app.prompt(title="Check that two experiments can be combined")
    def combinable(accession1: Accession, accession2: Accession) -> str:
        """Decide whether two experiments can be analysed together, and what to watch."""
        return (
            f"Can ENCODE experiments {accession1} and {accession2} be analysed together?\n"
            "1. Track both with encode_track_experiments (it is safe if they are tracked "
            "already).\n"
            f"2. Call encode_compare_experiments with accession1={accession1!r} and "
            f"accession2={accession2!r}.\n"
            "3. Explain the verdict field by field (organism, assembly, assay, target, "
            "biosample, life stage, replication, lab) and what a caveat would change in the "
            "analysis.")

    @app.prompt(title="Cite a collection")
    def cite_collection(export_format: Annotated[str, Field(
                            description="bibtex, ris or json (CSL-JSON)")] = "bibtex",
                        output_path: Annotated[str, Field(
                            description="new file to write the bibliography to")] = "") -> str:
        """Write the bibliography of the tracked experiments for a paper's methods."""
        where = (f"with output_path={output_path!r}" if output_path
                 else "(a large one comes as a resource link: read it)")
        return (
            "Cite the ENCODE data in my collection.\n"
            "1. Call encode_summarize_collection to see what the collection holds.\n"
            f"2. Call encode_get_citations with export_format={export_format!r} {where}.\n"
            "3. Draft a data-availability sentence naming the ENCODE accessions and the "
            "publications, and say how many entries the bibliography has.")
