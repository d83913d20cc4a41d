"""The lineage graph as an inline SVG, laid out here (no Graphviz, no JavaScript): sources on
the left, each node one column right of its deepest parent; within a column nodes are
ordered by the average row of their parents, which keeps most edges short and uncrossed.

Every box says what its file is in three whole lines: the file name, what it is (output
type and format, or fastq/reference for an input found on the portal) and its state. Text
is monospace and each column is as wide as its longest line, so no label is ever cut
(sibling files often differ only at the end of their names: rep1.idr0.05.bfilt... vs
rep2.idr0.05.bfilt...).

Everything is computed from the graph in a fixed order, so the same records draw the same
picture, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from encode_accession.provenance.checks import Checked
from encode_accession.provenance.model import AccessionNode, Graph, Version

CHAR_WIDTH = 7.5  # px per character of 12px monospace (0.6 em), with a margin
PADDING, MIN_WIDTH, LINE_HEIGHT = 10, 150, 15
HEIGHT = PADDING + 3 * LINE_HEIGHT
COLUMN_GAP, ROW_GAP, MARGIN = 60, 14, 10
_STYLES = {  # state class -> (fill, stroke)
    "ok": ("#e7f5ec", "#2f8a4e"), "problem": ("#fde4e2", "#c0392b"),
    "old": ("#f0f0f0", "#8c8c8c"), "unchecked": ("#fff6dc", "#b7950b"),
    "tracked": ("#e6eef9", "#2e5c9a"),
}


_SHORT = {"not checked (remote)": "remote", "not checked (no checksum recorded)": "no checksum"}


@dataclass(frozen=True)
class Placed:
    key: str
    column: int
    row: int


@dataclass(frozen=True)
class Box:
    """A placed node with its pixel geometry."""

    key: str
    x: int
    y: int
    width: int


def layout(graph: Graph) -> dict[str, Placed]:
    """Column = longest path from a source; row = order within the column, by the mean row
    of the node's parents (sources: of their children, once the rest is placed)."""
    parents = {v.key: graph.parents(v) for v in graph.ordered_versions()}
    depth: dict[str, int] = {}

    def depth_of(key: str, visiting: frozenset[str] = frozenset()) -> int:
        if key not in depth:
            above = [p for p in parents.get(key, []) if p not in visiting]
            depth[key] = 1 + max((depth_of(p, visiting | {key}) for p in above), default=-1)
        return depth[key]

    keys = [a.key for a in graph.ordered_accessions()] + list(parents)
    position = {k: i for i, k in enumerate(keys)}
    columns: dict[int, list[str]] = {}
    for key in keys:
        columns.setdefault(depth_of(key), []).append(key)
    children = {parent: [v.key for v in made] for parent, made in graph.children().items()}
    placed: dict[str, Placed] = {}

    def mean_row(neighbours: list[str]) -> float:
        rows = [placed[n].row for n in neighbours if n in placed]
        return sum(rows) / len(rows) if rows else -1.0

    def place(column: int, neighbours: dict[str, list[str]]) -> None:
        ordered = sorted(columns[column],
                         key=lambda k: (mean_row(neighbours.get(k, [])), position[k]))
        placed.update((k, Placed(k, column, row)) for row, k in enumerate(ordered))

    for column in sorted(columns):
        place(column, parents)
    if len(columns) > 1:  # sources follow their children, then the rest follows again
        place(0, children)
        for column in sorted(columns)[1:]:
            place(column, parents)
    return placed


def lines(node: Version | AccessionNode, state: str) -> tuple[str, str, str]:
    """The three lines of a node's box: name, what it is, state."""
    if isinstance(node, AccessionNode):
        what = node.portal.kind if node.portal else "source accession"
        return node.name, what, f"{node.accession} · {node.status}"
    what = node.kind or ("file made from ENCODE data" if not node.accession else "")
    portal = f"{node.accession} · " if node.accession else ""
    return node.name, what, f"v{node.version} · {portal}{_SHORT.get(state, state)}"


def text_width(text: str) -> int:
    return int(len(text) * CHAR_WIDTH + 0.999)


def geometry(graph: Graph, placed: dict[str, Placed], checked: Checked) -> dict[str, Box]:
    """Column widths fit their longest line; columns follow each other left to right."""
    widths: dict[int, int] = {}
    for key, where in placed.items():
        node = graph.node(key)
        assert node is not None
        longest = max(text_width(t) for t in lines(node, checked.states.get(key, "")))
        widths[where.column] = max(widths.get(where.column, MIN_WIDTH), longest + 2 * PADDING)
    left, x = {}, MARGIN
    for column in sorted(widths):
        left[column] = x
        x += widths[column] + COLUMN_GAP
    return {key: Box(key, left[p.column], MARGIN + p.row * (HEIGHT + ROW_GAP), widths[p.column])
            for key, p in placed.items()}


def render(graph: Graph, checked: Checked) -> str:
    placed = layout(graph)
    if not placed:
        return "<p>Nothing recorded yet.</p>"
    boxes = geometry(graph, placed, checked)
    width = max(b.x + b.width for b in boxes.values()) + MARGIN
    height = max(b.y for b in boxes.values()) + HEIGHT + MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="lineage graph: sources on the left, derived files to the right">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#555"/></marker></defs>']
    parts += [_edge(boxes[parent], boxes[child], "derived")
              for child, parent in graph.edges() if parent in boxes]
    parts += [_edge(boxes[older], boxes[newer], "revision")
              for newer, older in graph.revisions()]
    for key, box in boxes.items():
        node = graph.node(key)
        assert node is not None
        parts.append(_box(node, box, checked.states.get(key, ""),
                          bool(checked.problems_of(key))))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(start: Box, end: Box, kind: str) -> str:
    """A curve from the right side of `start` to the left side of `end` (within one column,
    a bracket on their right sides)."""
    if start.x == end.x:
        x, bulge = start.x + start.width, start.x + start.width + COLUMN_GAP // 3
        y1, y2 = start.y + HEIGHT // 2, end.y + HEIGHT // 2
        path = f"M{x},{y1} C{bulge},{y1} {bulge},{y2} {x},{y2}"
    else:
        x1, y1 = start.x + start.width, start.y + HEIGHT // 2
        x2, y2 = end.x, end.y + HEIGHT // 2
        middle = (x1 + x2) // 2
        path = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"
    return f'<path class="edge {kind}" d="{path}" marker-end="url(#arrow)"/>'


def _box(node: Version | AccessionNode, box: Box, state: str, problem: bool) -> str:
    if isinstance(node, AccessionNode):
        title = node.accession
        style = "problem" if problem else "tracked"
        anchor = f"a-{node.accession}"
    else:
        title = node.label
        style = ("problem" if problem else "old" if not node.current
                 else "ok" if state == "ok" else "unchecked")
        anchor = f"v-{node.id}"
    fill, stroke = _STYLES[style]
    texts = "".join(
        f'<text x="{box.x + PADDING}" y="{box.y + PADDING + LINE_HEIGHT * i + 8}" '
        f'class="{css}">{escape(text)}</text>'
        for i, (css, text) in enumerate(zip(("name", "kind", "state"), lines(node, state),
                                            strict=True)))
    return (f'<a href="#{anchor}"><g class="node {style}"><title>{escape(title)}</title>'
            f'<rect x="{box.x}" y="{box.y}" width="{box.width}" height="{HEIGHT}" rx="5" '
            f'fill="{fill}" stroke="{stroke}"/>{texts}</g></a>')
