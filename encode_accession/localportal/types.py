"""The item types the local portal knows: names, collections, @id rules, embedding and facets.

Everything the portal decides per type lives in this one table so that routing, identity,
rendering and search agree on what a "file" or an "experiment" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from encode_accession.localportal.profiles import profiles
from encode_accession.portal.types import types_table


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
    unique_key: str | None = None  # the collection's lookup key namespace (`lab:name`...)

    @property
    def types(self) -> list[str]:
        return [self.name, *self.bases, "Item"]


_STATUS = ("status", "Status")
_LAB = ("lab.title", "Lab")
# What the local portal adds to a type beyond the portal's own table: search facets and
# columns, how an @id name is built when it is not one property, secrets never shown.
_LOCAL: dict[str, dict[str, Any]] = {
    "file": dict(
        facets=(("file_format", "File format"), ("output_type", "Output type"),
                ("output_category", "Output category"), ("assembly", "Genome assembly"),
                _STATUS, _LAB),
        columns=("accession", "title", "dataset", "file_format", "file_type", "output_type",
                 "output_category", "assembly", "status", "file_size", "lab", "award")),
    "experiment": dict(
        facets=(("assay_title", "Assay title"), _STATUS,
                ("replicates.library.biosample.donor.organism.scientific_name", "Organism"),
                ("biosample_ontology.classification", "Biosample classification"),
                ("biosample_ontology.term_name", "Biosample"),
                ("biosample_ontology.organ_slims", "Organ"),
                ("target.label", "Target of assay"), _LAB, ("replication_type", "Replication type"),
                ("assembly", "Genome assembly")),
        columns=("accession", "assay_title", "assay_term_name", "target", "biosample_ontology",
                 "description", "lab", "status", "replication_type")),
    "annotation": dict(facets=(("annotation_type", "Annotation type"), _STATUS, _LAB),
                       columns=("accession", "annotation_type", "description", "lab", "status")),
    "reference": dict(facets=(("reference_type", "Reference type"), _STATUS, _LAB),
                      columns=("accession", "reference_type", "description", "lab", "status")),
    "biosample_type": dict(name_template="{classification}_{term_id}"),
    "target": dict(name_template="{label}-{organism}"),  # identity._target_name builds it
    "access_key": dict(name_template="{access_key_id}", hidden=("secret_access_key_hash",)),
    "analysis_step": dict(name_template="{step_label}-v-{major_version}"),
    "analysis_step_version": dict(
        name_template="{analysis_step.step_label}-v-{analysis_step.major_version}-"
                      "{minor_version}"),
}


def attachment_properties(item_type: str) -> tuple[str, ...]:
    """The profile's attachment properties (`"attachment": true`)."""
    props = profiles().schema(item_type)["properties"]
    return tuple(name for name, spec in props.items() if spec.get("attachment"))


def _item_types() -> tuple[ItemType, ...]:
    """Every concrete type of the portal that has a profile (generated table from encoded's
    src/encoded/types, `scripts/portal_types.py`), with the local additions."""
    types = []
    for name, info in sorted(types_table().items()):
        item_type = info["item_type"]
        if info["abstract"] or item_type not in profiles():
            continue
        schema = profiles().schema(item_type)["properties"]
        name_key = info["name_key"]
        local = dict(_LOCAL.get(item_type, {}))
        if "name_template" not in local and name_key and name_key != "accession":
            local["name_template"] = f"{{{name_key}}}"
        types.append(ItemType(
            item_type, name, info["collection"], bases=tuple(info["bases"]),
            accession_prefix=schema.get("accession", {}).get("accessionType"),
            embedded=tuple(info["embedded"]), attachments=attachment_properties(item_type),
            unique_key=info["unique_key"], **local))
    return tuple(types)


@cache
def collection_unique_keys() -> dict[str, str | None]:
    """Type name (abstract ones too: Dataset, Donor...) -> its collection's unique key."""
    return {name: info["unique_key"]
            for name, info in types_table().items()}


@cache
def _collections() -> dict[str, str]:
    return {info["collection"]: name for name, info in types_table().items()
            if info.get("collection")}


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

    def get(self, name: str) -> ItemType:
        """A type the portal is known to have (the bundled type table names it)."""
        itype = self.lookup(name)
        if itype is None:
            raise KeyError(f"no portal type {name!r}")
        return itype

    def by_collection(self, collection: str) -> ItemType | None:
        itype = self.lookup(collection)
        return itype if itype and itype.collection == collection else None

    def collection_type(self, collection: str) -> str | None:
        """The @type name a collection lists (`quality-metrics` -> QualityMetric, abstract
        collections included), as snovault's COLLECTIONS names them."""
        return _collections().get(collection.strip("/"))

    def known_type_names(self) -> set[str]:
        return {name for t in self.all for name in t.types}


@cache
def registry() -> TypeRegistry:
    return TypeRegistry(_item_types())
