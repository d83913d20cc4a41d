"""The provenance report as one self-contained HTML file (the jinja2 template
``templates/report.html.j2``): inline CSS, the lineage as an inline SVG, and tables of files
(checksums, sources, state), runs (tools, parameters, step runs, images) and ENCODE sources.
No script, no external resource: it opens from disk or an email attachment.

This module only turns the graph into the template's plain values; the template escapes them
all (only the SVG, which :mod:`graph_svg` escapes itself, is passed as markup). The page's
date is the latest record's time, not the clock, so the same database (and the same files on
disk) gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from encode_accession.provenance import graph_svg
from encode_accession.provenance.checks import Checked
from encode_accession.provenance.model import AccessionNode, Activity, Graph, Version
from encode_accession.provenance.record import canonical_json

SHA256_NOTE = ("sha256 is computed for files read from disk; pipeline files (gs://, s3://) "
               "are known by the md5 the portal verified on upload, so their sha256 is empty.")


@dataclass(frozen=True)
class Link:
    anchor: str
    text: str


@dataclass(frozen=True)
class State:
    text: str
    css: str  # problem, old, ok or none


@cache
def _template() -> Any:
    env = Environment(loader=PackageLoader("encode_accession.provenance", "templates"),
                      autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template("report.html.j2")


def render(graph: Graph, checked: Checked, *, recorded_until: str) -> str:
    versions = graph.ordered_versions()
    used_by, made_by = graph.children(), graph.generated()
    return str(_template().render(
        locations=len({v.location for v in versions}), versions=len(versions),
        accessions=len(graph.accessions), runs=len(graph.activities),
        recorded_until=recorded_until, problems=checked.findings,
        lineage_svg=Markup(graph_svg.render(graph, checked)), sha256_note=SHA256_NOTE,
        files=[_file_row(graph, checked, v) for v in versions],
        runs_rows=[_run_row(a, made_by.get(a.id, [])) for a in graph.ordered_activities()],
        sources=[_source_row(a, used_by.get(a.key, [])) for a in graph.ordered_accessions()]))


def _file_row(graph: Graph, checked: Checked, version: Version) -> dict[str, Any]:
    activity = graph.activities.get(version.activity_id or 0)
    return {
        "anchor": f"v-{version.id}", "name": version.name, "kind": version.kind,
        "location": version.location, "version": version.version,
        "state": _state(checked.states[version.key], bool(checked.problems_of(version.key)),
                        old=not version.current),
        "size": "" if version.size is None else version.size,
        "sha256": version.sha256 or "", "md5": version.md5 or "",
        "portal": " ".join(filter(None, (version.accession, version.portal_id))),
        "parents": _links([graph.node(k) for k in graph.parents(version)]),
        "made_by": Link(f"activity-{activity.id}", activity.label) if activity else None,
        "recorded": version.recorded_at,
    }


def _run_row(activity: Activity, made: list[Version]) -> dict[str, Any]:
    return {
        "anchor": f"activity-{activity.id}", "id": activity.id, "kind": activity.kind,
        "accessioning": activity.kind == "accessioning", "label": activity.label,
        "step_version": activity.step_version or "", "step_run": activity.step_run or "",
        "server": activity.server or "",
        "rule": activity.rule if activity.rule and activity.tool else "",
        "description": activity.description or "",
        "parameters": canonical_json(activity.parameters) or "",
        "workflow_id": activity.workflow_id or "", "docker_image": activity.docker_image or "",
        "lab": activity.lab or "", "made": _links(made), "recorded": activity.recorded_at,
    }


def _source_row(node: AccessionNode, used_by: Sequence[object]) -> dict[str, Any]:
    portal = node.portal
    what = ""
    if portal is not None:
        what = portal.kind + (f" ({portal.filekey})" if portal.filekey else "")
    return {"anchor": f"a-{node.accession}", "accession": node.accession,
            "file_name": portal.file_name if portal else "", "what": what,
            "state": _state(node.status, not node.known), "used_by": _links(used_by)}


def _links(nodes: Sequence[object]) -> list[Link]:
    links = []
    for node in nodes:
        if isinstance(node, Version):
            links.append(Link(f"v-{node.id}", f"{node.name} v{node.version}"))
        elif isinstance(node, AccessionNode):
            shown = node.accession if node.name == node.accession else \
                f"{node.name} ({node.accession})"
            links.append(Link(f"a-{node.accession}", shown))
    return links


def _state(text: str, problem: bool, *, old: bool = False) -> State:
    return State(text, "problem" if problem else "old" if old else "ok" if text == "ok" else "")
