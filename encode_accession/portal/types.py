"""The portal's item types as a client needs them, from the table generated from encoded's
``src/encoded/types`` (``portal_types.json``, written by ``scripts/portal_types.py``). Only
json is imported: a job that asks for a QC's @type does not load the local portal."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TYPES_TABLE = Path(__file__).resolve().parent / "portal_types.json"


@cache
def types_table() -> dict[str, dict[str, Any]]:
    """@type name (abstract ones too: Dataset, QualityMetric...) -> item_type, collection,
    bases, embedded, name_key, unique_key, abstract."""
    return json.loads(TYPES_TABLE.read_text())


@cache
def _names() -> dict[str, str]:
    return {info["item_type"]: name for name, info in types_table().items()}


def type_name(profile: str) -> str:
    """The portal @type of a profile: ``chip-alignment-samstat-quality-metric`` is
    ChipAlignmentQualityMetric, not its CamelCase; a profile the table lacks is CamelCased."""
    return _names().get(profile.replace("-", "_")) or \
        "".join(p.capitalize() for p in profile.split("-"))
