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
from urllib.parse import quote, unquote

from encode_accession.localportal.problems import HTTPProblem
from encode_accession.localportal.profiles import profiles
from encode_accession.localportal.store import Item, Store
from encode_accession.localportal.types import ItemType, TypeRegistry, collection_unique_keys
from encode_accession.portal.profiles import is_accession

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MD5_RULES = ("current", "strict")
PIPELINE_LAB = "/labs/encode-processing-pipeline/"
_ACCESSION_TRIES = 10
# encoded src/encoded/types/file.py RAW_OUTPUT_TYPES: the files whose md5 must be unique.
MD5_CONSTRAINED_OUTPUT_TYPES = frozenset({"reads", "rejected reads", "raw data",
                                          "reporter code counts", "intensity values",
                                          "idat red channel", "idat green channel"})


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def mint_accession(store: Store, prefix: str) -> str:
    """`TST` + type + 6 digits, as the portal's test accession factory does."""
    for _ in range(_ACCESSION_TRIES):
        accession = f"TST{prefix}{random.randrange(10**6):06d}"
        if store.key_owner("accession", accession) is None:
            return accession
    raise HTTPProblem(500, f"could not find an unused TST{prefix} accession")


# types whose encoded `__name__` ignores status
_OWN_NAMES = ("target", "analysis_step", "analysis_step_version", "biosample_type")


def _target_name(props: dict[str, Any], store: Store) -> str:
    """encoded src/encoded/types/target.py `Target._name`: label and the organism's name (from
    target_organism, else the genes'), else the first investigated_as."""
    organism = props.get("target_organism")
    if not organism and props.get("genes"):
        gene = store.by_at_id(props["genes"][0])
        organism = gene.props.get("organism") if gene else None
    found = store.by_at_id(organism) if isinstance(organism, str) else None
    if found is not None:
        source = found.props.get("name", "")
    else:
        source = (props.get("investigated_as") or [""])[0].replace(" ", "_")
    return f"{props.get('label', '')}-{source}"


def item_name(itype: ItemType, props: dict[str, Any], uuid: str, store: Store) -> str:
    """The last path segment of the @id: encoded's `__name__` (snovault Item: the name key,
    else the uuid; a replaced item is named by its uuid, so its accession can pass on; a
    file with an external accession by that; targets and steps by their computed names)."""
    if itype.item_type == "target":
        return quote(_target_name(props, store), safe="-_.~+")
    if itype.item_type == "file" and props.get("external_accession"):
        return quote(props["external_accession"], safe="-_.~+:")
    if props.get("status") == "replaced" and itype.item_type not in _OWN_NAMES:
        return uuid
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
    """Every key the item claims except `md5:` (see `md5_key_claim`): the profile's
    `uniqueKey` properties, accessions, and the collection key of computed names (encoded
    Item/Target/AnalysisStep `unique_keys`)."""
    keys: list[tuple[str, str]] = []
    for namespace, names in profiles().unique_keys(itype.item_type).items():
        for prop in names:
            value = props.get(prop)
            keys += [(namespace, str(v)) for v in (value if isinstance(value, list) else
                                                  [value] if value is not None else [])]
    keys += [("alias", ident) for ident in props.get("identifiers", [])]
    # encoded Item.unique_keys: a replaced item gives up its accession, which the item that
    # replaced it claims in `alternate_accessions` (so /ENCFF.../ leads to the replacement)
    own = props.get("accession") if props.get("status") != "replaced" else None
    for accession in [own, *props.get("alternate_accessions", [])]:
        if accession:
            keys.append(("accession", accession))
    if props.get("external_accession"):
        keys.append(("external_accession", props["external_accession"]))
    if itype.name_template:
        keys.append((itype.unique_key or f"{itype.item_type}:name", unquote(name)))
    if itype.item_type == "file" and props.get("paired_with"):
        keys.append(("file:paired_with", props["paired_with"]))
    return list(dict.fromkeys(keys))


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
    constrained = props.get("output_type") in MD5_CONSTRAINED_OUTPUT_TYPES
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


def _collection_key(store: Store, type_name: str, itype: ItemType | None,
                    name: str) -> Item | None:
    """The collection's `unique_key` (encoded src/encoded/types: `lab:name`, `award:name`,
    `user:email`, ..., `accession` for accessioned types; abstract collections too)."""
    namespace = itype.unique_key if itype else collection_unique_keys().get(type_name)
    if namespace is None and itype is not None and itype.name_template:
        namespace = f"{itype.item_type}:name"
    owner = store.key_owner(namespace, name) if namespace else None
    return store.get(owner) if owner else None


def in_collection(store: Store, types: TypeRegistry, type_name: str, name: str) -> Item | None:
    """A collection's lookup (snovault `AbstractCollection.get` + encoded's alias rule):
    uuid, then the collection's unique key, then an alias when the name has a colon. As in
    snovault, `_allow_contained` lets an item of any type through (`linkTo` then checks the
    type)."""
    itype = types.lookup(type_name)
    if itype is not None and itype.name != type_name and itype.item_type != type_name \
            and itype.collection != type_name:
        itype = None
    type_name = itype.name if itype else type_name
    if UUID_RE.match(name):
        return store.get(name)
    found = _collection_key(store, type_name, itype, name)
    if found is None and ":" in name:
        owner = store.key_owner("alias", name)
        found = store.get(owner) if owner else None
    return found


def at_root(store: Store, name: str) -> Item | None:
    """The root's lookup (encoded `EncodedRoot.get`): uuid, accession, alias (with a colon),
    external accession."""
    if UUID_RE.match(name):
        return store.get(name)
    owners = [store.key_owner("page:location", name)]
    if is_accession(name):
        owners.append(store.key_owner("accession", name))
    if ":" in name:
        owners.append(store.key_owner("alias", name))
    owners.append(store.key_owner("external_accession", name))
    owner = next((o for o in owners if o), None)
    return store.get(owner) if owner else None


def by_path(store: Store, types: TypeRegistry, path: str) -> Item | None:
    """Traversal from the root: `/<collection>/<name>` or `/<name>`, any trailing slash; a
    collection is named by its collection name, type name or item_type (snovault's
    COLLECTIONS)."""
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) == 1:
        return at_root(store, parts[0])
    if len(parts) == 2:
        itype = types.lookup(parts[0])
        return in_collection(store, types, itype.name, parts[1]) if itype else None
    return None


def find_link(store: Store, types: TypeRegistry, value: str, link_to: list[str]) -> Item | None:
    """A link value as snovault's `linkTo` finds it: a path from the root; else, for one
    target type, in that type's collection; for several, at the root."""
    if not value:
        return None
    if value.startswith("/"):
        return store.by_at_id(value) or by_path(store, types, value)
    name = value.strip("/")  # a relative path: traversal from the collection (or the root)
    if not name or "/" in name:
        return None
    if len(link_to) == 1:
        return in_collection(store, types, link_to[0], name)
    return at_root(store, name)


def resolve(store: Store, types: TypeRegistry, ref: str) -> Item | None:
    """What a URL path or a stored link names: the @id itself, else the portal's lookup."""
    if not ref:
        return None
    if ref.startswith("/"):
        return store.by_at_id(ref) or store.by_at_id(quote(ref, safe="/")) or \
            by_path(store, types, ref)
    return at_root(store, ref)
