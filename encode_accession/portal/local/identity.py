"""Identity rules: uuids, TST accessions, @id names, unique keys and identifier lookup.

The unique-key table mirrors the real portal's namespaces (`accession`, `alias` — which also
holds publication identifiers and `md5:<md5sum>` — and per-type name keys), so a duplicate
gives the same `Keys conflict: [(...)]` answer a submitter would see on the real portal.
"""

from __future__ import annotations

import random
import re
import uuid as uuidlib
from typing import Any
from urllib.parse import quote

from .problems import HTTPProblem
from .profiles import file_schema_tables
from .store import Item, Store
from .types import ItemType, TypeRegistry

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MD5_RULES = ("current", "strict")
PIPELINE_LAB = "/labs/encode-processing-pipeline/"
_ACCESSION_TRIES = 10


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def mint_accession(store: Store, prefix: str) -> str:
    """`TST` + type + 6 digits, as the portal's test accession factory does."""
    for _ in range(_ACCESSION_TRIES):
        accession = f"TST{prefix}{random.randrange(10**6):06d}"
        if store.key_owner("accession", accession) is None:
            return accession
    raise HTTPProblem(500, f"could not find an unused TST{prefix} accession")


def item_name(itype: ItemType, props: dict[str, Any], uuid: str, store: Store) -> str:
    """The last path segment of the @id."""
    if itype.name_template:
        name = re.sub(r"\{([^}]+)\}", lambda m: str(_path_value(props, m[1], store)),
                      itype.name_template)
        if itype.item_type == "biosample_type":
            name = name.replace(" ", "_").replace(":", "_")
        return quote(name, safe="-_.~+")
    return props.get("accession") or uuid


def _path_value(props: dict[str, Any], path: str, store: Store) -> Any:
    head, _, rest = path.partition(".")
    value = props.get(head, "")
    if rest:
        linked = store.by_at_id(value) if isinstance(value, str) else None
        return _path_value(linked.props, rest, store) if linked else ""
    return value


def at_id_for(itype: ItemType, name: str) -> str:
    return f"/{itype.collection}/{name}/"


def unique_keys(itype: ItemType, props: dict[str, Any], name: str) -> list[tuple[str, str]]:
    """Every key the item claims except `md5:` (see `md5_key_claim`)."""
    keys = [("alias", alias) for alias in props.get("aliases", [])]
    keys += [("alias", ident) for ident in props.get("identifiers", [])]
    if props.get("accession"):
        keys.append(("accession", props["accession"]))
    if props.get("external_accession"):
        keys.append(("external_accession", props["external_accession"]))
    if itype.name_template:
        keys.append((f"{itype.item_type}:name", name))
    if itype.item_type == "file" and props.get("paired_with"):
        keys.append(("file:paired_with", props["paired_with"]))
    return keys


def md5_key_claim(store: Store, props: dict[str, Any], uuid: str,
                  rule: str) -> list[tuple[str, str]]:
    """The `md5:` key a file claims, or raise 409 under the configured md5 rule.

    `current` (portal since 2024-03): only raw-data output types conflict; other duplicates
    are accepted without the key. `strict` (before that): every file conflicts unless its lab
    is encode-processing-pipeline.
    """
    md5 = props.get("md5sum")
    if not md5 or props.get("status") == "replaced":
        return []
    key = ("alias", f"md5:{md5}")
    owner = store.key_owner(*key)
    holder = store.get(owner) if owner and owner != uuid else None
    if holder is None or holder.props.get("status") == "replaced":
        return [key]
    constrained = props.get("output_type") in file_schema_tables()["md5_constrained_output_types"]
    if rule == "strict":
        constrained = constrained or props.get("lab") != PIPELINE_LAB
    if constrained:
        raise conflict([key])
    return []


def conflict(keys: list[tuple[str, str]]) -> HTTPProblem:
    return HTTPProblem(409, f"Keys conflict: {keys!r}")


def check_conflicts(store: Store, keys: list[tuple[str, str]], uuid: str) -> None:
    taken = [key for key in keys if store.key_owner(*key) not in (None, uuid)]
    if taken:
        raise conflict(taken)


def lookup_name(store: Store, name: str) -> Item | None:
    """A bare identifier, in the real portal's order: uuid, accession, alias-like keys."""
    if UUID_RE.match(name):
        return store.get(name)
    for namespace in ("accession", "alias", "external_accession"):
        owner = store.key_owner(namespace, name)
        if owner:
            return store.get(owner)
    return None


def resolve(store: Store, types: TypeRegistry, ref: str) -> Item | None:
    """Any identifier a link or URL may use: @id, /collection/name/, uuid, accession, alias."""
    if not ref:
        return None
    if ref.startswith("/"):
        found = store.by_at_id(ref) or store.by_at_id(quote(ref, safe="/"))
        if found:
            return found
        parts = [p for p in ref.split("/") if p]
        if len(parts) == 1:
            return lookup_name(store, parts[0])
        if len(parts) == 2:
            itype = types.by_collection(parts[0])
            item = lookup_name(store, parts[1])
            if itype and item and itype.name in item.types:
                return item
        return None
    return lookup_name(store, ref)
