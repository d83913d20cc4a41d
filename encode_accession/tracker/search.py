"""Searching the portal for experiments and counting them by facet, through PortalClient.

Users name fields the way the tracker does (assay, organ, organism, ...); this module
maps them to the portal's embedded paths, e.g. organ ->
`biosample_ontology.organ_slims`. A dotted portal path is passed through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.portal.client import PortalClient

PORTAL_FIELDS = {
    "assay": "assay_title",
    "organ": "biosample_ontology.organ_slims",
    "organism": "replicates.library.biosample.donor.organism.scientific_name",
    "biosample": "biosample_ontology.term_name",
    "biosample_type": "biosample_ontology.classification",
    "target": "target.label",
    "status": "status",
    "lab": "lab.title",
    "assembly": "assembly",
    "replication_type": "replication_type",
    "life_stage": "replicates.library.biosample.life_stage",
}
_PROJECTED = {  # row column -> portal path
    "accession": "accession", "assay_title": "assay_title", "target": "target.label",
    "biosample": "biosample_ontology.term_name", "biosample_summary": "biosample_summary",
    "status": "status", "lab": "lab.title", "date_released": "date_released",
}
DEFAULT_LIMIT = 25
Filters = Mapping[str, Sequence[str]]


def portal_field(name: str) -> str:
    if name in PORTAL_FIELDS:
        return PORTAL_FIELDS[name]
    if "." in name or name in PORTAL_FIELDS.values():
        return name
    raise InputError("field", name, "is not a field the tracker knows",
                     f"use one of {', '.join(PORTAL_FIELDS)} or a portal path such as "
                     "biosample_ontology.organ_slims")


def portal_filters(filters: Filters | None) -> list[tuple[str, str]]:
    """Portal query pairs: one field with several values matches any (the portal's OR)."""
    return [(portal_field(name), value) for name, values in (filters or {}).items()
            for value in values if value]


def _at(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, list):
            obj = [v.get(part) for v in obj if isinstance(v, dict)]
            obj = obj[0] if len(obj) == 1 else obj or None
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def hit_row(hit: Mapping[str, Any]) -> dict[str, Any]:
    """A search hit (projected fields) as a flat row."""
    return {column: _at(hit, path) for column, path in _PROJECTED.items()}


_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


def _date(value: str | None, option: str) -> str | None:
    """A date as the portal compares them, checked to be one (2020-13-45 is refused: the
    portal would match nothing and say nothing)."""
    if value in (None, ""):
        return None
    assert value is not None
    fix = "use YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2020-01-31"
    if not _DATE.match(value):
        raise InputError("search", option, f"{value!r} is not a date", fix)
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as exc:
        raise InputError("search", option, f"{value!r} is not a date ({exc})", fix) from None
    return value


def search_params(filters: Filters | None = None, *, limit: int = DEFAULT_LIMIT,
                  offset: int = 0, text: str | None = None, released_from: str | None = None,
                  released_to: str | None = None) -> list[tuple[str, str]]:
    """The portal's /search/ query: filters, free text (`searchTerm`), a release date range
    (`advancedQuery=date_released:[A TO B]`, Lucene, both ends inclusive; `*` for an open
    end) and a page (`limit` from `from`)."""
    if limit < 1:
        raise InputError("search", "--limit", f"{limit} is not a positive number",
                         "use 1 or more")
    if offset < 0:
        raise InputError("search", "--offset", f"{offset} is negative", "use 0 or more")
    start, end = _date(released_from, "--released-from"), _date(released_to, "--released-to")
    if start and end and end < start[:len(end)]:
        raise InputError("search", "--released-to", f"{end} is before --released-from {start}",
                         "give the earlier date as --released-from")
    params = [("type", "Experiment"), *portal_filters(filters)]
    if text and text.strip():
        params.append(("searchTerm", text.strip()))
    if start or end:
        params.append(("advancedQuery", f"date_released:[{start or '*'} TO {end or '*'}]"))
    params += [*[("field", path) for path in _PROJECTED.values()], ("limit", str(limit))]
    return params + ([("from", str(offset))] if offset else [])


def search_experiments(portal: PortalClient, filters: Filters | None = None,
                       limit: int = DEFAULT_LIMIT, *, offset: int = 0, text: str | None = None,
                       released_from: str | None = None,
                       released_to: str | None = None) -> dict[str, Any]:
    """One page of matching experiments (`limit` from `offset`) and how many match in all;
    `next_offset` is where the next page starts (None on the last)."""
    params = search_params(filters, limit=limit, offset=offset, text=text,
                           released_from=released_from, released_to=released_to)
    body = portal.search_raw(params)
    hits = [hit_row(h) for h in body["@graph"]]
    total = body.get("total", 0)
    following = offset + len(hits)
    return {"server": portal.server, "filters": {k: list(v) for k, v in (filters or {}).items()
                                                 if v},
            "text": text or None, "released_from": released_from, "released_to": released_to,
            "total": total, "offset": offset, "limit": limit,
            "next_offset": following if hits and following < total else None,
            "experiments": hits}


def available_facets(portal: PortalClient, filters: Filters | None = None
                     ) -> list[dict[str, Any]]:
    """The experiment facets the server offers, as it reports them (field, title and the
    counts among experiments matching `filters`): what `facet_counts` can answer."""
    body = portal.search_raw([("type", "Experiment"), *portal_filters(filters),
                              ("field", "accession"), ("limit", "0")])
    return [{"field": f["field"], "title": f.get("title", f["field"]),
             "terms": [{"key": t["key"], "count": t["doc_count"]}
                       for t in f.get("terms") or () if t.get("doc_count")]}
            for f in body.get("facets") or () if f.get("field") not in ("type", None)]


def facet_counts(portal: PortalClient, field: str, filters: Filters | None = None
                 ) -> dict[str, Any]:
    """How many experiments have each value of `field` among those matching `filters`."""
    path = portal_field(field)
    body = portal.search_raw([("type", "Experiment"), *portal_filters(filters),
                              ("field", "accession"), ("limit", "0")])
    facets = body.get("facets") or []
    facet = next((f for f in facets if f.get("field") == path), None)
    total = body.get("total", 0)
    if facet is None and total:
        shown = ", ".join(f["field"] for f in facets if f.get("field") != "type")
        raise InputError("facets", field, f"the portal has no facet {path} for experiments",
                         f"use one of: {shown}")
    terms = [{"key": t["key"], "count": t["doc_count"]}
             for t in (facet or {}).get("terms", []) if t.get("doc_count")]
    return {"server": portal.server, "field": path,
            "title": (facet or {}).get("title", field), "total": total,
            "filters": {k: list(v) for k, v in (filters or {}).items() if v}, "terms": terms}
