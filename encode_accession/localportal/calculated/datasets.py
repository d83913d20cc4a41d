"""Datasets and experiments: encoded `types/dataset.py` (Dataset), `types/experiment.py` and
the mixins of `types/shared_calculated_properties.py` experiments are made of."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from encode_accession.localportal.calculated import summary
from encode_accession.localportal.calculated.biosamples import sample
from encode_accession.localportal.calculated.registry import calculated, filtered_by_status
from encode_accession.localportal.identity import PIPELINE_LAB
from encode_accession.localportal.ontology import assay_term_id, preferred_name
from encode_accession.localportal.profiles import profiles
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext

_UNRELEASED = ("in progress", "submitted", "deleted", "replaced")
_GONE = ("deleted", "revoked")
_CONTROLLED_ASSAYS = ("eCLIP", "MPRA", "proliferation CRISPR screen",
                      "Flow-FISH CRISPR screen", "FACS CRISPR screen", "CRISPR screen",
                      "STARR-seq", "Mint-ChIP-seq")
_HIC = {"intact": "intact Hi-C", "in situ": "in situ Hi-C", "dilution": "dilution Hi-C"}
# the experiment-like datasets that take the mixins below (encoded's class bases)
EXPERIMENTS = ("Experiment",)


def _original(item: Item, ctx: RenderContext) -> list[str]:
    """Every file naming this dataset, whatever its status (the raw reverse link)."""
    return ctx.rev(item, "original_files")


@calculated("Dataset", "files", always=True)
def _files(item: Item, ctx: RenderContext) -> list[str]:
    """encoded `Dataset.files`: released and archived files of a released dataset, else
    all but revoked, deleted and replaced ones."""
    if item.props.get("status") in ("released", "archived"):
        return filtered_by_status(ctx, _original(item, ctx), include=("released", "archived"))
    return filtered_by_status(ctx, _original(item, ctx),
                              exclude=("revoked", "deleted", "replaced"))


@calculated("Dataset", "revoked_files", always=True)
def _revoked_files(item: Item, ctx: RenderContext) -> list[str]:
    return [f for f in _original(item, ctx) if ctx.stored(f).get("status") == "revoked"]


@calculated("Dataset", "contributing_files", always=True)
def _contributing_files(item: Item, ctx: RenderContext) -> list[str]:
    """encoded `Dataset.contributing_files`: what the dataset's files derive from that is
    not one of them."""
    original = _original(item, ctx)
    parents: dict[str, None] = {}
    for path in original:
        parents.update(dict.fromkeys(filtered_by_status(
            ctx, ctx.stored(path).get("derived_from", []))))
    outside = [p for p in parents if p not in original]
    if item.props.get("status") == "released":
        return filtered_by_status(ctx, outside, include=("released", "archived", "in progress"))
    return filtered_by_status(ctx, outside, exclude=("revoked", "deleted", "replaced"))


@calculated("Dataset", "assembly", always=True)
def _dataset_assembly(item: Item, ctx: RenderContext) -> list[str]:
    """encoded `calculate_assembly`: the assemblies of its released or in-progress files."""
    return sorted({f["assembly"] for f in map(ctx.stored, _original(item, ctx))
                   if f.get("status") in ("released", "in progress") and "assembly" in f})


@calculated("Dataset", "hub")
def _hub(item: Item, ctx: RenderContext) -> str | None:
    return f"{item.at_id}@@hub/hub.txt" if ctx.prop(item, "assembly") else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version or ""))


@calculated("Dataset", "default_analysis")
def _default_analysis(item: Item, ctx: RenderContext) -> str | None:
    """encoded `Dataset.default_analysis`: the best-ranked analysis by status, pipeline
    lab, assembly, annotation, pipeline version and date (released datasets skip unreleased
    analyses)."""
    analyses = item.props.get("analyses")
    if not analyses:
        return None
    status_order = list(reversed(profiles().schema("analysis")["properties"]["status"]["enum"]))
    file_props = profiles().schema("file")["properties"]
    assemblies = list(reversed([*file_props["assembly"]["enum"], "mixed"]))
    annotations = list(reversed([*file_props["genome_annotation"]["enum"], "mixed"]))
    if item.props.get("status") not in _UNRELEASED:
        status_order = [s for s in status_order if s not in _UNRELEASED]
    ranked = []
    for ref in analyses:
        analysis = ctx.item(ref)
        if analysis is None or analysis.props.get("status") not in status_order:
            continue
        assembly = ctx.prop(analysis, "assembly")
        annotation = ctx.prop(analysis, "genome_annotation")
        ranked.append(((status_order.index(analysis.props["status"]),
                        PIPELINE_LAB in (ctx.prop(analysis, "pipeline_labs") or []),
                        assemblies.index(assembly) if assembly in assemblies else 0,
                        annotations.index(annotation) if annotation in annotations else 0,
                        _version_key(analysis.props.get("pipeline_version", "")),
                        analysis.props.get("date_created", "")), analysis.at_id))
    return max(ranked)[1] if ranked else None


# -- experiments ---------------------------------------------------------------------------

def _live(ctx: RenderContext, ref: Any, statuses: tuple[str, ...]) -> Item | None:
    linked = ctx.item(ref)
    return linked if linked is not None and linked.props.get("status") not in statuses \
        else None


def _biosamples(item: Item, ctx: RenderContext, gone: tuple[str, ...] = ("deleted",)
                ) -> list[Item]:
    """The distinct biosamples of the experiment's replicates' libraries, skipping what is
    in a `gone` status at any level."""
    found: dict[str, Item] = {}
    for rep in ctx.rev(item, "replicates"):
        replicate = _live(ctx, rep, gone)
        library = _live(ctx, replicate.props.get("library"), gone) if replicate else None
        biosample = _live(ctx, library.props.get("biosample"), gone) if library else None
        if biosample is not None:
            found.setdefault(biosample.props.get("accession", biosample.uuid), biosample)
    return list(found.values())


def _mixed_biosamples(item: Item, ctx: RenderContext) -> list[Item]:
    found: dict[str, Item] = {}
    for rep in ctx.rev(item, "replicates"):
        replicate = _live(ctx, rep, ("deleted",))
        library = _live(ctx, replicate.props.get("library"), ("deleted",)) if replicate \
            else None
        for ref in (library.props.get("mixed_biosamples", []) if library else []):
            biosample = _live(ctx, ref, ("deleted",))
            if biosample is not None:
                found.setdefault(biosample.props.get("accession", biosample.uuid), biosample)
    return list(found.values())


def _experiment(prop: str) -> Any:
    def register(fn: Any) -> Any:
        for type_name in EXPERIMENTS:
            calculated(type_name, prop)(fn)
        return fn
    return register


@_experiment("biosample_summary")
def _biosample_summary(item: Item, ctx: RenderContext) -> str | None:
    """encoded `CalculatedBiosampleSummary.biosample_summary` (mixed biosamples when the
    libraries name no single biosample)."""
    biosamples = _biosamples(item, ctx) or _mixed_biosamples(item, ctx)
    return summary.experiment_summary([sample(b, ctx, experiment=True) for b in biosamples])


@_experiment("simple_biosample_summary")
def _simple_biosample_summary(item: Item, ctx: RenderContext) -> str:
    return " ".join(sorted({ctx.prop(b, "simple_summary") or ""
                            for b in _biosamples(item, ctx)}))


@_experiment("assay_term_id")
def _assay_term_id(item: Item, ctx: RenderContext) -> str | None:
    return assay_term_id(item.props.get("assay_term_name"))


def _assay_slims(key: str) -> Any:
    def slims(item: Item, ctx: RenderContext) -> list[str] | None:
        """encoded `CalculatedAssaySlims` and friends: the assay term's slims."""
        if "assay_term_name" not in item.props:
            return None
        term = ctx.ontology.term(assay_term_id(item.props["assay_term_name"]))
        return list(term.get(key) or []) if term else []
    return slims


