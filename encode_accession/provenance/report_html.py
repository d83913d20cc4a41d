"""The provenance report as one self-contained HTML file: inline CSS, the lineage as an
inline SVG, and tables of files (checksums, sources, state), runs (tools, parameters, step
runs, images) and ENCODE sources. No script, no external resource: it opens from disk or
an email attachment.

The page's date is the latest record's time, not the clock, so the same database (and the
same files on disk) gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from encode_accession.provenance import graph_svg
from encode_accession.provenance.checks import Checked
from encode_accession.provenance.model import AccessionNode, Activity, Graph, Version
from encode_accession.provenance.record import canonical_json

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #1d1d1d; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.meta { color: #555; }
table { border-collapse: collapse; min-width: 100%; margin-top: 8px; font-size: 13px; }
th, td { border: 1px solid #d0d0d0; padding: 4px 6px; text-align: left; vertical-align: top;
         white-space: nowrap; }
th { background: #f4f4f4; } tr:target { background: #fffbd6; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap; }
.scroll { overflow-x: auto; } td.file b { white-space: nowrap; } .what { color: #555; }
.problem { color: #b03a2e; font-weight: 600; } .ok { color: #2f8a4e; } .old { color: #777; }
.figure { overflow-x: auto; border: 1px solid #e0e0e0; padding: 6px; }
svg.lineage text { font: 12px ui-monospace, "DejaVu Sans Mono", Menlo, monospace;
                   fill: #1d1d1d; white-space: pre; }
svg.lineage text.name { font-weight: 600; } svg.lineage text.kind { fill: #2e5c9a; }
svg.lineage text.state { fill: #555; }
svg.lineage .edge { fill: none; stroke: #555; stroke-width: 1.2; }
svg.lineage .edge.revision { stroke: #999; stroke-dasharray: 4 3; }
""".strip()


SHA256_NOTE = ("sha256 is computed for files read from disk; pipeline files (gs://, s3://) "
               "are known by the md5 the portal verified on upload, so their sha256 is empty.")


def render(graph: Graph, checked: Checked, *, recorded_until: str) -> str:
    versions = graph.ordered_versions()
    locations = len({v.location for v in versions})
    used_by, made_by = graph.children(), graph.generated()
    problems = "".join(f'<li class="problem">{escape(f.code)}: {escape(f.message)}</li>'
                       for f in checked.findings)
    body = [
        "<h1>Provenance report</h1>",
        f'<p class="meta">{locations} files ({len(versions)} versions), '
        f"{len(graph.accessions)} source accessions, {len(graph.activities)} runs; records up "
        f"to {escape(recorded_until)}. File states were checked against the files on disk "
        "when the report was written.</p>",
        "<h2>Problems</h2>",
        f"<ul>{problems}</ul>" if problems else '<p class="ok">None found.</p>',
        "<h2>Lineage</h2>",
        '<p class="meta">Sources on the left; an arrow points from what a file was made from '
        "to the file. Dashed arrows join versions of one file. Click a box for its row.</p>",
        f'<div class="figure">{graph_svg.render(graph, checked)}</div>',
        "<h2>Files</h2>",
        f'<p class="meta">{escape(SHA256_NOTE)}</p>',
        _table(("File", "Version", "State", "Size (bytes)", "sha256", "md5", "Portal",
                "Made from", "Made by", "Recorded"),
               [_file_row(graph, checked, v) for v in versions],
               [f"v-{v.id}" for v in versions]),
        "<h2>Runs</h2>",
        _table(("Run", "Kind", "Step / tool", "Parameters", "Workflow", "Docker image", "Lab",
                "Made", "Recorded"),
               [_run_row(a, made_by.get(a.id, [])) for a in graph.ordered_activities()],
               [f"activity-{a.id}" for a in graph.ordered_activities()]),
        "<h2>Sources</h2>",
        _table(("Accession", "What it is", "Status", "Used by"),
               [[_code(a.accession), _source_what(a), _state(a.status, not a.known),
                 _links(used_by.get(a.key, []))]
                for a in graph.ordered_accessions()],
               [f"a-{a.accession}" for a in graph.ordered_accessions()]),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>Provenance report</title>\n"
            f"<style>\n{CSS}\n</style>\n</head>\n<body>\n" + "\n".join(body)
            + "\n</body>\n</html>\n")


def _source_what(node: AccessionNode) -> str:
    if node.portal is None:
        return ""
    name = f"<b>{escape(node.portal.file_name)}</b><br>" if node.portal.file_name else ""
    key = f" ({escape(node.portal.filekey)})" if node.portal.filekey else ""
    return f'{name}<span class="what">{escape(node.portal.kind)}{key}</span>'


def _file_row(graph: Graph, checked: Checked, version: Version) -> list[str]:
    activity = graph.activities.get(version.activity_id or 0)
    portal = " ".join(filter(None, (version.accession, version.portal_id)))
    what = f'<br><span class="what">{escape(version.kind)}</span>' if version.kind else ""
    sha256 = _code(version.sha256) if version.sha256 else \
        '<span class="old">md5 only</span>' if version.md5 else ""
    return [
        f"<b>{escape(version.name)}</b>{what}<br>{_code(version.location)}",
        str(version.version),
        _state(checked.states[version.key], bool(checked.problems_of(version.key)),
               old=not version.current),
        "" if version.size is None else str(version.size),
        sha256, _code(version.md5 or ""), _code(portal),
        _links([graph.node(k) for k in graph.parents(version)]),
        f'<a href="#activity-{activity.id}">{escape(activity.label)}</a>' if activity else "",
        escape(version.recorded_at),
    ]


def _run_row(activity: Activity, made: list[Version]) -> list[str]:
    if activity.kind == "accessioning":
        version = f"<br>{_code(activity.step_version)}" if activity.step_version else ""
        what = (f"<b>{escape(activity.label)}</b>{version}<br>step run "
                f"{_code(activity.step_run or '')} on {escape(activity.server or '')}")
    else:
        what = escape(activity.label) + (f" (rule {escape(activity.rule)})"
                                         if activity.rule and activity.tool else "")
        if activity.description:
            what += f"<br>{escape(activity.description)}"
    return [
        f"#{activity.id}", escape(activity.kind), what,
        _code(canonical_json(activity.parameters) or ""),
        _code(activity.workflow_id or ""), _code(activity.docker_image or ""),
        escape(activity.lab or ""), _links(made),
        escape(activity.recorded_at),
    ]


def _links(nodes: Sequence[object]) -> str:
    links = []
    for node in nodes:
        if isinstance(node, Version):
            links.append(f'<a href="#v-{node.id}"><code>{escape(node.name)} v{node.version}'
                         "</code></a>")
        elif isinstance(node, AccessionNode):
            shown = node.accession if node.name == node.accession else \
                f"{node.name} ({node.accession})"
            links.append(f'<a href="#a-{escape(node.accession)}"><code>{escape(shown)}</code>'
                         "</a>")
    return "<br>".join(links)


def _state(text: str, problem: bool, *, old: bool = False) -> str:
    css = "problem" if problem else "old" if old else "ok" if text == "ok" else ""
    return f'<span class="{css}">{escape(text)}</span>' if css else escape(text)


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>" if text else ""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], anchors: Sequence[str]) -> str:
    if not rows:
        return "<p>None recorded.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "\n".join(f'<tr id="{escape(anchor)}">' + "".join(f"<td>{cell}</td>" for cell in row)
                     + "</tr>" for row, anchor in zip(rows, anchors, strict=True))
    return (f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
            "</tbody>\n</table></div>")
