"""POST/PATCH validation with the real portal's rules and 422 messages.

Draft-4 JSON schema first, then what a schema cannot say: links must resolve to the right
type, admin-only fields, the lab must be one the user submits for, alias prefixes must be
registered lab names, file dependencies, and attachment checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft4Validator

from .attachments import AttachmentError, Blob, ingest
from .auth import User
from .identity import resolve
from .problems import ValidationFailure, field_error
from .profiles import file_schema_tables, schema_for
from .store import Store
from .types import ItemType, TypeRegistry

_ALIAS_BODY = r"[a-zA-Z\d_$.+!*,()'-]+(?:\s[a-zA-Z\d_$.+!*,()'-]+)*"
_LAB_NAME = re.compile(r"^[a-z0-9-]+$")
_SIZED_STATUSES = ("in progress", "revoked", "archived", "released")


@dataclass
class Checked:
    """Validated properties with links as @ids, plus attachment blobs to store."""

    props: dict[str, Any]
    blobs: dict[str, Blob] = field(default_factory=dict)


class Validator:
    def __init__(self, store: Store, types: TypeRegistry) -> None:
        self.store = store
        self.types = types

    def check(self, itype: ItemType, props: dict[str, Any], *, user: User,
              previous: dict[str, Any] | None = None) -> Checked:
        """Validate `props` (the whole new object); only changed values face the
        permission, link, alias and attachment rules, as in the real portal."""
        schema = schema_for(itype)
        known = schema["properties"]
        previous = previous or {}
        changed = {k for k, v in props.items() if k not in previous or previous[k] != v}
        instance = {k: v for k, v in props.items() if k in known or k in changed}
        kept_for_reads = {k: v for k, v in props.items() if k not in instance}

        errors = [field_error(list(e.absolute_path), e.message)
                  for e in Draft4Validator(schema).iter_errors(instance)]
        bad_paths = {e["name"][0] for e in errors if e["name"]}
        checked = Checked(dict(instance))
        for prop in sorted(changed & known.keys() - bad_paths):
            spec = known[prop]
            if spec.get("permission") == "import_items" and not user.admin:
                errors.append(field_error([prop], "permission 'import_items' required"))
                continue
            errors += self._check_value(itype, prop, spec, user, checked)
        if itype.item_type == "file":
            errors += _file_rules(checked.props)
        if errors:
            raise ValidationFailure(errors)
        checked.props.update(kept_for_reads)
        return checked

    def _check_value(self, itype: ItemType, prop: str, spec: dict[str, Any], user: User,
                     checked: Checked) -> list[dict[str, Any]]:
        value = checked.props[prop]
        if spec.get("attachment"):
            try:
                checked.props[prop], checked.blobs[prop] = ingest(
                    prop, value, spec["properties"]["type"]["enum"])
            except AttachmentError as exc:
                return [field_error([prop, "href"], str(exc))]
            return []
        items = spec.get("items", {})
        if "linkTo" in spec:
            normalized, errors = self._link(prop, [prop], value, spec, user)
            checked.props[prop] = normalized
            return errors
        if "linkTo" in items:
            results = [self._link(prop, [prop, i], v, items, user) for i, v in enumerate(value)]
            checked.props[prop] = list(dict.fromkeys(r[0] for r in results))
            return [e for _, errs in results for e in errs]
        if items.get("aliasPrefix"):
            return self._alias_errors(prop, value)
        return []

    def _link(self, prop: str, path: list[Any], value: str, spec: dict[str, Any],
              user: User) -> tuple[str, list[dict[str, Any]]]:
        target = resolve(self.store, self.types, value)
        if target is None:
            return value, [field_error(path, f"{value!r} not found")]
        wanted = spec["linkTo"] if isinstance(spec["linkTo"], list) else [spec["linkTo"]]
        if not set(wanted) & set(target.types):
            expected = wanted[0] if len(wanted) == 1 else wanted
            return value, [field_error(path, f"{value!r} is not of type {expected!r}")]
        if spec.get("linkSubmitsFor") and not user.admin and target.at_id not in user.submits_for:
            return value, [field_error(path, f"{target.at_id!r} is not in user submits_for")]
        return target.at_id, []

    def _alias_errors(self, prop: str, aliases: list[str]) -> list[dict[str, Any]]:
        labs = sorted(lab.props["name"] for lab in self.store.items_with_type("Lab")
                      if _LAB_NAME.match(lab.props.get("name", "")))
        pattern = f"^(?:{'|'.join(labs)}):{_ALIAS_BODY}$"
        return [field_error([prop, i], f"{alias!r} does not match {pattern!r}")
                for i, alias in enumerate(aliases) if not re.match(pattern, alias)]


def _file_rules(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The file schema's `dependencies`, which JSON schema would word unreadably."""
    tables = file_schema_tables()
    fmt, output_type = props.get("file_format"), props.get("output_type")
    category = tables["output_type_output_category"].get(output_type)
    raw_only = output_type in tables["assembly_forbidden_output_types"]
    errors = []

    def need(prop: str, reason: str) -> None:
        if prop not in props:
            errors.append(field_error([prop], f"{prop!r} is required {reason}"))

    if fmt in tables["formats_requiring_assembly"] and not raw_only:
        need("assembly", f"for file_format {fmt!r}")
    if fmt in tables["formats_requiring_file_format_type"]:
        need("file_format_type", f"for file_format {fmt!r}")
    if raw_only and "assembly" in props:
        errors.append(field_error(["assembly"], f"'assembly' is not allowed for output_type "
                                                f"{output_type!r}"))
    if category == "raw data" and fmt not in tables["raw_data_file_formats"]:
        errors.append(field_error(["file_format"], f"{fmt!r} is not a raw data file_format "
                                                   f"(output_type {output_type!r})"))
    if fmt == "fastq" and category not in (None, "raw data"):
        errors.append(field_error(["output_type"], f"{output_type!r} is not a raw data "
                                                   "output_type, as fastq files need"))
    if fmt == "fastq":
        need("platform", "for fastq files")
        if output_type not in ("index reads", "R2C2 subreads"):
            need("run_type", "for fastq files")
    if props.get("paired_end") == "2":
        need("paired_with", "when paired_end is '2'")
        if props.get("run_type") != "paired-ended":
            errors.append(field_error(["run_type"], "run_type must be 'paired-ended' when "
                                                    "paired_end is '2'"))
    if props.get("status") in _SIZED_STATUSES:
        need("file_size", f"in status {props['status']!r}")
    if props.get("status") == "content error":
        need("content_error_detail", "in status 'content error'")
    return errors