for _prop, _key in (("assay_slims", "assay"), ("category_slims", "category"),
                    ("type_slims", "types"), ("objective_slims", "objectives")):
    _experiment(_prop)(_assay_slims(_key))


def _libraries(item: Item, ctx: RenderContext) -> list[dict[str, Any]]:
    return [ctx.stored(ctx.stored(r).get("library")) for r in ctx.rev(item, "replicates")
            if ctx.stored(r).get("library")]


@_experiment("assay_title")
def _assay_title(item: Item, ctx: RenderContext) -> str | None:
    """encoded `CalculatedAssayTitle.assay_title`: the assay's preferred name, refined for
    ChIP-seq (control, histone or TF), single-nucleus RNA, Hi-C kinds and controls."""
    term = item.props.get("assay_term_name")
    if term is None:
        return None
    term_id = assay_term_id(term)
    loaded = ctx.ontology.term(term_id)
    name = (loaded or {}).get("preferred_name") or preferred_name(term_id) if term_id else ""
    if name == "RNA-seq":
        return "total RNA-seq"
    if name == "scRNA-seq":
        fractions = {ctx.stored(lib.get("biosample")).get("subcellular_fraction_term_name")
                     for lib in _libraries(item, ctx) if lib.get("biosample")} - {None}
        return "snRNA-seq" if fractions == {"nucleus"} else name
    if name == "ChIP-seq":
        if item.props.get("control_type") or item.props.get("target") is None:
            return "Control ChIP-seq"
        investigated = ctx.linked_prop(item.props["target"], "investigated_as") or []
        return "Histone ChIP-seq" if "histone" in investigated else "TF ChIP-seq"
    if name == "Hi-C":
        for library in _libraries(item, ctx):
            kind = library.get("hic_construction")
            if not kind:
                return "Hi-C"
            if kind in _HIC:
                return _HIC[kind]
    if item.props.get("control_type") and term in _CONTROLLED_ASSAYS:
        return f"Control {term}"
    return name or term


