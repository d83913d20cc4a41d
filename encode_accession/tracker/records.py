"""The rows one tracked experiment becomes, as plain values.

`extract` builds them from portal JSON without I/O; `store` writes and reads them. Keeping
them as frozen dataclasses makes the transformation easy to test and compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RawMetadata:
    """The portal JSON as stored: whole when it fits, else a documented subset of keys.
    `dropped` names what was left out, so a trimmed copy is never mistaken for a full one."""

    text: str
    original_bytes: int
    dropped: tuple[str, ...] = ()

    @property
    def trimmed(self) -> bool:
        return bool(self.dropped)


@dataclass(frozen=True)
class ExperimentRow:
    accession: str
    assay_title: str | None
    target: str | None
    biosample: str | None
    biosample_summary: str | None
    biosample_type: str | None
    organism: tuple[str, ...]
    organ: tuple[str, ...]
    life_stage: tuple[str, ...]
    status: str | None
    date_released: str | None
    lab: str | None  # the portal's @id, /labs/<name>/
    lab_title: str | None
    award: str | None  # the portal's @id, /awards/<name>/
    award_title: str | None
    assembly: tuple[str, ...]
    replication_type: str | None
    description: str | None
    url: str | None
    raw: RawMetadata


@dataclass(frozen=True)
class PublicationRow:
    publication_id: str | None
    pmid: str | None
    doi: str | None
    title: str | None
    authors: tuple[str, ...]  # the first ten
    author_count: int
    journal: str | None
    year: int | None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    abstract: str | None = None
    preprint: bool = False  # from the journal and identifiers, see identifiers.is_preprint


@dataclass(frozen=True)
class Software:
    name: str
    version: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True)
class PipelineRow:
    pipeline_title: str | None
    pipeline_accession: str | None
    analysis_accession: str | None
    analysis_title: str | None
    version: str | None
    software: tuple[Software, ...]
    analysis_status: str | None


@dataclass(frozen=True)
class QualityMetricRow:
    file_accession: str
    metric_id: str
    metric_type: str
    metric_data: dict[str, Any]


@dataclass(frozen=True)
class ReferenceRow:
    reference_type: str
    reference_id: str
    description: str | None = None


@dataclass(frozen=True)
class TrackedExperiment:
    """Everything `track` stores for one experiment, apart from the user's notes."""

    experiment: ExperimentRow
    publications: tuple[PublicationRow, ...] = ()
    pipelines: tuple[PipelineRow, ...] = ()
    quality_metrics: tuple[QualityMetricRow, ...] = ()
    references: tuple[ReferenceRow, ...] = ()
    files: tuple[str, ...] = ()  # accessions of the files the portal lists for it
