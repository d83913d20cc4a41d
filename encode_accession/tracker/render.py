"""Plain-text views of tracker results for the terminal. Pure: data in, text out.

Text output is for people (aligned, truncated, pluralised); scripts use `--format json`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from encode_accession.tracker.compare import Comparison

MAX_CELL = 42


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _cell(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    text = " ".join(str("" if value is None else value).split())
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """`columns` are (key, header) pairs."""
    cells = [[header for _, header in columns]]
    cells += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in cells)


def _where(filters: Mapping[str, Sequence[str]]) -> str:
    parts = [f"{k}={' or '.join(v)}" for k, v in filters.items() if v]
    return f" where {' and '.join(parts)}" if parts else ""


EXPERIMENT_COLUMNS = (("accession", "accession"), ("assay_title", "assay"),
                      ("target", "target"), ("biosample", "biosample"),
                      ("organism", "organism"), ("status", "status"), ("notes", "notes"))


def experiments_text(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "No tracked experiments match."
    return f"{table(rows, EXPERIMENT_COLUMNS)}\n\n{plural(len(rows), 'experiment')}"


def summary_text(summary: Mapping[str, Any]) -> str:
    lines = [f"{plural(summary['total'], 'tracked experiment')}"]
    if summary.get("filters"):
        how = " (containing)" if summary.get("match") == "contains" else ""
        collection = plural(summary["collection_total"], "tracked experiment")
        lines = [f"{summary['total']} of {collection}{_where(summary['filters'])}{how}"]
    totals = summary.get("totals") or {}
    if totals:
        lines.append("holding " + ", ".join(plural(totals[k], noun) for k, noun in (
            ("publications", "distinct publication"), ("references", "reference"),
            ("derived_files", "derived file"))))
    for field, counts in summary["by"].items():
        lines.append(f"\nBy {field.replace('_', ' ')}:")
        lines += [f"  {value}: {count}" for value, count in counts.items()]
    return "\n".join(lines)


def facets_text(result: Mapping[str, Any]) -> str:
    head = (f"{plural(result['total'], 'experiment')} on {result['server']}"
            f"{_where(result['filters'])}, by {result['title']} ({result['field']}):")
    lines = [head] + [f"  {t['key']}: {plural(t['count'], 'experiment')}"
                      for t in result["terms"]]
    return "\n".join(lines)


SEARCH_COLUMNS = (("accession", "accession"), ("assay_title", "assay"), ("target", "target"),
                  ("biosample", "biosample"), ("status", "status"), ("lab", "lab"))


def available_facets_text(server: str, facets: Sequence[Mapping[str, str]]) -> str:
    lines = [f"{plural(len(facets), 'experiment facet')} on {server}:"]
    return "\n".join(lines + [f"  {f['field']} ({f['title']}): "
                               f"{plural(len(f['terms']), 'value')}" for f in facets])


def search_text(result: Mapping[str, Any]) -> str:
    shown = len(result["experiments"])
    first = result.get("offset", 0) + 1
    page = f" (showing {first}-{first + shown - 1})" if shown < result["total"] else ""
    head = (f"{plural(result['total'], 'experiment')} on {result['server']}"
            f"{_where(result['filters'])}{page}")
    tail = (f"\n\nnext page: --offset {result['next_offset']}"
            if result.get("next_offset") is not None else "")
    return head + (f"\n\n{table(result['experiments'], SEARCH_COLUMNS)}" if shown else "") + tail


def comparison_text(comparison: Comparison) -> str:
    rows = [{"field": f.field, "a": f.a, "b": f.b, "status": f.status,
             "severity": f.severity} for f in comparison.fields]
    columns = (("field", "field"), ("a", comparison.a), ("b", comparison.b),
               ("status", "status"), ("severity", "severity"))
    lines = [f"{comparison.a} vs {comparison.b}: {comparison.verdict}", "", table(rows, columns)]
    if comparison.reasons:
        lines += ["", "Reasons:"] + [f"  - {r}" for r in comparison.reasons]
    return "\n".join(lines)


def references_text(refs: Sequence[Mapping[str, Any]], reference_type: str | None = None) -> str:
    kind = f"{reference_type} " if reference_type else ""
    if not refs:
        return f"No {kind}external references."
    columns = (("experiment_accession", "experiment"), ("reference_type", "type"),
               ("reference_id", "id"), ("origin", "origin"), ("description", "description"))
    experiments = len({r["experiment_accession"] for r in refs})
    return (f"{plural(len(refs), kind + 'reference')} of "
            f"{plural(experiments, 'experiment')}\n\n{table(refs, columns)}")


def track_text(result: Mapping[str, Any]) -> str:
    verb = "tracked" if result["created"] else "updated"
    parts = [plural(result["publications"], "publication"), plural(result["pipelines"], "pipeline"),
             plural(result["quality_metrics"], "QC metric"),
             plural(result["references"], "reference")]
    trimmed = "; raw metadata trimmed to fit 512 KB" if result["raw_metadata_trimmed"] else ""
    if result.get("kept"):
        trimmed += f"; kept the stored {' and '.join(result['kept'])} (not fetched)"
    what = ", ".join(p for p in (result["assay_title"], result["biosample"]) if p)
    return f"{result['accession']}: {verb} ({what}; {', '.join(parts)}{trimmed})"


def untrack_text(result: Mapping[str, Any]) -> str:
    removed = result["removed"]
    gone = [plural(removed[k], noun) for k, noun in (
        ("publications", "publication"), ("pipelines", "pipeline"),
        ("quality_metrics", "QC metric"), ("files", "file"), ("references", "reference"))
        if removed[k]]
    if removed["user_references"]:
        gone.append(f"{removed['user_references']} of them linked by you")
    if result["notes_removed"]:
        gone.append("your notes")
    kept = result["kept_provenance"]
    lines = [f"{result['accession']}: untracked (removed {', '.join(gone) or 'its record'})"]
    if kept:
        lines.append(f"  kept the provenance of {plural(len(kept), 'file')} made from it:")
        lines += [f"    {path}" for path in kept]
    return "\n".join(lines)
