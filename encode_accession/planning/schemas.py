"""JSON Schema validation with messages that name the file and the path of each problem.

The schemas are the workflow's (``workflow/schemas/``, in the wheel too: see
:mod:`encode_accession.core.resources`), so an installed wheel validates exactly as a clone
does; the Snakefile reads the same files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jsonschema
import yaml

from encode_accession.core.errors import InputError, InputErrors
from encode_accession.core.resources import SCHEMAS


@cache
def load_schema(name: str) -> dict[str, Any]:
    return yaml.safe_load((SCHEMAS / name).read_text())


def validate(data: Any, schema_name: str, source: str) -> None:
    """Raise :class:`InputErrors` listing every violation, each as ``source: path: problem``."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise InputErrors([InputError(source, format_path(e.absolute_path) or "(top level)",
                                      _problem(e)) for e in errors])


def format_path(parts: Iterable[str | int]) -> str:
    """``["accession.steps", 3, "wdl_files", 0]`` -> ``accession.steps[3].wdl_files[0]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem(error: jsonschema.ValidationError) -> str:
    """Short, user-facing wording for the validator's messages."""
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"'{missing}' is required"
    if error.validator == "additionalProperties":
        given = error.instance if isinstance(error.instance, Mapping) else {}
        extra = sorted(set(given) - set(schema.get("properties", {})))
        return "unknown key " + ", ".join(f"'{k}'" for k in extra)
    if schema.get("title") == "flag":
        return f"{error.instance!r} is not a boolean"
    return error.message
