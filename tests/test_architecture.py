"""The package's shape: no import cycles between its modules (lazy imports included), so the
data flow (metadata -> plan -> jobs -> portal/storage -> receipts -> tracker/provenance)
reads one way."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "encode_accession"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    skipped = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
               and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
               for statement in block.body for n in ast.walk(statement)}
    return [n for n in ast.walk(tree) if id(n) not in skipped]


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of the package that ``name`` imports when it runs, lazily or not; ``from pkg
    import submodule`` counts as the submodule only."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            subs = {f"{target}.{a.name}" for a in node.names} & known.keys()
            found |= subs if len(subs) == len(node.names) else {target, *subs}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    found &= known.keys()
    # importing a module runs the __init__ of every package above it that is not already
    # running (the importer's own packages are): those count as imported too
    own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    found |= {parent for target in found for i in range(1, target.count(".") + 1)
              if (parent := ".".join(target.split(".")[:i])) in known and parent not in own}
    return found - {name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycles():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_portal_client_imports_nothing_of_the_local_portal():
    """`local:` servers come through an entry point: the client module, and everything it
    imports (lazily or not), never reach the local portal package."""
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    reached = reachable(graph, "encode_accession.portal.client")
    assert "encode_accession.portal.servers" in reached  # the check does follow imports
    assert sorted(m for m in reached if m.startswith("encode_accession.localportal")) == []


def test_the_reachability_check_follows_imports_through_modules():
    assert reachable({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}, "a") == {"b", "c"}


def test_a_cycle_through_a_package_init_is_found(tmp_path):
    """`pkg.a.x` imports `pkg.b.y`, which runs `pkg/b/__init__`, which imports `pkg.b.z`,
    which imports `pkg.a.w`, which runs `pkg/a/__init__`, which imports `pkg.a.x`: a cycle no
    module-to-module edge shows, found because importing a module runs its packages'
    `__init__`s (the importer's own excepted)."""
    files = {"pkg/__init__.py": "", "pkg/a/__init__.py": "from pkg.a import x\n",
             "pkg/a/x.py": "from pkg.b.y import f\n", "pkg/a/w.py": "def h(): pass\n",
             "pkg/b/__init__.py": "from pkg.b.z import g\n", "pkg/b/y.py": "def f(): pass\n",
             "pkg/b/z.py": "from pkg.a.w import h\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    known = {".".join(Path(n).with_suffix("").parts).removesuffix(".__init__"): tmp_path / n
             for n in files}
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert cycles(graph) == [["pkg.a", "pkg.a.x", "pkg.b", "pkg.b.z"]]
    module_edges = {name: {t for t in targets if known[t].name != "__init__.py"}
                    for name, targets in graph.items()}
    assert cycles(module_edges) == []  # without the packages' __init__s: no cycle
