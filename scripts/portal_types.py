"""Generate encode_accession/portal/portal_types.json from the portal's own type code.

Reads the `@collection`/`@abstract_collection` classes of ENCODE-DCC/encoded
`src/encoded/types/*.py` (without importing them) and writes, per type: its name, item_type,
collection, base types, `name_key`, `unique_key` and `embedded` paths. The local portal uses
the table to serve every type the portal has (`python scripts/portal_types.py ENCODED_SRC`).
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "encode_accession" / "portal" / "portal_types.json"


def _literal(node: ast.AST, classes: dict[str, dict]) -> list[str] | None:
    """A list of strings, `Base.embedded + [...]` included."""
    if isinstance(node, ast.List):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, classes), _literal(node.right, classes)
        return (left or []) + (right or [])
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        base = classes.get(node.value.id)
        return list(base.get(node.attr) or []) if base else []
    return None


def _framed(node: ast.AST, classes: dict[str, dict]) -> list[str]:
    """`embedded_with_frame = [Path('references', exclude=...), ...]`: the paths (the local
    portal embeds them whole)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _framed(node.left, classes) + _framed(node.right, classes)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return list(classes.get(node.value.id, {}).get(node.attr) or [])
    if isinstance(node, ast.List):
        return [e.args[0].value for e in node.elts
                if isinstance(e, ast.Call) and e.args and isinstance(e.args[0], ast.Constant)]
    return []


def _decorator(cls: ast.ClassDef) -> dict | None:
    for deco in cls.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") in (
                "collection", "abstract_collection"):
            kw = {k.arg: k.value.value for k in deco.keywords
                  if isinstance(k.value, ast.Constant)}
            return {"collection": kw.get("name"), "unique_key": kw.get("unique_key"),
                    "abstract": deco.func.id == "abstract_collection"}
    return None


def read_types(src: Path) -> dict[str, dict]:
    classes: dict[str, dict] = {}
    for path in sorted((src / "types").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.ClassDef):
                continue
            info: dict = {"bases": [b.id for b in node.bases if isinstance(b, ast.Name)],
                          "registered": _decorator(node)}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                    name = stmt.targets[0].id
                    if name in ("item_type", "name_key") and isinstance(stmt.value, ast.Constant):
                        info[name] = stmt.value.value
                    elif name == "embedded":
                        info[name] = _literal(stmt.value, classes)
                    elif name == "embedded_with_frame":
                        info[name] = _framed(stmt.value, classes)
            classes[node.name] = info
    return classes


def _ancestors(name: str, classes: dict[str, dict]) -> list[str]:
    out: list[str] = []
    for base in classes.get(name, {}).get("bases", []):
        if classes.get(base, {}).get("registered"):
            out.append(base)
        out += [a for a in _ancestors(base, classes) if a not in out]
    return out


def _inherited(name: str, key: str, classes: dict[str, dict]):
    info = classes.get(name, {})
    if key in info:
        return info[key]
    for base in info.get("bases", []):
        value = _inherited(base, key, classes)
        if value is not None:
            return value
    return None


def table(classes: dict[str, dict]) -> dict[str, dict]:
    out = {}
    for name, info in classes.items():
        registered = info.get("registered")
        if not registered:
            continue
        out[name] = {
            "item_type": info.get("item_type"), "collection": registered["collection"],
            "abstract": registered["abstract"], "unique_key": registered["unique_key"],
            "bases": _ancestors(name, classes),
            "name_key": _inherited(name, "name_key", classes),
            "embedded": (_inherited(name, "embedded", classes) or [])
            + [p for p in _inherited(name, "embedded_with_frame", classes) or []],
        }
    return out


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else None
    if src is None or not (src / "types").is_dir():
        print("usage: portal_types.py ENCODED/src/encoded [OUTPUT]", file=sys.stderr)
        return 2
    output = Path(argv[2]) if len(argv) > 2 else OUTPUT
    types = table(read_types(src))
    output.write_text(json.dumps(types, indent=1, sort_keys=True) + "\n")
    print(f"{output}: {len(types)} types")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