@_experiment("replication_type")
def _replication_type(item: Item, ctx: RenderContext) -> str | None:
    """encoded `CalculatedReplicationType.replication_type`: unreplicated below two
    biological replicates; cell lines isogenic; otherwise by donor (one donor: isogenic)."""
    term = item.props.get("assay_term_name")
    if term == "pooled clone sequencing":
        return None
    donors, numbers = [], []
    species = classification = None
    for rep in ctx.rev(item, "replicates"):
        replicate = ctx.stored(rep)
        if replicate.get("status") == "deleted":
            continue
        if "library" not in replicate:
            return None
        library = ctx.stored(replicate["library"])
        if "biosample" not in library:
            return "unreplicated" if term == "RNA Bind-n-Seq" else None
        biosample = ctx.stored(library["biosample"])
        donors.append(biosample.get("donor"))
        numbers.append(replicate.get("biological_replicate_number"))
        species = biosample.get("organism")
        classification = ctx.stored(biosample.get("biosample_ontology")).get("classification")
    if len(set(numbers)) < 2:
        return "unreplicated"
    if classification == "cell line":
        return "isogenic"
    if species != "/organisms/human/":
        return "isogenic" if len(set(donors)) == 1 else "anisogenic"
    if len(set(donors)) == 1:
        return None if donors[0] is None else "isogenic"
    return "anisogenic"


def _live_replicates(item: Item, ctx: RenderContext) -> list[dict[str, Any]]:
    return [r for r in map(ctx.stored, ctx.rev(item, "replicates"))
            if r.get("status") != "deleted"]


@_experiment("bio_replicate_count")
def _bio_replicate_count(item: Item, ctx: RenderContext) -> int:
    return len({r.get("biological_replicate_number") for r in _live_replicates(item, ctx)})


@_experiment("tech_replicate_count")
def _tech_replicate_count(item: Item, ctx: RenderContext) -> int:
    return len(_live_replicates(item, ctx))


@_experiment("perturbed")
def _perturbed(item: Item, ctx: RenderContext) -> bool:
    """encoded `Experiment.perturbed`: any of its biosamples is perturbed."""
    return any(ctx.prop(b, "perturbed") for b in _biosamples(item, ctx, _GONE))


@_experiment("life_stage_age")
def _life_stage_age(item: Item, ctx: RenderContext) -> str | None:
    """encoded `Experiment.life_stage_age`: when all biosamples share one life stage and
    one age display."""
    biosamples = _biosamples(item, ctx, _GONE)
    stages = {s for b in biosamples if (s := ctx.prop(b, "life_stage"))}
    ages = {a for b in biosamples if (a := ctx.prop(b, "age_display"))}
    return f"{stages.pop()} {ages.pop()}" if len(stages) == 1 and len(ages) == 1 else None


@_experiment("protein_tags")
def _protein_tags(item: Item, ctx: RenderContext) -> list[dict[str, Any]] | None:
    """encoded `Experiment.protein_tags`: the tags its biosamples' modifications introduce
    into a target."""
    tags = []
    for biosample in _biosamples(item, ctx, _GONE):
        for ref in ctx.prop(biosample, "applied_modifications") or []:
            mod = ctx.stored(ref)
            for tag in mod.get("introduced_tags") or []:
                if mod.get("modified_site_by_target_id"):
                    tags.append({"location": tag["location"], "name": tag["name"],
                                 "target": mod["modified_site_by_target_id"]})
    return tags or None
