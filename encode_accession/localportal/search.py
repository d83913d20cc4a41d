"""`/search/`: type selection, filters on embedded paths, free text, Lucene queries, facets,
paging and projection.

Filters follow the portal: the same field repeated is OR, different fields are AND,
`field!=v` negates, `*` tests existence. Paths walk links (e.g. `lab.title`), so any
embedded path works without an index. `searchTerm` matches every word (case-insensitive,
`word*` as a prefix) in the fields the portal indexes for free text (the profile's
`boost_values`; every field of a type without them); `advancedQuery` takes the Lucene
subset tools send (`querytext.py`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from encode_accession.localportal.frames import RenderContext
from encode_accession.localportal.problems import HTTPProblem
from encode_accession.localportal.querytext import Query, parse_query, words
from encode_accession.localportal.store import Item

RESERVED = {"type", "limit", "from", "frame", "field", "format", "datastore", "sort",
            "searchTerm", "advancedQuery", "debug", "mode", "remove", "config"}
DEFAULT_LIMIT = 25
SCAN_LIMIT = 9999
SEARCH_FIELDS = Path(__file__).resolve().parent / "search_fields.json"
DEFAULT_COLUMNS = ("accession", "name", "title", "description", "status")


def values_at(ctx: RenderContext, item: Item, path: list[str]) -> list[Any]:
    return _descend(ctx, ctx.prop(item, path[0]), path[1:])


def _descend(ctx: RenderContext, value: Any, rest: list[str]) -> list[Any]:
    found: list[Any] = []
    for v in value if isinstance(value, list) else [value]:
        if v is None:
            continue
        if not rest:
            found.append(v)
        elif isinstance(v, dict):
            found += _descend(ctx, v.get(rest[0]), rest[1:])
        elif isinstance(v, str) and (linked := ctx.item(v)) is not None:
            found += values_at(ctx, linked, rest)
    return found


Filter = tuple[str, list[str], list[str]]


def _term(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _filters(args: MultiDict) -> list[Filter]:
    """(path, wanted values, excluded values) per filtered field."""
    fields: dict[str, tuple[list[str], list[str]]] = {}
    for key, value in args.items(multi=True):
        negate = key.endswith("!")
        field = key.rstrip("!")
        if field in RESERVED:
            continue
        fields.setdefault(field, ([], []))[1 if negate else 0].append(value)
    return [(field, want, avoid) for field, (want, avoid) in fields.items()]


def _matches(ctx: RenderContext, item: Item, filters: list[Filter]) -> bool:
    for field, want, avoid in filters:
        terms = {_term(v) for v in values_at(ctx, item, field.split("."))}
        if want and not (("*" in want and terms) or terms & set(want)):
            return False
        if avoid and (("*" in avoid and terms) or terms & set(avoid)):
            return False
    return True


@cache
def _boost_values() -> dict[str, list[str]]:
    """Profile name -> the fields its `boost_values` index for free text (generated from the
    portal's schemas by scripts/search_fields.py)."""
    return json.loads(SEARCH_FIELDS.read_text())


def _text_fields(item: Item) -> list[str]:
    return _boost_values().get(item.item_type) or \
        [k for k in item.props if k != "schema_version"]


def _text_of(ctx: RenderContext, item: Item) -> list[str]:
    """The words free text is matched against (lower case)."""
    found: list[str] = []
    for field in _text_fields(item):
        values = item.types if field == "@type" else values_at(ctx, item, field.split("."))
        for value in values:
            if not isinstance(value, dict | list):
                found += words(_term(value))
    return found


def _matches_text(ctx: RenderContext, item: Item, wanted: list[str]) -> bool:
    if not wanted:
        return True
    text = _text_of(ctx, item)
    return all(any(w.startswith(term[:-1]) for w in text) if term.endswith("*")
               else term in text for term in wanted)


def _matches_query(ctx: RenderContext, item: Item, query: Query | None) -> bool:
    if query is None:
        return True
    def values(field: str | None) -> list[str]:
        if field is None:
            return _text_of(ctx, item)
        found = item.types if field == "@type" else values_at(ctx, item, field.split("."))
        return [_term(v) for v in found if not isinstance(v, dict | list)]
    return query.matches(values)


def _facets(ctx: RenderContext, hits: list[Item], fields: list[tuple[str, str]]) -> list[dict]:
    facets = []
    for field, title in [("type", "Data Type"), *fields]:
        counts: Counter[str] = Counter()
        for item in hits:
            values = [t for t in item.types if t != "Item"] if field == "type" \
                else values_at(ctx, item, field.split("."))
            counts.update({_term(v) for v in values if not isinstance(v, dict)})
        if counts:
            terms = [{"key": k, "doc_count": n}
                     for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
            facets.append({"field": field, "title": title, "terms": terms, "total": len(hits),
                           "type": "terms", "appended": False, "open_on_load": False})
    return facets


def _pick(ctx: RenderContext, value: Any, path: list[str]) -> Any:
    """The part of `value` under `path`, shaped like the embedded frame."""
    if isinstance(value, list):
        picked = [p for v in value if (p := _pick(ctx, v, path)) is not None]
        return picked or None
    if isinstance(value, str) and path and (linked := ctx.item(value)) is not None:
        value = ctx.object_frame(linked)
    if not path:
        return value
    if not isinstance(value, dict) or path[0] not in value:
        return None
    sub = _pick(ctx, value[path[0]], path[1:])
    return None if sub is None else {path[0]: sub}


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list) \
                and len(value) == len(into[key]):
            for old, new in zip(into[key], value, strict=True):
                if isinstance(old, dict) and isinstance(new, dict):
                    _merge(old, new)
        else:
            into[key] = value


def _project(ctx: RenderContext, item: Item, fields: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {"@id": item.at_id, "@type": item.types}
    frame = ctx.object_frame(item)
    for field in fields:
        picked = _pick(ctx, frame, field.split("."))
        if picked:
            _merge(result, picked)
    return result


def _sort_key(ctx: RenderContext, field: str) -> Callable[[Item], str]:
    def key(item: Item) -> str:
        value = ctx.prop(item, field)
        return _term(value) if value is not None else ""
    return key


def _int_arg(args: MultiDict, name: str, default: int) -> int:
    raw = args.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise HTTPProblem(400, f"{name} must be an integer, not {raw!r}") from None


def _limit(args: MultiDict) -> int | None:
    """None means everything (`all`, or above the portal's scan threshold)."""
    if args.get("limit") == "all":
        return None
    limit = _int_arg(args, "limit", DEFAULT_LIMIT)
    return None if limit > SCAN_LIMIT else limit


def _without(args: MultiDict, field: str, term: str) -> str:
    kept = [(k, v) for k, v in args.items(multi=True) if (k.rstrip("!"), v) != (field, term)]
    return "/search/?" + urlencode(kept)


def search(ctx: RenderContext, args: MultiDict, url: str,
           visible: Callable[[Item], bool]) -> tuple[int, dict[str, Any]]:
    """Returns (HTTP status, body); 404 with `No results found` when nothing matches. Only
    items `visible` to the caller are hits (the portal filters on each document's
    `principals_allowed.view`), so totals and facets count nothing else."""
    type_names = args.getlist("type") or ["Item"]
    known = ctx.types.known_type_names()
    invalid = [t for t in type_names if t not in known and not ctx.store.count(t)]
    if invalid:
        raise HTTPProblem(400, f"Invalid types: {invalid!r}")
    candidates = {i.uuid: i for t in type_names for i in ctx.store.items_with_type(t)}
    filters = _filters(args)
    text = words(args.get("searchTerm", ""), keep_stars=True)
    query = parse_query(args["advancedQuery"]) if args.get("advancedQuery") else None
    hits = [item for item in candidates.values() if visible(item)
            and _matches(ctx, item, filters) and _matches_query(ctx, item, query)
            and _matches_text(ctx, item, text)]

    sort_fields = [s for s in args.get("sort", "-date_created").split(",") if s]
    for field in reversed(sort_fields):
        hits.sort(key=_sort_key(ctx, field.lstrip("-")), reverse=field.startswith("-"))

    single = ctx.types.lookup(type_names[0]) if len(type_names) == 1 else None
    limit = _limit(args)
    start = _int_arg(args, "from", 0) if limit is not None else 0
    page = hits[start:start + limit] if limit is not None else hits

    fields, frame = args.getlist("field"), args.get("frame")
    columns = fields or list(single.columns if single and single.columns else DEFAULT_COLUMNS)
    if frame in ("object", "embedded") and not fields:
        graph = [ctx.render(item, frame) for item in page]
    else:
        graph = [_project(ctx, item, columns) for item in page]

    type_args = [("type", t) for t in type_names]
    body: dict[str, Any] = {
        "@context": "/terms/", "@graph": graph, "@id": url, "@type": ["Search"],
        "title": "Search", "total": len(hits),
        "notification": "Success" if hits else "No results found",
        "facets": _facets(ctx, hits, list(single.facets) if single else [("status", "Status")]),
        "filters": [{"field": f, "term": v, "remove": _without(args, f, v)}
                    for f, want, avoid in filters for v in want + avoid],
        "clear_filters": "/search/?" + urlencode(type_args),
        "columns": {c: {"title": c} for c in ("@id", *columns)},
        "sort": {f.lstrip("-"): {"order": "desc" if f.startswith("-") else "asc"}
                 for f in sort_fields},
    }
    if limit is not None and limit < len(hits):
        rest = [(k, v) for k, v in args.items(multi=True) if k not in ("limit", "from")]
        body["all"] = "/search/?" + urlencode([*rest, ("limit", "all")])
    return (200 if hits else 404), body
