"""File: encoded `types/file.py`. Replicates and donors of a processed file come through
`derived_from` back to the files of the same dataset that have a replicate (the raw reads)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from encode_accession.localportal.calculated.registry import calculated
from encode_accession.localportal.profiles import file_schema_tables
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext

# encoded file.py EMBEDDED_DATASET_FIELDS: what a file shows of its dataset.
FROM_DATASET = ("assay_title", "assay_term_name", "annotation_type", "annotation_subtype",
                "biosample_ontology", "simple_biosample_summary", "target", "targets",
                "encyclopedia_version")


def derived_closure(item: Item, ctx: RenderContext) -> list[Item]:
    """encoded `property_closure(request, 'derived_from', uuid)`: the file and everything
    it derives from, transitively, each once (cycles end)."""
    seen: dict[str, Item] = {item.uuid: item}
    frontier = [item]
    while frontier:
        following = []
        for current in frontier:
            for ref in current.props.get("derived_from", []):
                parent = ctx.item(ref)
                if parent is not None and parent.uuid not in seen:
                    seen[parent.uuid] = parent
                    following.append(parent)
        frontier = following
    return list(seen.values())


def _same_dataset_with_replicate(item: Item, ctx: RenderContext) -> list[Item]:
    """The files of the closure in the file's own dataset that name a replicate."""
    dataset = ctx.item(item.props.get("dataset"))
    return [f for f in derived_closure(item, ctx)
            if "replicate" in f.props and dataset is not None
            and (found := ctx.item(f.props.get("dataset"))) is not None
            and found.uuid == dataset.uuid]


def _replicates(item: Item, ctx: RenderContext) -> list[Item]:
    if item.props.get("replicate") is not None:
        own = ctx.item(item.props["replicate"])
        return [own] if own is not None else []
    found = {r.uuid: r for f in _same_dataset_with_replicate(item, ctx)
             if (r := ctx.item(f.props["replicate"])) is not None}
    return list(found.values())


@calculated("File", "biological_replicates")
def _bio_reps(item: Item, ctx: RenderContext) -> list[int]:
    """encoded `File.biological_replicates`."""
    return sorted({r.props["biological_replicate_number"] for r in _replicates(item, ctx)
                   if "biological_replicate_number" in r.props})


@calculated("File", "technical_replicates")
def _tech_reps(item: Item, ctx: RenderContext) -> list[str]:
    """encoded `File.technical_replicates`: `<biological>_<technical>`."""
    return sorted({f"{r.props.get('biological_replicate_number')}_"
                   f"{r.props.get('technical_replicate_number')}"
                   for r in _replicates(item, ctx)})


@calculated("File", "biological_replicates_formatted")
def _bio_reps_formatted(item: Item, ctx: RenderContext) -> str:
    return ", ".join(f"Rep {n}" for n in ctx.prop(item, "biological_replicates") or [])


def _from_replicates(prop: str) -> Any:
    """The replicate's biosample's `prop` for a file with a replicate, else the union of
    that property over the files it derives from (encoded `File.donors`/`origin_batches`)."""
    def values(item: Item, ctx: RenderContext) -> list[str]:
        if item.props.get("replicate") is not None:
            library = ctx.linked_prop(item.props["replicate"], "library")
            value = ctx.linked_prop(ctx.linked_prop(library, "biosample"),
                                    "donor" if prop == "donors" else "origin_batch")
            return [value] if value else []
        found: set[str] = set()
        for parent in _same_dataset_with_replicate(item, ctx):
            found.update(ctx.prop(parent, prop) or [])
        return sorted(found)
    return values


calculated("File", "donors")(_from_replicates("donors"))


@calculated("File", "origin_batches")
def _origin_batches(item: Item, ctx: RenderContext) -> list[str] | None:
    if item.props.get("dataset") is None:
        return None
    return _from_replicates("origin_batches")(item, ctx) or None


@calculated("File", "title")
def _file_title(item: Item, ctx: RenderContext) -> str | None:
    return item.props.get("accession") or item.props.get("external_accession")


@calculated("File", "href")
def _file_href(item: Item, ctx: RenderContext) -> str | None:
    """encoded `File.href`: `<@id>@@download/<accession><extension of its format>`."""
    name = _file_title(item, ctx)
    fmt = item.props.get("file_format")
    if name is None or fmt is None:
        return None
    return f"{item.at_id}@@download/{name}" \
           f"{file_schema_tables()['file_format_file_extension'].get(fmt, '')}"


@calculated("File", "read_length_units")
def _read_length_units(item: Item, ctx: RenderContext) -> str | None:
    has_length = {"read_length", "mapped_read_length"} & item.props.keys()
    return "nt" if has_length else None


@calculated("File", "paired_with", always=True)
def _paired_with(item: Item, ctx: RenderContext) -> str | None:
    """encoded `File.paired_with`: for read 1, the read 2 that names it; else as stored."""
    if item.props.get("paired_end") != "1":
        return item.props.get("paired_with")
    mates = ctx.rev(item, "paired_with")
    return mates[0] if mates else None


@calculated("File", "file_type")
def _file_type(item: Item, ctx: RenderContext) -> str | None:
    fmt, fmt_type = item.props.get("file_format"), item.props.get("file_format_type")
    return f"{fmt} {fmt_type}" if fmt and fmt_type else fmt


@calculated("File", "output_category")
def _output_category(item: Item, ctx: RenderContext) -> str | None:
    return file_schema_tables()["output_type_output_category"].get(item.props.get("output_type"))


@calculated("File", "processed")
def _processed(item: Item, ctx: RenderContext) -> bool | None:
    if "output_type" not in item.props:
        return None
    return _output_category(item, ctx) != "raw data"


@calculated("File", "analysis_step_version")
def _file_step_version(item: Item, ctx: RenderContext) -> str | None:
    version = ctx.linked_prop(item.props.get("step_run"), "analysis_step_version")
    found = ctx.item(version)
    return found.at_id if found else version


def _from_dataset(prop: str) -> Any:
    def copy(item: Item, ctx: RenderContext) -> Any:
        """encoded `File.<prop>`: the dataset's (EMBEDDED_DATASET_FIELDS)."""
        value = ctx.linked_prop(item.props.get("dataset"), prop)
        if prop == "biochemical_inputs":
            return value or None
        return value
    return copy


for _prop in (*FROM_DATASET, "biochemical_inputs"):
    calculated("File", _prop)(_from_dataset(_prop))
