"""Load the portal's own test workbook (`src/encoded/tests/data/inserts/*.json`).

Rows go in as encoded's `loadxl` sends them (skip `_test: skip` rows, drop `_`/`@` keys,
empty values and `schema_version`, so each row is taken at the current version; attachments
named by file name become attachment objects), with the profile's defaults filled in as a
POST would. Every item gets the @id the portal gives it (accessions for accessioned types,
`name` for labs, computed names for targets and steps), links are resolved as the portal
resolves them (uuid, any unique key such as a target's name, accession, alias), and each is
judged by the profiles as an admin POST: what the portal would refuse is reported, not
hidden. The inserts' access keys keep their stored hash (encoded's edw_hash), so their
secrets work.
"""

from __future__ import annotations

import json
import mimetypes
import uuid as uuidlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from encode_accession.core.errors import InputError
from encode_accession.localportal.identity import at_id_for, find_link, item_name, unique_keys
from encode_accession.localportal.profiles import profiles
from encode_accession.localportal.store import Item
from encode_accession.localportal.validate import StoreLinks

if TYPE_CHECKING:
    from encode_accession.localportal.portal import LocalPortal
    from encode_accession.localportal.types import ItemType

NOT_INSERTS = ("LICENSE.txt",)
_MIME = mimetypes.MimeTypes()
_MIME.add_type("image/svs", ".svs")  # whole-slide images: a type the document profile lists


@dataclass
class WorkbookReport:
    """Rows read per type, items stored per type, and what the profiles refused."""

    rows: Counter = field(default_factory=Counter)
    loaded: Counter = field(default_factory=Counter)
    refused: list[tuple[str, str, list[str]]] = field(default_factory=list)


def _row(raw: dict[str, Any]) -> dict[str, Any] | None:
    """loadxl's pipeline for one row; None for a row it skips."""
    if raw.get("_test") == "skip" or raw.get("test") == "skip":
        return None
    return {k: v for k, v in raw.items()
            if k and not k.startswith(("_", "@")) and k != "schema_version"
            and v not in ("", None, [])}


def _attachment(prop: str, filename: str) -> dict[str, Any]:
    """The attachment object the portal stores for an uploaded file (the bytes are not part
    of the inserts; their download answers 404 here)."""
    mime, encoding = _MIME.guess_type(filename)
    mime = "application/gzip" if encoding == "gzip" else mime or "application/octet-stream"
    return {"download": filename, "type": mime, "href": f"@@download/{prop}/{filename}"}


def _link_specs(item_type: str) -> dict[str, tuple[list[str], bool]]:
    """Top-level link properties: name -> (linkTo types, is an array)."""
    specs = {}
    for prop, spec in profiles().schema(item_type)["properties"].items():
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        target = spec.get("linkTo") or items.get("linkTo")
        if target:
            specs[prop] = ([target] if isinstance(target, str) else list(target),
                           "linkTo" not in spec)
    return specs


def read_inserts(inserts_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """item_type -> raw rows, for every `<item_type>.json` in the folder."""
    if not inserts_dir.is_dir():
        raise InputError(str(inserts_dir), "--workbook", "not a folder",
                         "give the portal's src/encoded/tests/data/inserts folder")
    rows = {}
    for path in sorted(inserts_dir.glob("*.json")):
        if path.name in NOT_INSERTS:
            continue
        try:
            rows[path.stem] = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}",
                             "use the portal's inserts unchanged") from None
    return rows


