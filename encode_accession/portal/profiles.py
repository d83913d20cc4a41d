"""The ENCODE portal's profiles (JSON schemas) and the portal's own validation rules.

The portal validates every POST/PATCH with its type's schema, Draft 4 plus a few keywords of
its own (snovault `schema_utils.SchemaValidator`): `linkTo` (the value names an item of that
type), `permission` (only admins may set it), `notSubmittable`/`calculatedProperty` (nobody
may), `requestMethod` (only on that method). `permission` and `requestMethod` errors are
dropped when the value equals the stored one (snovault's `IgnoreUnchanged`).

A profiles source is either the portal's schemas folder (`src/encoded/schemas/*.json`, where
`mixinProperties` are merged here as snovault's `mixinProperties()` does) or a portal's
`/profiles/?format=json` (already merged). The package ships a compact snapshot generated from
one (`encode-accession portal profiles --from DIR|URL`): the rules, not the prose.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import extend

SNAPSHOT = Path(__file__).parent / "profiles.json"
NOT_PROFILES = ("mixins.json", "namespaces.json")

# Keys that are prose or UI/search configuration, dropped from the snapshot at schema level.
_PROSE = frozenset({
    "description", "comment", "hidden comment", "changelog", "facets", "facet_groups",
    "columns", "boost_values", "es", "formInput", "submissionExample", "enum_descriptions",
    "rdfs:subPropertyOf", "sort_by", "elasticsearch_mapping_index_type", "readonly",
})
# Where a schema nests subschemas: (key, how): "map" = name -> schema, "list", "one".
_NESTED = (("properties", "map"), ("patternProperties", "map"), ("dependencies", "map"),
           ("items", "one"), ("additionalProperties", "one"), ("not", "one"),
           ("anyOf", "list"), ("oneOf", "list"), ("allOf", "list"))
_ENC_ACCESSION = re.compile(r"^ENC(FF|SR|AB|BS|DO|GM|LB|PL|AN)[0-9]{3}[A-Z]{3}$")
_TST_ACCESSION = re.compile(r"^TST(FF|SR|AB|BS|DO|GM|LB|PL|AN)[0-9]{3}([0-9]{3}|[A-Z]{3})$")
_UUID = re.compile(r"(?i)\{?(?:[0-9a-f]{4}-?){8}\}?")


def is_accession(value: str) -> bool:
    """ENCODE or test accession (encoded `schema_formats.is_accession`)."""
    return bool(_ENC_ACCESSION.match(value) or _TST_ACCESSION.match(value))


# -- reading a source ------------------------------------------------------------------------


def _pointer(document: Any, fragment: str) -> Any:
    for part in [p for p in fragment.split("/") if p]:
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document


def _resolve_ref(ref: str, here: str, read: Callable[[str], dict[str, Any]]) -> Any:
    name, _, fragment = ref.partition("#")
    return copy.deepcopy(_pointer(read(name or here), fragment))


def _inline_refs(node: Any, here: str, read: Callable[[str], dict[str, Any]]) -> Any:
    """Replace every `{"$ref": ...}` by what it points to (the portal resolves them lazily)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(_resolve_ref(node["$ref"], here, read), here, read)
        return {k: _inline_refs(v, here, read) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, here, read) for v in node]
    return node


