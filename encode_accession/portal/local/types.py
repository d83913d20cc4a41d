"""The item types the local portal knows: names, collections, @id rules, embedding and facets.

Everything the portal decides per type lives in this one table so that routing, identity,
rendering and search agree on what a "file" or an "experiment" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .profiles import profiles


@dataclass(frozen=True)
class ItemType:
    """One portal type (its profile is `item_type`'s). `name_template` builds the @id name
    from properties (dots follow links); without it the name is the accession, else the uuid.
    `embedded` follows the type's `embedded` list in encoded's src/encoded/types/*.py."""

    item_type: str
    name: str
    collection: str
    bases: tuple[str, ...] = ()
    accession_prefix: str | None = None
    name_template: str | None = None
    embedded: tuple[str, ...] = ()
    facets: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    @property
    def types(self) -> list[str]:
        return [self.name, *self.bases, "Item"]


_STATUS = ("status", "Status")
_LAB = ("lab.title", "Lab")
# encoded src/encoded/types/dataset.py Dataset.embedded (+ embedded_with_frame paths)
_DATASET_EMBEDDED = (
    "analyses", "analyses.quality_metrics.quality_metric", "files", "files.replicate",
    "files.replicate.experiment", "files.replicate.experiment.lab",
    "files.replicate.experiment.target", "files.replicate.experiment.target.genes",
    "files.submitted_by", "files.lab", "revoked_files", "revoked_files.replicate",
    "submitted_by", "lab", "award.pi.lab", "references", "files.analyses", "documents",
)

_BASE_TYPES: tuple[ItemType, ...] = (
    ItemType(
        "file", "File", "files", accession_prefix="FF",
        # encoded src/encoded/types/file.py File.embedded
        embedded=("platform", "award", "award.pi", "award.pi.lab", "replicate",
                  "replicate.experiment", "replicate.experiment.lab",
                  "replicate.experiment.target", "replicate.library", "lab", "submitted_by",
                  "analysis_step_version.analysis_step",
                  "analysis_step_version.analysis_step.pipelines",
                  "analysis_step_version.software_versions",
                  "analysis_step_version.software_versions.software", "quality_metrics",
                  "step_run", "biosample_ontology", "target", "targets", "analyses"),
        facets=(("file_format", "File format"), ("output_type", "Output type"),
                ("output_category", "Output category"), ("assembly", "Genome assembly"),
                _STATUS, _LAB),
        columns=("accession", "title", "dataset", "file_format", "file_type", "output_type",
                 "output_category", "assembly", "status", "file_size", "lab", "award"),
    ),
    ItemType(
        "experiment", "Experiment", "experiments", bases=("Dataset",),
        accession_prefix="SR",
        # encoded src/encoded/types/experiment.py Experiment.embedded (the paths to types
        # this portal has)
        embedded=(*_DATASET_EMBEDDED, "biosample_ontology", "files.platform",
                  "files.analysis_step_version.analysis_step",
                  "files.analysis_step_version.analysis_step.pipelines",
                  "files.quality_metrics", "replicates.antibody", "replicates.library",
                  "replicates.library.biosample.biosample_ontology",
                  "replicates.library.biosample.submitted_by",
                  "replicates.library.biosample.source", "replicates.library.biosample.organism",
                  "replicates.library.biosample.donor",
                  "replicates.library.biosample.donor.organism",
                  "replicates.library.biosample.treatments",
                  "replicates.library.construction_platform", "replicates.library.treatments",
                  "possible_controls", "target.genes", "target.organism"),
        facets=(("assay_title", "Assay title"), _STATUS,
                ("replicates.library.biosample.donor.organism.scientific_name", "Organism"),
                ("biosample_ontology.classification", "Biosample classification"),
                ("biosample_ontology.term_name", "Biosample"),
                ("biosample_ontology.organ_slims", "Organ"),
                ("target.label", "Target of assay"), _LAB, ("replication_type", "Replication type"),
                ("assembly", "Genome assembly")),
        columns=("accession", "assay_title", "assay_term_name", "target", "biosample_ontology",
                 "description", "lab", "status", "replication_type"),
    ),
    ItemType("annotation", "Annotation", "annotations",
             bases=("FileSet", "Dataset"), accession_prefix="SR", embedded=_DATASET_EMBEDDED,
             facets=(("annotation_type", "Annotation type"), _STATUS, _LAB),
             columns=("accession", "annotation_type", "description", "lab", "status")),
    ItemType("reference", "Reference", "references",
             bases=("FileSet", "Dataset"), accession_prefix="SR", embedded=_DATASET_EMBEDDED,
             facets=(("reference_type", "Reference type"), _STATUS, _LAB),
             columns=("accession", "reference_type", "description", "lab", "status")),
    ItemType("replicate", "Replicate", "replicates",
             # encoded src/encoded/types/experiment.py Replicate.embedded
             embedded=("antibody", "experiment", "library", "library.biosample",
                       "library.biosample.donor", "library.biosample.donor.organism")),
    ItemType("library", "Library", "libraries", accession_prefix="LB",
             embedded=("biosample", "biosample.organism", "biosample.donor")),
    ItemType("biosample", "Biosample", "biosamples", accession_prefix="BS",
             embedded=("organism", "donor", "donor.organism", "biosample_ontology", "source")),
    ItemType("human_donor", "HumanDonor", "human-donors", bases=("Donor",),
             accession_prefix="DO", embedded=("organism",)),
    ItemType("mouse_donor", "MouseDonor", "mouse-donors", bases=("Donor",),
             accession_prefix="DO", embedded=("organism",)),
    ItemType("biosample_type", "BiosampleType", "biosample-types",
             name_template="{classification}_{term_id}"),
    ItemType("organism", "Organism", "organisms", name_template="{name}"),
    ItemType("target", "Target", "targets",
             name_template="{label}-{target_organism.name}", embedded=("target_organism",)),
    ItemType("lab", "Lab", "labs", name_template="{name}"),
    ItemType("award", "Award", "awards", name_template="{name}"),
    ItemType("user", "User", "users", embedded=("lab",)),
    ItemType("access_key", "AccessKey", "access-keys",
             name_template="{access_key_id}", hidden=("secret_access_key_hash",)),
    ItemType("source", "Source", "sources", name_template="{name}"),
    ItemType("publication", "Publication", "publications"),
    ItemType("analysis_step", "AnalysisStep", "analysis-steps",
             name_template="{step_label}-v-{major_version}"),
    ItemType("analysis_step_version", "AnalysisStepVersion", "analysis-step-versions",
             name_template="{analysis_step.step_label}-v-{analysis_step.major_version}-{minor_version}",
             embedded=("analysis_step", "software_versions", "software_versions.software")),
    ItemType("analysis_step_run", "AnalysisStepRun", "analysis-step-runs",
             embedded=("analysis_step_version", "analysis_step_version.analysis_step")),
    ItemType("analysis", "Analysis", "analyses", accession_prefix="AN",
             # encoded src/encoded/types/analysis.py Analysis.embedded
             embedded=("files", "files.quality_metrics", "pipeline_labs", "quality_metrics",
                       "quality_metrics.quality_metric")),
    ItemType("software", "Software", "software", name_template="{name}"),
    ItemType("software_version", "SoftwareVersion", "software-versions",
             embedded=("software",)),
    ItemType("pipeline", "Pipeline", "pipelines", accession_prefix="PL",
             embedded=("analysis_steps",)),
    ItemType("platform", "Platform", "platforms", name_template="{term_id}"),
    ItemType("document", "Document", "documents", embedded=("lab", "award")),
)


def _camel(item_type: str) -> str:
    return "".join(part.capitalize() for part in item_type.split("_"))


# encoded src/encoded/types/quality_metric.py: collection names that are not the plural
_QC_COLLECTIONS = {
    "atac_library_complexity_quality_metric": "atac-library-quality-metrics",
    "chip_alignment_samstat_quality_metric": "chip-alignment-quality-metrics",
    "sc_atac_counts_summary_quality_metric": "sc-atac-counts-summary-quality-metric",
    "scrna_seq_counts_summary_quality_metric": "scrna-seq-counts-summary-quality-metric",
    "star_solo_quality_metric": "star-solo-quality-metric",
    "segway_quality_metric": "segway-quality-metric",
}


def attachment_properties(item_type: str) -> tuple[str, ...]:
    """The profile's attachment properties (`"attachment": true`)."""
    props = profiles().schema(item_type)["properties"]
    return tuple(name for name, spec in props.items() if spec.get("attachment"))


def _quality_metric_types() -> tuple[ItemType, ...]:
    """Every concrete quality metric profile, one type each."""
    return tuple(
        ItemType(item_type, _camel(item_type),
                 _QC_COLLECTIONS.get(item_type, item_type.replace("_", "-") + "s"),
                 bases=("QualityMetric",), attachments=attachment_properties(item_type),
                 embedded=("step_run", "quality_metric_of"))
        for item_type in sorted(profiles().schemas)
        if item_type.endswith("_quality_metric") and item_type != "quality_metric")


class TypeRegistry:
    """Looks types up by any of the names the real portal accepts in a URL or a POST."""

    def __init__(self, types: tuple[ItemType, ...]) -> None:
        self.all = types
        self._by_key: dict[str, ItemType] = {}
        for itype in types:
            hyphen = itype.item_type.replace("_", "-")
            for key in (itype.item_type, itype.name, itype.collection, hyphen, hyphen + "s"):
                self._by_key.setdefault(key.lower(), itype)

    def lookup(self, name: str) -> ItemType | None:
        """By item_type, @type name, collection name or hyphenated profile name."""
        return self._by_key.get(name.strip("/").lower())

    def by_collection(self, collection: str) -> ItemType | None:
        itype = self.lookup(collection)
        return itype if itype and itype.collection == collection else None

    def known_type_names(self) -> set[str]:
        return {name for t in self.all for name in t.types}


@cache
def registry() -> TypeRegistry:
    return TypeRegistry(_BASE_TYPES + _quality_metric_types())
