"""Text and JSON for the command line: what `log-derived` recorded and what `provenance`
found. Lineage is drawn as trees from the target, up (what it was made from) and down (what
was made from it); a node reached twice is drawn once and then referred to."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from encode_accession.provenance.checks import Checked
from encode_accession.provenance.model import AccessionNode, Activity, Graph, Version
from encode_accession.provenance.query import Lineage
from encode_accession.provenance.record import Logged


def logged_text(result: Logged) -> str:
    sources = ", ".join(result.sources) or "no sources"
    checksum = f"sha256 {result.sha256}" if result.sha256 else f"md5 {result.md5}"
    return f"{result.path}: {result.status} (v{result.version}, {checksum}); from {sources}"


def lineage_json(found: Lineage, checked: Checked) -> dict[str, Any]:
    graph = found.graph
    nodes = {v.key: version_dict(v, graph, checked) for v in graph.ordered_versions()}
    nodes |= {a.key: {"kind": "accession", "accession": a.accession, "state": a.status,
                      "tracked_experiment": a.experiment} for a in graph.ordered_accessions()}
    return {
        "target": found.target, "roots": found.roots, "upstream": found.upstream,
        "downstream": found.downstream, "nodes": nodes,
        "edges": [{"from": parent, "to": child} for child, parent in graph.edges()],
        "activities": {str(a.id): asdict(a) for a in graph.ordered_activities()},
        "problems": [f.as_dict() for f in checked.findings],
    }


def version_dict(version: Version, graph: Graph, checked: Checked) -> dict[str, Any]:
    return {"kind": "file", "location": version.location, "version": version.version,
            "current": version.current, "latest_version": version.latest,
            "sha256": version.sha256, "md5": version.md5, "size": version.size,
            "accession": version.accession, "portal_id": version.portal_id,
            "portal_records": [asdict(r) for r in version.portal_records],
            "recorded_at": version.recorded_at, "activity": version.activity_id,
            "sources": graph.parents(version), "state": checked.states[version.key]}


def lineage_text(found: Lineage, checked: Checked) -> str:
    graph = found.graph
    lines: list[str] = []
    for root in found.roots:
        node = graph.node(root)
        lines.append(_node_line(graph, root, checked))
        if isinstance(node, Version):
            lines += _details(node, graph)
    lines.append("")
    lines.append(f"made from ({len(found.upstream)} upstream):")
    lines += _tree(found.roots, lambda key: _parents_of(graph, key), graph, checked) \
        if found.upstream else ["  nothing recorded"]
    lines.append("")
    lines.append(f"derived from it ({len(found.downstream)} downstream):")
    below = set(found.downstream)
    children = {parent: [v.key for v in made if v.key in below]
                for parent, made in graph.children().items()}
    lines += _tree(found.roots, lambda key: children.get(key, []), graph, checked) \
        if found.downstream else ["  nothing recorded"]
    lines.append("")
    if checked.findings:
        lines.append(f"problems ({len(checked.findings)}):")
        lines += [f"  {f.code:<9} {f.message}" for f in checked.findings]
    else:
        lines.append("problems: none")
    return "\n".join(lines)


def _details(version: Version, graph: Graph) -> list[str]:
    checksums = " ".join(f"{name} {value}" for name, value in
                         (("sha256", version.sha256), ("md5", version.md5)) if value)
    lines = [f"  {checksums or 'no checksum'}; {version.size} bytes; logged "
             f"{version.recorded_at}"]
    if len(version.portal_records) > 1:
        lines += [f"  on {r.server}: {r.accession or ''} {r.portal_id or ''}".rstrip()
                  for r in version.portal_records]
    elif version.accession or version.portal_id:
        lines.append(f"  on the portal: {version.accession or ''} {version.portal_id or ''}"
                     .rstrip())
    activity = graph.activities.get(version.activity_id or 0)
    if activity:
        lines += [f"  {line}" for line in activity_lines(activity)]
    return lines


def activity_lines(activity: Activity) -> list[str]:
    """What made a file, one fact per line."""
    if activity.kind == "accessioning":
        lines = [f"step run: {activity.step_run} on {activity.server}",
                 f"workflow: {activity.workflow_id or '?'}",
                 f"docker image: {activity.docker_image or '?'}"]
        return lines + ([f"lab: {activity.lab}"] if activity.lab else [])
    lines = [f"made by: {activity.label}" + (f" (rule {activity.rule})"
                                             if activity.tool and activity.rule else "")]
    if activity.parameters is not None:
        lines.append(f"parameters: {_compact(activity.parameters)}")
    if activity.description:
        lines.append(f"description: {activity.description}")
    return lines


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _node_line(graph: Graph, key: str, checked: Checked) -> str:
    node = graph.node(key)
    state = checked.states.get(key, "")
    if isinstance(node, AccessionNode):
        return f"{node.accession} [{state}]"
    assert node is not None
    extra = f" {node.accession}" if node.accession else ""
    activity = graph.activities.get(node.activity_id or 0)
    made = f"  <- {activity.label}" if activity else ""
    return f"{node.label}{extra} [{state}]{made}"


def _parents_of(graph: Graph, key: str) -> list[str]:
    node = graph.node(key)
    return graph.parents(node) if isinstance(node, Version) else []


def _tree(roots: list[str], next_of: Callable[[str], list[str]], graph: Graph,
          checked: Checked) -> list[str]:
    lines: list[str] = []
    drawn: set[str] = set()

    def draw(key: str, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("`-- " if last else "|-- ")
        repeat = key in drawn and bool(next_of(key))
        lines.append(f"  {prefix}{branch}{_node_line(graph, key, checked)}"
                     + (" (see above)" if repeat else ""))
        if repeat:
            return
        drawn.add(key)
        below = next_of(key)
        inner = prefix + ("" if top else ("    " if last else "|   "))
        for i, child in enumerate(below):
            draw(child, inner, i == len(below) - 1, False)

    for root in roots:
        draw(root, "", True, True)
    return lines
