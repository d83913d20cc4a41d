"""Admin import of portal objects (`--load`, demo seeding, real portal exports).

Accepts objects in any frame, including embedded: nested objects with an @id become items
of their own and are replaced by their @id. Nothing is validated and calculated values are
kept, because imported data describes the portal as it was, not a submission.
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from encode_accession.core.errors import InputError
from encode_accession.localportal.auth import hash_secret
from encode_accession.localportal.identity import unique_keys
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.portal import LocalPortal

_META = ("@id", "@type", "uuid")


def _flatten(data: Any, source: str) -> list[dict[str, Any]]:
    """Every object with an @id, links normalised to @ids; the first copy of an object wins
    and later copies only fill in what it lacked (embedded copies are often trimmed)."""
    found: dict[str, dict[str, Any]] = {}

    def visit(value: Any) -> Any:
        if isinstance(value, list):
            return [visit(v) for v in value]
        if not isinstance(value, dict):
            return value
        flat = {k: visit(v) for k, v in value.items()}
        if "@id" not in value:
            return flat
        if "@type" in value:
            merged = found.setdefault(value["@id"], {})
            for key, v in flat.items():
                merged.setdefault(key, v)
        return value["@id"]

    for index, obj in enumerate(data if isinstance(data, list) else [data]):
        if not isinstance(obj, dict) or "@id" not in obj or "@type" not in obj:
            raise InputError(source, f"[{index}]", "each object to load needs '@id' and '@type'",
                             "export objects from a portal (any frame) or add @id and @type")
        visit(obj)
    return list(found.values())


def _snake(type_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type_name).lower()


def _save(portal: LocalPortal, obj: dict[str, Any]) -> str:
    at_id, types = obj["@id"], list(obj["@type"])
    existing = portal.store.by_at_id(at_id)
    uuid = obj.get("uuid") or (existing.uuid if existing
                               else str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, at_id)))
    if existing and existing.uuid != uuid:
        portal.store.delete(existing.uuid)  # the import wins; links are by @id, so they hold
    props = {k: v for k, v in obj.items() if k not in _META}
    if "secret_access_key" in props:
        props["secret_access_key_hash"] = hash_secret(props.pop("secret_access_key"))
    itype = portal.types.lookup(types[0])
    name = at_id.rstrip("/").rsplit("/", 1)[-1]
    if itype:
        keys = unique_keys(itype, props, name)
    else:
        keys = [("alias", a) for a in props.get("aliases", [])]
        keys += [("accession", props["accession"])] if props.get("accession") else []
    md5 = props.get("md5sum")
    if "File" in types and md5 and props.get("status") != "replaced" \
            and portal.store.key_owner("alias", f"md5:{md5}") in (None, uuid):
        keys.append(("alias", f"md5:{md5}"))
    item_type = itype.item_type if itype else _snake(types[0])
    portal.store.save(Item(uuid, item_type, at_id, types, props), keys)
    return at_id


def load_objects(portal: LocalPortal, data: Any, source: str = "<objects>") -> list[str]:
    """Store `data` (an object or a list) and every object nested in it; returns their @ids."""
    objects = _flatten(data, source)
    with portal.store.write():
        return [_save(portal, obj) for obj in objects]


def load_file(portal: LocalPortal, path: str | Path) -> list[str]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read: {exc.strerror}", "check the path") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}",
                         "load a JSON object or an array of objects") from None
    return load_objects(portal, data, str(path))
