"""Rendering items in the `object` and `embedded` frames.

A RenderContext lives for one request: it caches lookups and computes calculated
properties one at a time, so search filters only pay for the properties they touch.
"""

from __future__ import annotations

from typing import Any

from encode_accession.localportal.calculated import ALWAYS, CALCULATED, REVERSE_LINKS
from encode_accession.localportal.identity import resolve
from encode_accession.localportal.ontology import Ontology
from encode_accession.localportal.store import Item, Store
from encode_accession.localportal.types import TypeRegistry

_MISSING = object()
# encoded src/encoded/types/user.py `user_basic_view`: a user's object frame, for everyone
# (its full properties are the page frame's, for those with `view_details`)
USER_OBJECT_KEYS = ("@id", "@type", "uuid", "lab", "title", "submits_for")
_GONE = ("deleted", "replaced")


class RenderContext:
    def __init__(self, store: Store, types: TypeRegistry) -> None:
        self.store = store
        self.types = types
        self.ontology = Ontology(store)
        self._items: dict[str, Item | None] = {}
        self._props: dict[tuple[str, str], Any] = {}

    def item(self, ref: Any) -> Item | None:
        """The item a link names (an @id, uuid, accession or alias); None if dangling."""
        if not isinstance(ref, str):
            return None
        if ref not in self._items:
            self._items[ref] = resolve(self.store, self.types, ref)
        return self._items[ref]

    def linked_prop(self, ref: Any, prop: str) -> Any:
        """`prop` of the item `ref` links to; None if the link is absent or dangling."""
        linked = self.item(ref)
        return self.prop(linked, prop) if linked else None

    def linked_props(self, refs: Any, prop: str) -> list[Any]:
        """`prop` of each item `refs` (a link or a list of links) names, where present."""
        values = []
        for ref in refs if isinstance(refs, list) else [refs]:
            value = self.linked_prop(ref, prop)
            if value is not None:
                values.append(value)
        return values

    def stored(self, ref: Any) -> dict[str, Any]:
        """The linked item's stored properties, with its @id (encoded's
        `@@object?skip_calculated=true`); {} if dangling."""
        linked = self.item(ref)
        return {**linked.props, "@id": linked.at_id} if linked else {}

    @staticmethod
    def _calculated_names(item: Item) -> list[str]:
        names: dict[str, None] = {}
        for type_name in item.types:
            names.update(dict.fromkeys(CALCULATED.get(type_name, {})))
        return list(names)

    def prop(self, item: Item, name: str) -> Any:
        """Stored value, else calculated. Objects imported with their calculated values keep
        them, but lists built from reverse links are recomputed with what was linked since."""
        if name == "@id":
            return item.at_id
        if name == "@type":
            return item.types
        if name == "uuid":
            return item.uuid
        key = (item.uuid, name)
        itype = self.types.lookup(item.item_type)
        if itype and name in itype.hidden:
            return None
        if key not in self._props:
            self._props[key] = _MISSING  # a property that needs itself (a cycle) is absent
            self._props[key] = self._compute(item, name)
        value = self._props[key]
        return None if value is _MISSING else value

    def _compute(self, item: Item, name: str) -> Any:
        type_name = next((t for t in item.types if name in CALCULATED.get(t, {})), None)
        stored = item.props.get(name, _MISSING)
        if stored is not _MISSING and (type_name, name) not in ALWAYS:
            return stored
        value = CALCULATED[type_name][name](item, self) if type_name else None
        return _MISSING if value is None else value

    def rev(self, item: Item, name: str) -> list[str]:
        """The @ids of the items linking to `item` through the reverse link `name` (oldest
        first), after any list the item was imported with."""
        spec = next((REVERSE_LINKS[t][name] for t in item.types
                     if name in REVERSE_LINKS.get(t, {})), None)
        if spec is None:
            return []
        source_type, source_prop = spec
        stored = item.props.get(name)
        referrers = [r.at_id for r in self.store.referrers(item.at_id, source_prop)
                     if source_type in r.types]
        return list(dict.fromkeys([*(stored if isinstance(stored, list) else []), *referrers]))

    def object_frame(self, item: Item) -> dict[str, Any]:
        frame = self._properties(item)
        if item.item_type == "user":
            return {key: frame[key] for key in USER_OBJECT_KEYS if key in frame}
        return frame

    def _properties(self, item: Item) -> dict[str, Any]:
        """Stored and calculated properties, without those the type never shows."""
        itype = self.types.lookup(item.item_type)
        hidden = set(itype.hidden) if itype else set()
        frame: dict[str, Any] = {"@id": item.at_id, "@type": item.types, "uuid": item.uuid}
        frame.update({k: v for k, v in item.props.items() if k not in hidden})
        for name in self._calculated_names(item):
            value = self.prop(item, name)
            if value is not None:
                frame[name] = value
        return frame

    def user_details(self, item: Item) -> dict[str, Any]:
        """A user's page frame for its owner and admins (encoded `user_page_view` with
        `view_details`): every property, the lab embedded, and its access keys."""
        itype = self.types.get("user")
        page = self._expand(self._properties(item), _path_tree(itype.embedded))
        keys = [k for k in self.store.referrers(item.at_id, "user")
                if "AccessKey" in k.types and k.props.get("status") not in _GONE]
        page["access_keys"] = [self.object_frame(k) for k in keys]
        return page

    def embedded_frame(self, item: Item) -> dict[str, Any]:
        itype = self.types.lookup(item.item_type)
        return self._expand(self.object_frame(item), _path_tree(itype.embedded if itype else ()))

    def _expand(self, frame: dict[str, Any], tree: dict[str, dict]) -> dict[str, Any]:
        out = dict(frame)
        for prop, subtree in tree.items():
            value = out.get(prop)
            if isinstance(value, list):
                out[prop] = [self._expand_link(v, subtree) for v in value]
            elif isinstance(value, str):
                out[prop] = self._expand_link(value, subtree)
        return out

    def _expand_link(self, ref: Any, tree: dict[str, dict]) -> Any:
        linked = self.item(ref) if isinstance(ref, str) else None
        return self._expand(self.object_frame(linked), tree) if linked else ref

    def render(self, item: Item, frame: str) -> dict[str, Any]:
        return self.embedded_frame(item) if frame == "embedded" else self.object_frame(item)


def _path_tree(paths: tuple[str, ...]) -> dict[str, dict]:
    """("a", "a.b", "c") -> {"a": {"b": {}}, "c": {}}"""
    tree: dict[str, dict] = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree
