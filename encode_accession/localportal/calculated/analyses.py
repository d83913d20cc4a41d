"""Analyses, pipeline steps and quality metrics: encoded `types/analysis.py`,
`types/pipeline.py` and `types/quality_metric.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from encode_accession.localportal.calculated.registry import calculated, filtered_by_status
from encode_accession.localportal.identity import PIPELINE_LAB
from encode_accession.localportal.ontology import assay_term_id
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext


# -- Analysis --------------------------------------------------------------------------------

def _file_values(item: Item, ctx: RenderContext, prop: str) -> set[Any]:
    """`prop` of each of the analysis's files, stored value first (encoded
    `try_to_get_field_from_item_with_skip_calculated_first`)."""
    return {v for f in item.props.get("files", []) if (v := ctx.linked_prop(f, prop)) is not None}


def _mixed(values: set[str]) -> str | None:
    return None if not values else values.pop() if len(values) == 1 else "mixed"


@calculated("Analysis", "datasets")
def _analysis_datasets(item: Item, ctx: RenderContext) -> list[str]:
    return sorted(_file_values(item, ctx, "dataset"))


@calculated("Analysis", "assembly")
def _analysis_assembly(item: Item, ctx: RenderContext) -> str | None:
    return _mixed(_file_values(item, ctx, "assembly"))


@calculated("Analysis", "genome_annotation")
def _analysis_annotation(item: Item, ctx: RenderContext) -> str | None:
    return _mixed(_file_values(item, ctx, "genome_annotation"))


@calculated("Analysis", "pipelines")
def _analysis_pipelines(item: Item, ctx: RenderContext) -> list[str]:
    """encoded `Analysis.pipelines`: the pipelines of its files' analysis steps."""
    found: set[str] = set()
    for ref in item.props.get("files", []):
        version = ctx.linked_prop(ref, "analysis_step_version")
        step = ctx.stored(version).get("analysis_step")
        found.update(ctx.linked_prop(step, "pipelines") or [])
    return sorted(found)


@calculated("Analysis", "pipeline_award_rfas")
def _pipeline_award_rfas(item: Item, ctx: RenderContext) -> list[str]:
    return sorted({rfa for p in ctx.prop(item, "pipelines") or []
                   if (rfa := ctx.stored(ctx.stored(p).get("award")).get("rfa"))})


@calculated("Analysis", "pipeline_labs")
def _pipeline_labs(item: Item, ctx: RenderContext) -> list[str]:
    return sorted({lab for p in ctx.prop(item, "pipelines") or []
                   if (lab := ctx.stored(p).get("lab"))})


@calculated("Analysis", "quality_metrics")
def _analysis_quality_metrics(item: Item, ctx: RenderContext) -> list[dict[str, Any]] | None:
    """encoded `Analysis.quality_metrics`: each QC of its files, with the files it is of and
    their biological replicates."""
    found: dict[str, dict[str, Any]] = {}
    for ref in item.props.get("files", []):
        linked = ctx.item(ref)
        if linked is None:
            continue
        reps = ctx.prop(linked, "biological_replicates") or []
        for qm in ctx.prop(linked, "quality_metrics") or []:
            entry = found.setdefault(qm, {"files": [], "biological_replicates": set(),
                                          "quality_metric": qm})
            entry["files"].append(linked.at_id)
            entry["biological_replicates"].update(reps)
    return [{**e, "biological_replicates": sorted(e["biological_replicates"])}
            for e in found.values()] or None


