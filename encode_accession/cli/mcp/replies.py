"""Bounded replies: what one MCP tool reply may hold, and the shapes it holds it in.

An assistant reads every byte of a reply into its context, so no reply may grow with the
collection: at 20,000 experiments an unbounded list was 19.9 MB. Here:
- a `limit` above a tool's maximum is clamped to it, with a notice saying so;
- rows are added to a page only while its JSON text stays under TEXT_BUDGET (the reply
  also carries the same data as structured content, so the whole reply stays under 64 KB);
  a page cut short says `truncated` and where the next one starts (`next_offset`);
- text output (CSV, BibTeX, ...) over INLINE_MAX is not inlined: it is written to the path
  the caller named, or handed back as a resource link the client reads when it wants it;
- every reply states `reply_bytes`, the size of its JSON text.

The output models are the tools' published output schemas (extra fields allowed, so a
field added later is not a breaking change).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mcp_types import CallToolResult, ContentBlock, ResourceLink, TextContent
from pydantic import BaseModel, ConfigDict, Field

from encode_accession.core.errors import InputError

TEXT_BUDGET = 24_000  # bytes of a reply's JSON text (twice that on the wire, with its copy)
INLINE_MAX = 24_000  # text output returned inline up to this; larger: a file or a link
LIST_MAX = 200  # experiments per page of encode_list_tracked
SEARCH_MAX = 100  # portal hits per page of encode_search_experiments
REFERENCES_MAX = 500  # references per page of encode_get_references
BATCH_MAX = 500  # accessions per encode_track_experiments call


def clamp(tool: str, name: str, value: int, maximum: int) -> tuple[int, list[str]]:
    """`value` within 1..maximum: below 1 is an error, above is clamped with a notice."""
    if value < 1:
        raise InputError(tool, name, f"{value} is not a positive number",
                         f"give 1 to {maximum}")
    if value > maximum:
        return maximum, [f"{name}={value:,} is more than one reply holds; clamped to "
                         f"{maximum} (page on with offset=next_offset)"]
    return value, []


def check_offset(tool: str, offset: int) -> None:
    if offset < 0:
        raise InputError(tool, "offset", f"{offset} is negative", "give 0 or more")


def fit(rows: Sequence[Any], budget: int = TEXT_BUDGET) -> tuple[list[Any], bool]:
    """The leading rows whose JSON fits in `budget` bytes (at least one), and whether any
    were left out."""
    kept: list[Any] = []
    used = 0
    for row in rows:
        used += len(json.dumps(row, ensure_ascii=False, default=str).encode()) + 2
        if kept and used > budget:
            return kept, True
        kept.append(row)
    return kept, False


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":"))


def reply(payload: dict[str, Any], *, links: Sequence[ResourceLink] = ()) -> CallToolResult:
    """The tool result: `payload` as JSON text and as structured content, with whether it
    was cut (`truncated`, `notices`), its own size (`reply_bytes`: the JSON text, this field
    included) and any resource links."""
    payload = {"truncated": False, "notices": [], **payload, "reply_bytes": 0}
    for _ in range(3):  # the size's own digits change the size: settle it
        size = len(_text(payload).encode())
        if size == payload["reply_bytes"]:
            break
        payload["reply_bytes"] = size
    content: list[ContentBlock] = [TextContent(type="text", text=_text(payload)), *links]
    return CallToolResult(content=content, structured_content=json.loads(_text(payload)))


def link(uri: str, name: str, *, mime_type: str, size: int, description: str) -> ResourceLink:
    return ResourceLink(type="resource_link", uri=uri, name=name, mime_type=mime_type,
                        size=size, description=description)


def write_new_file(path: str, text: str, where: str) -> Path:
    """Write `text` to a file that does not exist yet (what a user stored is never replaced);
    the folder must exist. Written whole or not at all."""
    target = Path(path).expanduser()
    if not target.is_absolute():
        raise InputError(where, "output_path", f"{path} is not an absolute path",
                         "give the full path of the file to write, e.g. /home/me/export.csv")
    if target.exists():
        raise InputError(where, "output_path", f"{target} already exists",
                         "give the path of a new file (an existing one is never replaced)")
    if not target.parent.is_dir():
        raise InputError(where, "output_path", f"folder {target.parent} does not exist",
                         "create it first, or write to an existing folder")
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8", newline="")
    try:
        os.link(partial, target)  # fails if the file appeared meanwhile: never replaced
    except FileExistsError:
        raise InputError(where, "output_path", f"{target} already exists",
                         "give the path of a new file") from None
    finally:
        partial.unlink()
    return target


# -- output schemas ----------------------------------------------------------------------------

class Reply(BaseModel):
    """What every bounded reply says about itself."""

    model_config = ConfigDict(extra="allow")
    reply_bytes: int = Field(description="size of this reply's JSON text, in bytes")
    truncated: bool = Field(False, description="true when the reply holds less than asked")
    notices: list[str] = Field(default_factory=list,
                               description="limits applied, fields kept, checks not made")


class Page(Reply):
    offset: int = Field(description="index of the first item in this page")
    limit: int = Field(description="the page size used (after clamping)")
    count: int = Field(description="items in this page")
    total: int = Field(description="items matching in all")
    next_offset: int | None = Field(description="offset of the next page; null on the last")


class ExperimentPage(Page):
    experiments: list[dict[str, Any]]
    collection_total: int = Field(description="experiments tracked in all")


class ReferencePage(Page):
    references: list[dict[str, Any]]


class SearchPage(Page):
    experiments: list[dict[str, Any]]
    server: str


class Tracked(Reply):
    tracking: dict[str, Any] = Field(description="what was stored: counts, times, notes, "
                                                 "parts kept from the earlier track")


class TrackedMany(Reply):
    results: list[dict[str, Any]] = Field(description="per accession, in order: ok and the "
                                                      "tracking fields, or ok=false and error")
    tracked: int
    failed: int


class Untracked(Reply):
    accession: str
    removed: dict[str, int]
    kept_provenance: list[str] = Field(description="logged files still made from it")


class Summary(Reply):
    total: int
    collection_total: int
    totals: dict[str, int] = Field(description="experiments, distinct publications, "
                                               "references and derived files")
    by: dict[str, dict[str, int]] = Field(description="field -> value -> experiments")


class TextOutput(Reply):
    """An export or bibliography: inline when small, else in a file or behind a link."""

    format: str
    items: int = Field(description="rows exported or citations written")
    bytes: int = Field(description="size of the whole text")
    data: str | None = Field(None, description="the text itself, when it is small enough")
    path: str | None = Field(None, description="the file it was written to")
    resource_uri: str | None = Field(None, description="where to read it (resources/read)")


class Record(Reply):
    """A single result passed through as the command line's --format json prints it."""
