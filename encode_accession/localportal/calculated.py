"""Calculated properties: values the portal derives on read instead of storing.

Each function gets the item and the render context, so it can follow links. Reverse links
are listed separately because they come from the links table, not from the item itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from encode_accession.localportal.identity import PIPELINE_LAB
from encode_accession.localportal.profiles import file_schema_tables
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext

Calc = Callable[[Item, "RenderContext"], Any]

# type name -> property -> (referring @type, referring property)
REVERSE_LINKS: dict[str, dict[str, tuple[str, str]]] = {
    "File": {"quality_metrics": ("QualityMetric", "quality_metric_of"),
             "analyses": ("Analysis", "files"), "superseded_by": ("File", "supersedes")},
    "Dataset": {"files": ("File", "dataset")},
    "Experiment": {"replicates": ("Replicate", "experiment")},
    "AnalysisStep": {"versions": ("AnalysisStepVersion", "analysis_step"),
                     "pipelines": ("Pipeline", "analysis_steps")},
    "Library": {"replicates": ("Replicate", "library")},
    "Software": {"versions": ("SoftwareVersion", "software")},
}

_HIDDEN_FILE_STATUSES = {"revoked", "deleted", "replaced"}
_PUBLIC_STATUSES = {"released", "archived"}
CALCULATED: dict[str, dict[str, Calc]] = {}


def calculated(type_name: str, prop: str) -> Callable[[Calc], Calc]:
    def register(fn: Calc) -> Calc:
        CALCULATED.setdefault(type_name, {})[prop] = fn
        return fn
    return register


def reverse_filter(type_name: str, prop: str, item: Item, referrers: list[Item]) -> list[Item]:
    """Which referrers a reverse link shows: a dataset's `files` follow the portal's status
    rule, and nothing shows deleted objects."""
    if type_name == "Dataset" and prop == "files":
        if item.props.get("status") in _PUBLIC_STATUSES:
            return [f for f in referrers if f.props.get("status") in _PUBLIC_STATUSES]
        return [f for f in referrers if f.props.get("status") not in _HIDDEN_FILE_STATUSES]
    return [r for r in referrers if r.props.get("status") != "deleted"]


# -- File ------------------------------------------------------------------------------

@calculated("File", "title")
def _file_title(item: Item, ctx: RenderContext) -> str:
    return item.props.get("accession") or item.props.get("external_accession") or item.uuid


@calculated("File", "href")
def _file_href(item: Item, ctx: RenderContext) -> str:
    ext = file_schema_tables()["file_format_file_extension"].get(item.props.get("file_format"), "")
    return f"{item.at_id}@@download/{_file_title(item, ctx)}{ext}"


@calculated("File", "file_type")
def _file_type(item: Item, ctx: RenderContext) -> str | None:
    parts = [item.props.get("file_format"), item.props.get("file_format_type")]
    return " ".join(p for p in parts if p) or None


@calculated("File", "output_category")
def _output_category(item: Item, ctx: RenderContext) -> str | None:
    return file_schema_tables()["output_type_output_category"].get(item.props.get("output_type"))


@calculated("File", "analysis_step_version")
def _file_step_version(item: Item, ctx: RenderContext) -> str | None:
    return ctx.linked_prop(item.props.get("step_run"), "analysis_step_version")


@calculated("File", "biological_replicates")
def _bio_reps(item: Item, ctx: RenderContext) -> list[int]:
    number = ctx.linked_prop(item.props.get("replicate"), "biological_replicate_number")
    return [number] if number is not None else []


@calculated("File", "technical_replicates")
def _tech_reps(item: Item, ctx: RenderContext) -> list[str]:
    replicate = item.props.get("replicate")
    bio = ctx.linked_prop(replicate, "biological_replicate_number")
    tech = ctx.linked_prop(replicate, "technical_replicate_number")
    return [f"{bio}_{tech}"] if bio is not None and tech is not None else []


def _from_dataset(prop: str) -> Calc:
    def copy(item: Item, ctx: RenderContext) -> Any:
        return ctx.linked_prop(item.props.get("dataset"), prop)
    return copy


for _prop in ("assay_term_name", "assay_title", "biosample_ontology", "target"):
    calculated("File", _prop)(_from_dataset(_prop))


# -- Datasets --------------------------------------------------------------------------

_ASSAY_TITLES = {
    "RNA-seq": "total RNA-seq", "whole-genome shotgun bisulfite sequencing": "WGBS",
    "single-cell RNA sequencing assay": "scRNA-seq", "single-nucleus ATAC-seq": "snATAC-seq",
    "CRISPR genome editing followed by RNA-seq": "CRISPR RNA-seq",
    "shRNA knockdown followed by RNA-seq": "shRNA RNA-seq",
}


@calculated("Experiment", "assay_title")
def _assay_title(item: Item, ctx: RenderContext) -> str | None:
    term = item.props.get("assay_term_name")
    if term == "ChIP-seq":
        if item.props.get("control_type"):
            return "Control ChIP-seq"
        investigated = ctx.linked_prop(item.props.get("target"), "investigated_as") or []
        return "Histone ChIP-seq" if "histone" in investigated else "TF ChIP-seq"
    return _ASSAY_TITLES.get(term, term)


def _bio_rep_numbers(item: Item, ctx: RenderContext) -> set[int]:
    return {ctx.linked_prop(r, "biological_replicate_number") for r in ctx.prop(item, "replicates")}


@calculated("Experiment", "bio_replicate_count")
def _bio_replicate_count(item: Item, ctx: RenderContext) -> int:
    return len(_bio_rep_numbers(item, ctx))


@calculated("Experiment", "replication_type")
def _replication_type(item: Item, ctx: RenderContext) -> str | None:
    """isogenic when every biological replicate comes from one donor, else anisogenic."""
    if not ctx.prop(item, "replicates"):
        return None
    if len(_bio_rep_numbers(item, ctx)) < 2:
        return "unreplicated"
    donors = set()
    for replicate in ctx.prop(item, "replicates"):
        biosample = ctx.linked_prop(ctx.linked_prop(replicate, "library"), "biosample")
        donors.add(ctx.linked_prop(biosample, "donor"))
    return "isogenic" if len(donors) == 1 else "anisogenic"


@calculated("Dataset", "assembly")
def _dataset_assembly(item: Item, ctx: RenderContext) -> list[str]:
    return sorted({a for f in ctx.prop(item, "files") if (a := ctx.linked_prop(f, "assembly"))})


# -- Biosample ---------------------------------------------------------------------------

def _from_donor(prop: str) -> Calc:
    def copy(item: Item, ctx: RenderContext) -> Any:
        return ctx.linked_prop(item.props.get("donor"), prop)
    return copy


for _prop in ("life_stage", "sex", "age", "age_units", "health_status"):
    calculated("Biosample", _prop)(_from_donor(_prop))


# -- Analysis ----------------------------------------------------------------------------

def _file_values(item: Item, ctx: RenderContext, prop: str) -> list[Any]:
    return [v for f in item.props.get("files", []) if (v := ctx.linked_prop(f, prop))]


@calculated("Analysis", "datasets")
def _analysis_datasets(item: Item, ctx: RenderContext) -> list[str]:
    return list(dict.fromkeys(_file_values(item, ctx, "dataset")))


def _mixed(values: list[str]) -> str | None:
    distinct = set(values)
    return None if not distinct else distinct.pop() if len(distinct) == 1 else "mixed"


@calculated("Analysis", "assembly")
def _analysis_assembly(item: Item, ctx: RenderContext) -> str | None:
    return _mixed(_file_values(item, ctx, "assembly"))


@calculated("Analysis", "genome_annotation")
def _analysis_annotation(item: Item, ctx: RenderContext) -> str | None:
    return _mixed(_file_values(item, ctx, "genome_annotation"))


@calculated("Analysis", "title")
def _analysis_title(item: Item, ctx: RenderContext) -> str:
    """e.g. "ENCODE4 v2.1.0 GRCh38": Uniform for the pipeline lab, Lab custom otherwise."""
    labs = set(_file_values(item, ctx, "lab"))
    if "lab" in item.props:
        labs.add(item.props["lab"])
    if len(labs) > 1:
        prefix = "Mixed pipelines"
    elif labs == {PIPELINE_LAB}:
        rfa = ctx.linked_prop(item.props.get("award"), "rfa")
        prefix = rfa or "Uniform"
    else:
        prefix = "Lab custom"
    parts = [prefix, f"v{item.props['pipeline_version']}" if "pipeline_version" in item.props
             else None, _analysis_assembly(item, ctx)]
    return " ".join(p for p in parts if p)


# -- Others ------------------------------------------------------------------------------

@calculated("AnalysisStep", "current_version")
def _current_version(item: Item, ctx: RenderContext) -> str | None:
    versions = ctx.prop(item, "versions")
    return versions[-1] if versions else None


@calculated("User", "title")
def _user_title(item: Item, ctx: RenderContext) -> str:
    return f"{item.props.get('first_name', '')} {item.props.get('last_name', '')}".strip()


@calculated("Target", "title")
def _target_title(item: Item, ctx: RenderContext) -> str:
    organism = ctx.linked_prop(item.props.get("target_organism"), "scientific_name")
    return f"{item.props.get('label')} ({organism})" if organism else item.props.get("label", "")


@calculated("Publication", "publication_year")
def _publication_year(item: Item, ctx: RenderContext) -> int | None:
    published = item.props.get("date_published", "")
    return int(published[:4]) if published[:4].isdigit() else None