@calculated("Analysis", "title")
def _analysis_title(item: Item, ctx: RenderContext) -> str:
    """encoded `Analysis.title`, e.g. "ENCODE4 v1.1.0 GRCh38 V29": Lab custom, Uniform (or
    its award RFAs) for the pipeline lab's pipelines, Mixed pipelines for several labs."""
    labs = ctx.prop(item, "pipeline_labs") or []
    rfas = ctx.prop(item, "pipeline_award_rfas") or []
    kind = "Lab custom"
    if len(set(labs)) > 1:
        kind = "Mixed pipelines"
    elif labs == [PIPELINE_LAB]:
        kind = "Uniform"
        if rfas:
            kind = ", ".join(rfas) if len(rfas) == 1 else f"Mixed uniform ({', '.join(rfas)})"
    version = item.props.get("pipeline_version")
    assembly = ctx.prop(item, "assembly")
    annotation = ctx.prop(item, "genome_annotation")
    title = kind
    if version and not kind.startswith("Mixed uniform"):
        title += f" v{version}"
    if assembly:
        title += f" {assembly}"
    if annotation and not (annotation == "mixed" and assembly == "mixed"):
        title += f" {annotation}"
    return title


# -- pipeline steps --------------------------------------------------------------------------

@calculated("AnalysisStep", "name")
def _step_name(item: Item, ctx: RenderContext) -> str:
    return f"{item.props.get('step_label')}-v-{item.props.get('major_version')}"


@calculated("AnalysisStep", "current_version", always=True)
def _current_version(item: Item, ctx: RenderContext) -> str | None:
    """encoded `AnalysisStep.current_version`: the visible version of highest minor
    version."""
    versions = [v for v in map(ctx.item, filtered_by_status(ctx, ctx.rev(item, "versions")))
                if v is not None]
    if not versions:
        return None
    return max(versions, key=lambda v: v.props.get("minor_version", 0)).at_id


@calculated("AnalysisStepVersion", "name")
def _step_version_name(item: Item, ctx: RenderContext) -> str:
    step = ctx.stored(item.props.get("analysis_step"))
    return f"{step.get('step_label')}-v-{step.get('major_version')}-" \
           f"{item.props.get('minor_version')}"


# -- quality metrics -------------------------------------------------------------------------

@calculated("QualityMetric", "assay_term_id")
def _qc_assay_term_id(item: Item, ctx: RenderContext) -> str | None:
    """encoded `CalculatedAssayTermID.assay_term_id` (every quality metric has it)."""
    return assay_term_id(item.props.get("assay_term_name"))


@calculated("StarQualityMetric", "read_depth")
def _read_depth(item: Item, ctx: RenderContext) -> int | None:
    unique = item.props.get("Uniquely mapped reads number")
    multi = item.props.get("Number of reads mapped to multiple loci")
    return unique + multi if unique is not None and multi is not None else None


def _usable_fragments(mapped_key: str) -> Any:
    def usable(item: Item, ctx: RenderContext) -> int | None:
        """encoded `usable_fragments`: filtered mapped reads, halved for paired ends."""
        props = item.props
        if props.get("processing_stage") != "filtered" or mapped_key not in props:
            return None
        paired = props.get("read1") not in (None, 0) and props.get("read2") not in (None, 0)
        return int(props[mapped_key] / 2) if paired else int(props[mapped_key])
    return usable


calculated("SamtoolsFlagstatsQualityMetric", "usable_fragments")(_usable_fragments("mapped"))
calculated("ChipAlignmentQualityMetric", "usable_fragments")(_usable_fragments("mapped_reads"))
calculated("AtacAlignmentQualityMetric", "usable_fragments")(_usable_fragments("mapped_reads"))


@calculated("IDRQualityMetric", "frip")
def _idr_frip(item: Item, ctx: RenderContext) -> float | None:
    """encoded `IDRQualityMetric.frip`: the FRiP of the larger of the two peak sets."""
    props = item.props
    if props.get("Np") is None:
        return props.get("Ft")
    if props.get("Nt") is None:
        return props.get("Fp")
    return props.get("Ft") if props["Nt"] >= props["Np"] else props.get("Fp")


@calculated("HistoneChipSeqQualityMetric", "frip")
def _histone_frip(item: Item, ctx: RenderContext) -> float | None:
    frips = [item.props[k] for k in ("Fp", "Ft", "F1", "F2") if item.props.get(k) is not None]
    return max(frips) if frips else None
