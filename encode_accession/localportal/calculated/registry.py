"""The table of calculated properties and reverse links, and the status rules they share.

Each calculated property is a function of the item and the request's RenderContext (which
follows links and caches), registered for one @type name with `@calculated(type, prop)`,
the local counterpart of one encoded `@calculated_property` (its function is named in each
docstring). Reverse links (encoded's `rev = {...}`) are a separate table because they come
from the store's links, not from the item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext

Calc = Callable[[Item, "RenderContext"], Any]

CALCULATED: dict[str, dict[str, Calc]] = {}
# Properties computed even when the item stores a value of that name: the lists built from
# reverse links, so an object imported with its portal's lists still shows what was linked
# to it since (the stored list is merged in by RenderContext.rev).
ALWAYS: set[tuple[str, str]] = set()

_SUPERSEDABLE = ("Annotation", "DifferentialAccessibilitySeries",
                 "DiseaseSeries", "FlyDonor", "FunctionalCharacterizationExperiment",
                 "HumanDonor", "ManateeDonor", "MouseDonor", "MultiomicsSeries",
                 "ReferenceEpigenome", "SingleCellUnit", "TransgenicEnhancerExperiment",
                 "WormDonor")
# @type -> reverse link -> (the linking @type, its property): encoded's `rev` of each type.
REVERSE_LINKS: dict[str, dict[str, tuple[str, str]]] = {
    "File": {"quality_metrics": ("QualityMetric", "quality_metric_of"),
             "analyses": ("Analysis", "files"), "superseded_by": ("File", "supersedes"),
             "paired_with": ("File", "paired_with")},
    "Dataset": {"original_files": ("File", "dataset")},
    "Experiment": {"replicates": ("Replicate", "experiment"),
                   "related_series": ("Series", "related_datasets"),
                   "superseded_by": ("Experiment", "supersedes"),
                   "related_annotations": ("Annotation", "experimental_input")},
    "FunctionalCharacterizationExperiment": {
        "replicates": ("Replicate", "experiment"),
        "related_series": ("Series", "related_datasets")},
    "SingleCellUnit": {"replicates": ("Replicate", "experiment"),
                       "related_series": ("Series", "related_datasets")},
    "TransgenicEnhancerExperiment": {"related_series": ("Series", "related_datasets")},
    "AnalysisStep": {"versions": ("AnalysisStepVersion", "analysis_step"),
                     "pipelines": ("Pipeline", "analysis_steps")},
    "Analysis": {"superseded_by": ("Analysis", "supersedes")},
    "Software": {"versions": ("SoftwareVersion", "software")},
    "Publication": {"publication_data": ("PublicationData", "references"),
                    "datasets": ("Dataset", "references")},
    "Biosample": {"characterizations": ("BiosampleCharacterization", "characterizes"),
                  "parent_of": ("Biosample", "part_of")},
    "Donor": {"characterizations": ("DonorCharacterization", "characterizes")},
    "HumanDonor": {"children": ("HumanDonor", "parents")},
    "Gene": {"targets": ("Target", "genes")},
    "GeneticModification": {
        "biosamples_modified": ("Biosample", "genetic_modifications"),
        "donors_modified": ("Donor", "genetic_modifications"),
        "characterizations": ("GeneticModificationCharacterization", "characterizes")},
    "AntibodyLot": {
        "characterizations": ("AntibodyCharacterization", "characterizes"),
        "used_by_biosample_characterizations": ("BiosampleCharacterization", "antibody")},
}
for _name in _SUPERSEDABLE:
    REVERSE_LINKS.setdefault(_name, {})["superseded_by"] = (_name, "supersedes")

HIDDEN_STATUSES = ("deleted", "replaced")  # base.py paths_filtered_by_status's default


def calculated(type_name: str, prop: str, *, always: bool = False) -> Callable[[Calc], Calc]:
    def register(fn: Calc) -> Calc:
        CALCULATED.setdefault(type_name, {})[prop] = fn
        if always:
            ALWAYS.add((type_name, prop))
        return fn
    return register


def filtered_by_status(ctx: RenderContext, paths: Iterable[str], *,
                       exclude: tuple[str, ...] = HIDDEN_STATUSES,
                       include: tuple[str, ...] | None = None) -> list[str]:
    """encoded base.py `paths_filtered_by_status`: the links whose item's status is in
    `include`, else not in `exclude`. A link to an item this portal does not hold (an
    imported object's list) is kept: nothing says it should go."""
    kept = []
    for path in dict.fromkeys(paths):
        linked = ctx.item(path)
        status = linked.props.get("status") if linked else None
        if linked is None or (status in include if include is not None
                              else status not in exclude):
            kept.append(path)
    return kept


def _reverse_property(type_name: str, prop: str) -> None:
    def visible(item: Item, ctx: RenderContext) -> list[str]:
        return filtered_by_status(ctx, ctx.rev(item, prop))
    visible.__doc__ = f"encoded {type_name}.{prop}: the reverse links not deleted or replaced."
    calculated(type_name, prop, always=True)(visible)


for _type, _links in REVERSE_LINKS.items():
    for _prop in _links:
        if _prop != "paired_with":  # File.paired_with is a single link (files.py)
            _reverse_property(_type, _prop)
