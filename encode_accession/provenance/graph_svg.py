"""The lineage graph as an inline SVG, laid out here (no Graphviz, no JavaScript): sources on
the left, each node one column right of its deepest parent; within a column nodes are
ordered by the average row of their parents, which keeps most edges short and uncrossed.

Everything is computed from the graph in a fixed order, so the same records draw the same
picture, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .checks import Checked
from .model import AccessionNode, Graph, Version

WIDTH, HEIGHT = 230, 40
COLUMN_GAP, ROW_GAP, MARGIN = 70, 14, 10
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

    @property
    def x(self) -> int:
        return MARGIN + self.column * (WIDTH + COLUMN_GAP)

    @property
    def y(self) -> int:
        return MARGIN + self.row * (HEIGHT + ROW_GAP)


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


def render(graph: Graph, checked: Checked) -> str:
    placed = layout(graph)
    if not placed:
        return "<p>Nothing recorded yet.</p>"
    width = MARGIN * 2 + (max(p.column for p in placed.values()) + 1) * (WIDTH + COLUMN_GAP)
    height = MARGIN * 2 + (max(p.row for p in placed.values()) + 1) * (HEIGHT + ROW_GAP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="lineage graph: sources on the left, derived files to the right">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#555"/></marker></defs>']
    parts += [_edge(placed[parent], placed[child], "derived")
              for child, parent in graph.edges() if parent in placed]
    parts += [_edge(placed[older], placed[newer], "revision")
              for newer, older in graph.revisions()]
    for key, where in placed.items():
        node = graph.node(key)
        assert node is not None
        parts.append(_box(node, where, checked.states.get(key, ""),
                          bool(checked.problems_of(key))))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(start: Placed, end: Placed, kind: str) -> str:
    """A curve from the right side of `start` to the left side of `end` (within one column,
    a bracket on their right sides)."""
    if start.column == end.column:
        x, bulge = start.x + WIDTH, start.x + WIDTH + COLUMN_GAP // 3
        y1, y2 = start.y + HEIGHT // 2, end.y + HEIGHT // 2
        path = f"M{x},{y1} C{bulge},{y1} {bulge},{y2} {x},{y2}"
    else:
        x1, y1 = start.x + WIDTH, start.y + HEIGHT // 2
        x2, y2 = end.x, end.y + HEIGHT // 2
        middle = (x1 + x2) // 2
        path = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"
    return f'<path class="edge {kind}" d="{path}" marker-end="url(#arrow)"/>'


def _box(node: Version | AccessionNode, where: Placed, state: str, problem: bool) -> str:
    if isinstance(node, AccessionNode):
        title, first, second = node.accession, node.accession, node.status
        style = "problem" if problem else "tracked"
        anchor = f"a-{node.accession}"
    else:
        title, first = node.label, node.name
        second = f"v{node.version} · {node.accession + ' · ' if node.accession else ''}" \
                 + _SHORT.get(state, state)
        style = ("problem" if problem else "old" if not node.current
                 else "ok" if state == "ok" else "unchecked")
        anchor = f"v-{node.id}"
    fill, stroke = _STYLES[style]
    return (f'<a href="#{anchor}"><g class="node {style}"><title>{escape(title)}</title>'
            f'<rect x="{where.x}" y="{where.y}" width="{WIDTH}" height="{HEIGHT}" rx="5" '
            f'fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{where.x + 8}" y="{where.y + 16}" class="name">{escape(_fit(first))}'
            f'</text><text x="{where.x + 8}" y="{where.y + 32}" class="state">'
            f'{escape(_fit(second))}</text></g></a>')


def _fit(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