def load_workbook(portal: LocalPortal, inserts_dir: str | Path) -> WorkbookReport:
    """Store every workbook row in `portal`; returns counts and the profiles' refusals."""
    report = WorkbookReport()
    staged: list[tuple[ItemType, Item]] = []
    for item_type, raws in read_inserts(Path(inserts_dir)).items():
        itype = portal.types.lookup(item_type)
        if not raws:  # quality_metric.json: the abstract type's file, empty
            continue
        if itype is None or itype.item_type != item_type:
            raise InputError(f"{inserts_dir}/{item_type}.json", "", "no such portal type",
                             "use the inserts of the portal the profiles come from")
        defaults = profiles().defaults(item_type)
        for raw in raws:
            props = _row(raw)
            if props is None:
                continue
            report.rows[item_type] += 1
            for prop in itype.attachments:
                if isinstance(props.get(prop), str):
                    props[prop] = _attachment(prop, props[prop])
            uuid = props.pop("uuid", None) or str(uuidlib.uuid4())
            staged.append((itype, Item(uuid, item_type, at_id_for(itype, uuid), itype.types,
                                       {**defaults, **props})))
    with portal.store.write():
        _stage(portal, staged)
        _link(portal, staged)
        _name(portal, staged)
        _link(portal, staged)  # links by the names just given (targets by `H3K4me3-mouse`)
    for itype, item in staged:
        stored = portal.store.get(item.uuid)
        if stored is not None:
            report.loaded[itype.item_type] += 1
        submitted = {k: v for k, v in item.props.items() if k != "schema_version"}
        problems = profiles().problems(itype.item_type, {**submitted, "uuid": item.uuid},
                                       submitter=False,
                                       links=StoreLinks(portal.store, portal.types))
        if problems:
            report.refused.append((itype.item_type, item.at_id, [str(p) for p in problems]))
    return report


def _keys(itype: ItemType, item: Item) -> list[tuple[str, str]]:
    keys = unique_keys(itype, item.props, item.at_id.rstrip("/").rsplit("/", 1)[-1])
    if itype.item_type == "file" and item.props.get("md5sum") and \
            item.props.get("status") != "replaced":
        keys.append(("alias", f"md5:{item.props['md5sum']}"))
    return keys


def _stage(portal: LocalPortal, staged: list[tuple[ItemType, Item]]) -> None:
    """Every row stored under the @id the portal gives it (its accession, name key...;
    names that follow links wait for them), with the keys links are looked up by."""
    for itype, item in staged:
        if not _name_follows_links(itype):
            item.at_id = at_id_for(itype, item_name(itype, item.props, item.uuid,
                                                    portal.store))
        _replace(portal, item)
        portal.store.save(item, _keys(itype, item))


def _replace(portal: LocalPortal, item: Item) -> None:
    """The workbook's object wins over one already at its @id (e.g. a demo lab); links are
    stored as @ids, so they hold."""
    existing = portal.store.by_at_id(item.at_id)
    if existing is not None and existing.uuid != item.uuid:
        portal.store.delete(existing.uuid)


def _link(portal: LocalPortal, staged: list[tuple[ItemType, Item]]) -> None:
    """Link values (uuids, names, accessions, aliases, paths) replaced by the linked item's
    @id; a value nothing answers to yet is kept for the next pass."""
    for itype, item in staged:
        for prop, (link_to, is_array) in _link_specs(itype.item_type).items():
            value = item.props.get(prop)
            if value is None:
                continue
            values = value if is_array and isinstance(value, list) else [value]
            found = [find_link(portal.store, portal.types, v, link_to)
                     if isinstance(v, str) else None for v in values]
            resolved = [f.at_id if f else v for f, v in zip(found, values, strict=True)]
            item.props[prop] = resolved if is_array else resolved[0]
        portal.store.save(item, _keys(itype, item))


def _name_follows_links(itype: ItemType) -> bool:
    return itype.item_type == "target" or "." in (itype.name_template or "")


def _name(portal: LocalPortal, staged: list[tuple[ItemType, Item]]) -> None:
    """Names that follow links (analysis step versions, targets) once links are @ids; links
    to a renamed item follow it."""
    renamed = {}
    for itype, item in staged:
        if _name_follows_links(itype):
            name = item_name(itype, item.props, item.uuid, portal.store)
            new = at_id_for(itype, name)
            if new != item.at_id:
                renamed[item.at_id] = new
                item.at_id = new
                _replace(portal, item)
            portal.store.save(item, _keys(itype, item))
    for itype, item in staged:
        changed = False
        for prop, value in item.props.items():
            if isinstance(value, str) and value in renamed:
                item.props[prop] = renamed[value]
                changed = True
            elif isinstance(value, list) and any(v in renamed for v in value
                                                 if isinstance(v, str)):
                item.props[prop] = [renamed.get(v, v) if isinstance(v, str) else v
                                    for v in value]
                changed = True
        if changed:
            portal.store.save(item, _keys(itype, item))
