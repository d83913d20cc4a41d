"""The item types the local portal knows: names, collections, @id rules, embedding and facets.

Everything the portal decides per type lives in this one table so that routing, identity,
rendering and search agree on what a "file" or an "experiment" is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).parent / "schemas"


@dataclass(frozen=True)
class ItemType:
    """One portal type. `name_template` builds the @id name from properties (dots follow
    links); without it the name is the accession, else the uuid."""

    item_type: str
    name: str
    collection: str
    schema_file: str
    bases: tuple[str, ...] = ()
    accession_prefix: str | None = None
    name_template: str | None = None
    embedded: tuple[str, ...] = ()
    facets: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    extra_required: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    @property
    def types(self) -> list[str]:
        return [self.name, *self.bases, "Item"]


_STATUS = ("status", "Status")
_LAB = ("lab.title", "Lab")
_DATASET_EMBEDDED = (
    "lab", "award", "submitted_by", "biosample_ontology", "references", "documents",
    "files", "files.quality_metrics", "files.analysis_step_version",
    "files.analysis_step_version.analysis_step",
    "files.analysis_step_version.analysis_step.pipelines",
    "analyses",
)

_BASE_TYPES: tuple[ItemType, ...] = (
    ItemType(
        "file", "File", "files", "file.json", accession_prefix="FF",
        embedded=("lab", "award", "platform", "replicate", "replicate.library", "quality_metrics",
                  "step_run", "analysis_step_version", "analysis_step_version.analysis_step",
                  "analysis_step_version.analysis_step.pipelines", "submitted_by"),
        facets=(("file_format", "File format"), ("output_type", "Output type"),
                ("output_category", "Output category"), ("assembly", "Genome assembly"),
                _STATUS, _LAB),
        columns=("accession", "title", "dataset", "file_format", "file_type", "output_type",
                 "output_category", "assembly", "status", "file_size", "lab", "award"),
    ),
    ItemType(
        "experiment", "Experiment", "experiments", "experiment.json", bases=("Dataset",),
        accession_prefix="SR",
        embedded=(*_DATASET_EMBEDDED, "target", "target.target_organism", "possible_controls",
                  "replicates", "replicates.library", "replicates.library.biosample",
                  "replicates.library.biosample.organism", "replicates.library.biosample.donor",
                  "replicates.library.biosample.donor.organism",
                  "replicates.library.biosample.biosample_ontology"),
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
    ItemType("annotation", "Annotation", "annotations", "file_set.json",
             bases=("FileSet", "Dataset"), accession_prefix="SR", embedded=_DATASET_EMBEDDED,
             facets=(("annotation_type", "Annotation type"), _STATUS, _LAB),
             columns=("accession", "annotation_type", "description", "lab", "status")),
    ItemType("reference", "Reference", "references", "file_set.json",
             bases=("FileSet", "Dataset"), accession_prefix="SR", embedded=_DATASET_EMBEDDED,
             facets=(("reference_type", "Reference type"), _STATUS, _LAB),
             columns=("accession", "reference_type", "description", "lab", "status")),
    ItemType("replicate", "Replicate", "replicates", "replicate.json",
             embedded=("library", "library.biosample")),
    ItemType("library", "Library", "libraries", "library.json", accession_prefix="LB",
             embedded=("biosample", "biosample.organism", "biosample.donor")),
    ItemType("biosample", "Biosample", "biosamples", "biosample.json", accession_prefix="BS",
             embedded=("organism", "donor", "donor.organism", "biosample_ontology", "source")),
    ItemType("human_donor", "HumanDonor", "human-donors", "donor.json", bases=("Donor",),
             accession_prefix="DO", embedded=("organism",)),
    ItemType("mouse_donor", "MouseDonor", "mouse-donors", "donor.json", bases=("Donor",),
             accession_prefix="DO", embedded=("organism",)),
    ItemType("biosample_type", "BiosampleType", "biosample-types", "biosample_type.json",
             name_template="{classification}_{term_id}"),
    ItemType("organism", "Organism", "organisms", "organism.json", name_template="{name}"),
    ItemType("target", "Target", "targets", "target.json",
             name_template="{label}-{target_organism.name}", embedded=("target_organism",)),
    ItemType("lab", "Lab", "labs", "lab.json", name_template="{name}"),
    ItemType("award", "Award", "awards", "award.json", name_template="{name}"),
    ItemType("user", "User", "users", "user.json", embedded=("lab",)),
    ItemType("access_key", "AccessKey", "access-keys", "access_key.json",
             name_template="{access_key_id}", hidden=("secret_access_key_hash",)),
    ItemType("source", "Source", "sources", "source.json", name_template="{name}"),
    ItemType("publication", "Publication", "publications", "publication.json"),
    ItemType("analysis_step", "AnalysisStep", "analysis-steps", "analysis_step.json",
             name_template="{step_label}-v-{major_version}"),
    ItemType("analysis_step_version", "AnalysisStepVersion", "analysis-step-versions",
             "analysis_step_version.json",
             name_template="{analysis_step.step_label}-v-{analysis_step.major_version}-{minor_version}",
             embedded=("analysis_step", "software_versions", "software_versions.software")),
    ItemType("analysis_step_run", "AnalysisStepRun", "analysis-step-runs", "analysis_step_run.json",
             embedded=("analysis_step_version", "analysis_step_version.analysis_step")),
    ItemType("analysis", "Analysis", "analyses", "analysis.json", accession_prefix="AN",
             embedded=("files", "documents", "lab", "award")),
    ItemType("software", "Software", "software", "software.json", name_template="{name}"),
    ItemType("software_version", "SoftwareVersion", "software-versions", "software_version.json",
             embedded=("software",)),
    ItemType("pipeline", "Pipeline", "pipelines", "pipeline.json", accession_prefix="PL",
             embedded=("analysis_steps",)),
    ItemType("platform", "Platform", "platforms", "platform.json", name_template="{term_id}"),
    ItemType("document", "Document", "documents", "document.json", embedded=("lab", "award")),
)


def _camel(item_type: str) -> str:
    return "".join(part.capitalize() for part in item_type.split("_"))


def _quality_metric_types() -> tuple[ItemType, ...]:
    """Quality metrics share one base schema; the table only lists how each type differs."""
    table = json.loads((SCHEMA_DIR / "quality_metric_types.json").read_text())
    types = []
    for short, extra in table.items():
        item_type = f"{short}_quality_metric"
        types.append(ItemType(
            item_type, _camel(item_type),
            extra.get("collection", item_type.replace("_", "-") + "s"), "quality_metric.json",
            bases=("QualityMetric",), attachments=tuple(extra.get("attachments", ())),
            extra_required=tuple(extra.get("required", ())),
            embedded=("step_run", "quality_metric_of"),
        ))
    return tuple(types)


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
