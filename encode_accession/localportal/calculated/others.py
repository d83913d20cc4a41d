"""The smaller types: Publication, Target, Gene, GeneticModification, Platform, User
(encoded `types/__init__.py`, `target.py`, `gene.py`, `genetic_modification.py`,
`user.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encode_accession.localportal.calculated.registry import calculated, filtered_by_status
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext

# encoded `Publication.datasets`: the dataset collections a publication lists.
PUBLICATION_DATASETS = ("/experiments/", "/functional-characterization-experiments/",
                        "/functional-characterization-series/", "/annotations/",
                        "/references/")


@calculated("Publication", "publication_year")
def _publication_year(item: Item, ctx: RenderContext) -> int | None:
    year = str(item.props.get("date_published", ""))[:4]
    return int(year) if year.isdigit() else None


@calculated("Publication", "datasets", always=True)
def _publication_datasets(item: Item, ctx: RenderContext) -> list[str] | None:
    """encoded `Publication.datasets`: experiments, annotations and references citing it."""
    cited = ctx.rev(item, "datasets")
    if not cited:
        return None
    return sorted(filtered_by_status(ctx, [d for d in cited
                                           if d.startswith(PUBLICATION_DATASETS)]))


@calculated("Target", "organism")
def _target_organism(item: Item, ctx: RenderContext) -> str | None:
    """encoded `Target.organism`: target_organism, else the (one) organism of its genes."""
    ref = item.props.get("target_organism")
    if ref is None and item.props.get("genes"):
        organisms = {ctx.stored(g).get("organism") for g in item.props["genes"]}
        ref = organisms.pop() if len(organisms) == 1 else None
    found = ctx.item(ref)
    return found.at_id if found else ref


@calculated("Target", "name")
def _target_name(item: Item, ctx: RenderContext) -> str:
    return item.at_id.rstrip("/").rsplit("/", 1)[-1]


@calculated("Target", "title")
def _target_title(item: Item, ctx: RenderContext) -> str:
    """encoded `Target.title`: `label (Organism scientific name)`, else the capitalised first
    investigated_as (synthetic tags)."""
    organism = ctx.prop(item, "organism")
    source = ctx.linked_prop(organism, "scientific_name") if organism else \
        (item.props.get("investigated_as") or [""])[0].capitalize()
    return f"{item.props.get('label')} ({source})"


@calculated("Gene", "title")
def _gene_title(item: Item, ctx: RenderContext) -> str:
    return f"{item.props.get('symbol')} " \
           f"({ctx.linked_prop(item.props.get('organism'), 'scientific_name')})"


@calculated("GeneticModification", "perturbation")
def _perturbation(item: Item, ctx: RenderContext) -> bool:
    """encoded `GeneticModification.perturbation`: all but tagging insertions and
    non-specific controls."""
    purpose = item.props.get("purpose")
    tagging = item.props.get("category") == "insertion" and purpose == "tagging"
    return not (tagging or purpose == "non-specific target control")


@calculated("Platform", "title")
def _platform_title(item: Item, ctx: RenderContext) -> str | None:
    return item.props.get("term_name")


@calculated("User", "title")
def _user_title(item: Item, ctx: RenderContext) -> str:
    return f"{item.props.get('first_name')} {item.props.get('last_name')}"
