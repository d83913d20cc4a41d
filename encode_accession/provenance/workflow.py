"""The provenance Snakemake glue: `log_outputs` for a user's own rules, config `provenance:`
entries (checked when the Snakefile is parsed) and the jobs of workflow/rules/provenance.smk
(``python -m encode_accession.provenance log|report``, see ``__main__``).

Every job opens the tracker database itself and writes in one short transaction after the
files are read, so many parallel jobs can record into one file (see database/sqlite.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError, InputErrors
from encode_accession.database.sqlite import connect, default_db_path
from encode_accession.provenance.identity import accession_of, canonical_location, slug
from encode_accession.provenance.record import (
    Logged,
    ToolRun,
    canonical_json,
    log_derived,
    log_files,
)
from encode_accession.run.receipts import write_receipt

_ENTRY_KEYS = ("path", "sources", "tool", "tool_version", "parameters", "description")
RECEIPTS = "provenance/logged"


def provenance_receipt(results: str, key: str) -> str:
    """Where the receipt of the config `provenance:` entry ``key`` goes (rule log_derived)."""
    return f"{results}/{RECEIPTS}/{key}.json"


def log_outputs(snakemake: Any, sources: Sequence[str] = (), *,
                inputs: Sequence[str] | None = None, tool: str | None = None,
                tool_version: str | None = None, parameters: Mapping[str, Any] | None = None,
                description: str | None = None, db: str | Path | None = None) -> list[Logged]:
    """Record every output of the running rule (call it from the rule's `script:`).

    Sources are the rule's inputs (files logged by earlier rules; pass `inputs=[...]` to
    choose, `inputs=[]` for none) plus `sources` (accessions). The activity is one per job:
    the rule name, its named params merged with `parameters`, and `tool`/`tool_version`.
    The database is `db`, else config `tracker_db`, else the default.
    """
    used = [str(p) for p in (snakemake.input if inputs is None else inputs)]
    merged = {**_plain(dict(snakemake.params.items())), **(parameters or {})}
    run = ToolRun(tool, tool_version, merged or None, description, snakemake.rule)
    with closing(connect(db or snakemake.config.get("tracker_db"))) as conn:
        return log_files(conn, [str(p) for p in snakemake.output], [*used, *sources], run)


def provenance_entries(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Config `provenance:` as {receipt key: entry}; every bad entry is reported at once.

    Each entry gains `key` (its receipt name: file name and a hash of the resolved path),
    `after` (keys of the entries logging its path sources, which must be logged first) and
    `inputs` (its file and its path sources as written, so the rules making them run first).
    """
    entries: dict[str, dict[str, Any]] = {}
    errors: list[InputError] = []
    for index, raw in enumerate(config.get("provenance") or []):
        try:
            entry = _entry(raw, f"provenance[{index}]")
        except InputError as exc:
            errors.append(exc)
            continue
        if entry["key"] in entries:
            errors.append(InputError("config", f"provenance[{index}]", f"{entry['path']} is "
                                     "listed twice", "list each file once"))
            continue
        entries[entry["key"]] = entry
    if errors:
        raise InputErrors(errors)
    by_location = {e["location"]: key for key, e in entries.items()}
    for entry in entries.values():
        paths = [s for s in entry["sources"] if accession_of(s) is None]
        entry["after"] = sorted({by_location[loc] for loc in map(canonical_location, paths)
                                 if loc in by_location})
        entry["inputs"] = [entry["path"], *paths]
    return entries


def _entry(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or "path" not in raw or not raw.get("sources"):
        raise InputError("config", where, "needs a path and sources",
                         "write {path: ..., sources: [ENCFF..., ...], tool: ...}")
    unknown = sorted(set(raw) - set(_ENTRY_KEYS))
    if unknown:
        raise InputError("config", where, f"unknown key(s) {', '.join(unknown)}",
                         f"use {', '.join(_ENTRY_KEYS)}")
    sources = raw["sources"]
    if isinstance(sources, str) or not all(isinstance(s, str) for s in sources):
        raise InputError("config", f"{where}.sources", "is not a list of text",
                         "write sources: [ENCFF001AAA, results/filtered.bed]")
    for name in ("path", "tool", "tool_version", "description"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str | int | float):
            raise InputError("config", f"{where}.{name}", "is not text", f"quote the {name}")
    canonical_json(raw.get("parameters"))
    location = canonical_location(str(raw["path"]))
    key = f"{slug(Path(location).name)}-{hashlib.sha256(location.encode()).hexdigest()[:10]}"
    return {"key": key, "path": str(raw["path"]), "location": location,
            "sources": list(sources), "tool": _text(raw.get("tool")),
            "tool_version": _text(raw.get("tool_version")),
            "parameters": raw.get("parameters"), "description": _text(raw.get("description"))}


def log_entry_to_receipt(entry: Mapping[str, Any], receipt: str | Path, *,
                         db: str | Path | None = None) -> Logged:
    """What rule log_derived runs: log one config entry, then write its receipt (after the
    commit, so a receipt always means "recorded")."""
    db_path = Path(db).expanduser() if db else default_db_path()
    with closing(connect(db_path)) as conn:
        result = log_derived(conn, entry["path"], entry["sources"], tool=entry["tool"],
                             tool_version=entry["tool_version"],
                             parameters=entry["parameters"], description=entry["description"])
    write_receipt(receipt, {**result.as_dict(), "db": str(db_path)})
    return result


def report_to(output: str | Path, *, db: str | Path | None = None) -> list[Path]:
    """What rule report runs: the HTML, PROV-JSON and RO-Crate of the whole database."""
    with closing(connect(db)) as conn:
        from encode_accession.provenance.report import (
            write_report,  # its RO-Crate library only when reporting
        )

        return write_report(conn, output)


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Rule params as JSON values (paths, callables and other objects as their text)."""
    return json.loads(canonical_json(dict(values), lenient=True) or "{}")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)

