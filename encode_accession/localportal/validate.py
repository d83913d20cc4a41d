"""POST/PATCH validation with the portal's own profiles and 422 messages.

The profile judges the whole object (`encode_accession.portal.profiles`: Draft 4 plus the
portal's keywords, with links looked up here as the portal looks them up); then what the
profile names but snovault checks in code: `linkSubmitsFor` and attachment contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from encode_accession.localportal.attachments import AttachmentError, Blob, ingest
from encode_accession.localportal.auth import User
from encode_accession.localportal.identity import find_link
from encode_accession.localportal.problems import ValidationFailure, field_error
from encode_accession.localportal.profiles import profiles
from encode_accession.localportal.store import Item, Store
from encode_accession.localportal.types import ItemType, TypeRegistry


@dataclass
class Checked:
    """Validated properties with links as @ids, plus attachment blobs to store."""

    props: dict[str, Any]
    blobs: dict[str, Blob] = field(default_factory=dict)


class StoreLinks:
    """`Links` for the profile validator: the portal's lookup rules over the store."""

    def __init__(self, store: Store, types: TypeRegistry) -> None:
        self.store = store
        self.types = types
        self.found: dict[tuple[str, tuple[str, ...]], Item | None] = {}

    def item(self, value: str, link_to: list[str]) -> Item | None:
        key = (value, tuple(link_to))
        if key not in self.found:
            self.found[key] = find_link(self.store, self.types, value, link_to)
        return self.found[key]

    def find(self, value: str, link_to: list[str]) -> Item | None:
        return self.item(value, link_to)


def _link_to(spec: dict[str, Any]) -> list[str] | None:
    wanted = spec.get("linkTo")
    if wanted is None:
        return None
    return [wanted] if isinstance(wanted, str) else list(wanted)


class Validator:
    def __init__(self, store: Store, types: TypeRegistry) -> None:
        self.store = store
        self.types = types

    def check(self, itype: ItemType, props: dict[str, Any], *, user: User,
              previous: dict[str, Any] | None = None) -> Checked:
        """Validate `props` (the whole new object; `previous` is the stored one on PATCH,
        whose unchanged admin-only values pass as on the portal)."""
        schema = profiles().schema(itype.item_type)
        known = schema["properties"]
        changed = {k for k, v in props.items() if previous is None or previous.get(k) != v}
        instance = {k: v for k, v in props.items() if k in known or k in changed}
        kept_for_reads = {k: v for k, v in props.items() if k not in instance}
        links = StoreLinks(self.store, self.types)
        problems = profiles().problems(
            itype.item_type, instance, submitter=not user.admin,
            method="POST" if previous is None else "PATCH", current=previous, links=links)
        errors = [field_error(list(p.path), p.message) for p in problems]
        checked = Checked(dict(instance))
        if not errors:
            for prop in sorted(changed & known.keys()):
                errors += self._check_value(prop, known[prop], user, checked, links)
        if errors:
            raise ValidationFailure(errors)
        for prop in sorted(known.keys() & checked.props.keys()):
            _normalize_links(prop, known[prop], checked, links)
        checked.props.update(kept_for_reads)
        return checked

    def _check_value(self, prop: str, spec: dict[str, Any], user: User, checked: Checked,
                     links: StoreLinks) -> list[dict[str, Any]]:
        value = checked.props[prop]
        if spec.get("attachment"):
            try:
                checked.props[prop], checked.blobs[prop] = ingest(
                    prop, value, spec["properties"]["type"]["enum"])
            except AttachmentError as exc:
                return [field_error([prop, "href"], str(exc))]
            return []
        wanted = _link_to(spec)
        if wanted and spec.get("linkSubmitsFor") and not user.admin:
            target = links.item(value, wanted)
            if target and target.at_id not in user.submits_for:
                return [field_error([prop], f"{value!r} is not in user submits_for")]
        return []


def _normalize_links(prop: str, spec: dict[str, Any], checked: Checked,
                     links: StoreLinks) -> None:
    """Links are stored as @ids, whatever identifier was posted (the portal keeps uuids)."""
    value = checked.props[prop]
    wanted = _link_to(spec)
    if wanted and isinstance(value, str):
        item = links.item(value, wanted)
        checked.props[prop] = item.at_id if item else value
        return
    wanted = _link_to(spec.get("items", {}) if isinstance(spec.get("items"), dict) else {})
    if wanted and isinstance(value, list):
        found = [links.item(v, wanted) if isinstance(v, str) else None for v in value]
        checked.props[prop] = list(dict.fromkeys(
            item.at_id if item else v for item, v in zip(found, value, strict=True)))