def merge_mixins(schema: dict[str, Any], here: str,
                 read: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """snovault `mixinProperties`: mixins merged key by key (a conflict is an error), then the
    schema's own property keys override theirs."""
    properties: dict[str, dict[str, Any]] = {}
    for mixin in reversed(schema.get("mixinProperties", [])):
        base = _resolve_ref(mixin["$ref"], here, read) if "$ref" in mixin else mixin
        for name, base_prop in base.items():
            prop = properties.setdefault(name, {})
            for key, value in base_prop.items():
                if key in prop and prop[key] != value:
                    raise ValueError(f"{here}: mixin conflict for {name}/{key}")
                prop.setdefault(key, value)
    for name, own in schema.get("properties", {}).items():
        properties.setdefault(name, {}).update(own)
    merged = {k: v for k, v in schema.items() if k != "mixinProperties"}
    merged["properties"] = properties
    return _inline_refs(merged, here, read)


def read_schemas_folder(folder: Path) -> dict[str, dict[str, Any]]:
    """The portal's `src/encoded/schemas/` folder -> merged profiles by item type."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder of portal schemas")
    read = cache(lambda name: json.loads((folder / name).read_text()))
    return {path.stem: merge_mixins(read(path.name), path.name, read)
            for path in sorted(folder.glob("*.json")) if path.name not in NOT_PROFILES}


def from_profiles_document(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A portal's `/profiles/?format=json` (keyed by type name) -> profiles by item type."""
    profiles = {}
    for type_name, schema in document.items():
        if not isinstance(schema, dict) or "properties" not in schema:
            continue
        item_type = Path(schema.get("id") or schema.get("$id") or _snake(type_name)).stem
        profiles[item_type] = schema
    return profiles


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def compact(schema: Any, *, is_schema: bool = True) -> Any:
    """The schema without prose: rules, links, keys and defaults stay."""
    if isinstance(schema, list):
        return [compact(v, is_schema=is_schema) for v in schema]
    if not isinstance(schema, dict) or not is_schema:
        return schema
    out: dict[str, Any] = {}
    nested = dict(_NESTED)
    for key, value in schema.items():
        if key in _PROSE or (key == "title" and "properties" not in schema):
            continue
        how = nested.get(key)
        if how == "map" and isinstance(value, dict):
            out[key] = {name: compact(sub) if isinstance(sub, dict) else sub
                        for name, sub in value.items()}
        elif how in ("one", "list"):
            out[key] = compact(value)
        else:
            out[key] = value
    return out


# -- validation ------------------------------------------------------------------------------


class Links(Protocol):
    """Resolves a link value the way the portal does; None means 'check the shape only'."""

    def find(self, value: str, link_to: list[str]) -> Any | None:
        """The found item (with `.types`, its type names, and `.uuid`), or None."""
        ...


@dataclass(frozen=True)
class Problem:
    """One validation error: where (the property path) and the portal's message."""

    path: tuple[Any, ...]
    message: str

    def __str__(self) -> str:
        where = "/".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


class _IgnoreUnchanged(ValidationError):
    """snovault's IgnoreUnchanged: dropped when the value equals the stored one."""


def _format_checker() -> FormatChecker:
    """The formats the portal checks (jsonschema_serialize_fork + encoded schema_formats)."""
    checker = FormatChecker([])

    @checker.checks("uuid")
    def _uuid(value: object) -> bool:
        return not isinstance(value, str) or bool(_UUID.match(value))

    @checker.checks("accession")
    def _accession(value: object) -> bool:
        return not isinstance(value, str) or is_accession(value)

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or (":" in value and bool(urlsplit(value).scheme))

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        return not isinstance(value, str) or bool(date.fromisoformat(value))

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(datetime.fromisoformat(value))

    @checker.checks("email")
    def _email(value: object) -> bool:
        return not isinstance(value, str) or "@" in value

    return checker


_FORMATS = _format_checker()


@dataclass
class _Request:
    """What the portal's keyword validators ask the request: who, how, and link lookups."""

    admin: bool
    method: str
    links: Links | None


def _validator_class(request: _Request) -> type:
    def link_to(validator: Any, link_to: Any, instance: Any, schema: dict[str, Any],
                ) -> Iterator[ValidationError]:
        if not isinstance(instance, str):
            return
        wanted = [link_to] if isinstance(link_to, str) else list(link_to)
        link_enum = schema.get("linkEnum")
        if request.links is None:  # offline: the shape; a linkEnum only matches its uuids
            if not instance.strip():
                yield ValidationError(f"{instance!r} not found")
            elif link_enum is not None and instance not in link_enum:
                yield ValidationError(
                    f"{instance!r} is not one of {', '.join(repr(w) for w in wanted)}")
            return
        item = request.links.find(instance, wanted)
        if item is None:
            yield ValidationError(f"{instance!r} not found")
            return
        if wanted and not set(item.types) & set(wanted):
            yield ValidationError(
                f"{instance!r} is not of type {', '.join(repr(w) for w in wanted)}")
            return
        if link_enum is not None and item.uuid not in link_enum:
            yield ValidationError(
                f"{instance!r} is not one of {', '.join(repr(w) for w in wanted)}")

    def permission(validator: Any, permission: Any, instance: Any, schema: dict[str, Any],
                   ) -> Iterator[ValidationError]:
        if not request.admin:
            yield _IgnoreUnchanged(f"permission {permission!r} required")

    def request_method(validator: Any, methods: Any, instance: Any, schema: dict[str, Any],
                       ) -> Iterator[ValidationError]:
        methods = [methods] if isinstance(methods, str) else list(methods)
        if request.method not in methods:
            yield _IgnoreUnchanged(f"request method {request.method!r} is not one of "
                                   f"{', '.join(repr(m) for m in methods)}")

    def not_submittable(validator: Any, value: Any, instance: Any, schema: dict[str, Any],
                        ) -> Iterator[ValidationError]:
        yield ValidationError("submission disallowed")

    return extend(Draft4Validator, {
        "linkTo": link_to, "permission": permission, "requestMethod": request_method,
        "notSubmittable": not_submittable, "calculatedProperty": not_submittable,
    })


def _path_of(error: ValidationError) -> tuple[Any, ...]:
    return tuple(error.absolute_path)


def _value_at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


class Profiles:
    """Merged profiles by item type (`file`, `analysis_step_run`, ...) and their rules."""

    def __init__(self, schemas: dict[str, dict[str, Any]]) -> None:
        self.schemas = schemas

    @classmethod
    def load(cls, source: str | Path | None = None) -> Profiles:
        """None: the shipped snapshot; a folder: the portal's schemas folder; a .json file:
        a snapshot or a saved `/profiles/?format=json`; an http(s) URL: a portal."""
        if source is None:
            return _shipped()
        text = str(source)
        if text.startswith(("http://", "https://")):
            return cls(from_profiles_document(_download(text)))
        path = Path(source)
        if path.is_dir():
            return cls(read_schemas_folder(path))
        document = json.loads(path.read_text())
        return cls(document.get("profiles") or from_profiles_document(document))

    # -- lookups -----------------------------------------------------------------------------

    def __contains__(self, item_type: str) -> bool:
        return item_type in self.schemas

    def schema(self, item_type: str) -> dict[str, Any]:
        """The merged profile; raises KeyError naming the type when the portal has none."""
        try:
            return self.schemas[item_type]
        except KeyError:
            raise KeyError(f"the portal has no profile {item_type!r}") from None

    def unique_keys(self, item_type: str) -> dict[str, list[str]]:
        """Key namespace -> properties claiming it (`uniqueKey: true` means `<type>:<prop>`)."""
        keys: dict[str, list[str]] = {}
        for prop, spec in self.schema(item_type)["properties"].items():
            marker = spec.get("uniqueKey") or spec.get("items", {}).get("uniqueKey")
            if marker:
                name = f"{item_type}:{prop}" if marker is True else marker
                keys.setdefault(name, []).append(prop)
        return keys

    def defaults(self, item_type: str) -> dict[str, Any]:
        """Property -> `default` value, filled into what is stored on POST."""
        return {prop: copy.deepcopy(spec["default"])
                for prop, spec in self.schema(item_type)["properties"].items()
                if "default" in spec}

    def server_defaults(self, item_type: str) -> dict[str, str]:
        """Property -> serverDefault factory name (`accession`, `now`, `userid`, `uuid4`)."""
        return {prop: spec["serverDefault"]
                for prop, spec in self.schema(item_type)["properties"].items()
                if "serverDefault" in spec}

    # -- validation --------------------------------------------------------------------------

    def problems(self, item_type: str, item: dict[str, Any], *, submitter: bool = True,
                 method: str = "POST", current: dict[str, Any] | None = None,
                 links: Links | None = None) -> list[Problem]:
        """Every error the portal gives for `item`; `links` finds linked items (None: check
        their shape only). `current` is the stored object on PATCH (its unchanged admin-only
        values pass)."""
        request = _Request(admin=not submitter, method=method, links=links)
        validator = _validator_class(request)(self.schema(item_type), format_checker=_FORMATS)
        found = []
        for error in validator.iter_errors(item):
            path = _path_of(error)
            if isinstance(error, _IgnoreUnchanged) and current is not None:
                try:
                    if _value_at(current, path) == _value_at(item, path):
                        continue
                except (KeyError, IndexError, TypeError):
                    pass
            found.append(Problem(path, error.message))
        return found

    def errors(self, item_type: str, item: dict[str, Any], *, submitter: bool = True,
               ) -> list[str]:
        """The portal's messages for a POST of `item` (empty when valid). Links are checked
        for shape only: the portal also checks that the linked item exists."""
        return [str(p) for p in self.problems(item_type, item, submitter=submitter)]

    def document(self) -> dict[str, Any]:
        """The snapshot file's content."""
        return {"profiles": self.schemas}


def _download(url: str) -> dict[str, Any]:
    import requests

    if "/profiles" not in urlsplit(url).path:
        url = url.rstrip("/") + "/profiles/"
    response = requests.get(url, params={"format": "json"},
                            headers={"Accept": "application/json"}, timeout=120)
    response.raise_for_status()
    return response.json()


@cache
def _shipped() -> Profiles:
    return Profiles.load(SNAPSHOT)


def snapshot(source: str | Path) -> Profiles:
    """Profiles from `source`, compacted for shipping."""
    full = Profiles.load(source)
    return Profiles({name: compact(schema) for name, schema in sorted(full.schemas.items())})


def write_snapshot(profiles: Profiles, output: Path) -> None:
    output.write_text(json.dumps(profiles.document(), indent=None, separators=(",", ":"),
                                 sort_keys=True) + "\n")
