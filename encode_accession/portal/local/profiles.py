"""JSON schemas ("profiles") per type, assembled from the compact files in schemas/.

Like the real portal, each schema lists its mixins by name; assembling them here keeps the
files short and the shared rules (aliases, attribution, admin-only status) in one place.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from .types import SCHEMA_DIR, ItemType


@cache
def _read(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text())


def file_schema_tables() -> dict[str, Any]:
    """The file schema's lookup tables (extensions, output categories, md5 rules)."""
    return _read("file.json")


@cache
def _build(itype: ItemType) -> dict[str, Any]:
    source = _read(itype.schema_file)
    mixins = _read("mixins.json")
    properties: dict[str, Any] = {}
    for mixin in source.get("mixinProperties", []):
        properties.update(copy.deepcopy(mixins[mixin]))
    properties.update(copy.deepcopy(source.get("properties", {})))
    for prop in itype.attachments:
        properties[prop] = copy.deepcopy(mixins["attachment"]["attachment"])
    if "output_type_output_category" in source:
        categories = list(source["output_type_output_category"])
        properties["output_type"]["oneOf"] = [{"enum": categories}]
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": f"/profiles/{itype.item_type}.json",
        "title": itype.name if itype.schema_file == "quality_metric.json" else source["title"],
        "type": "object",
        "required": [*source.get("required", []), *itype.extra_required],
        "properties": properties,
        "additionalProperties": source.get("additionalProperties", False),
    }


def schema_for(itype: ItemType) -> dict[str, Any]:
    """The assembled schema; callers must not mutate it (it is shared)."""
    return _build(itype)
