"""The lineage graph as read from the database: file versions, the accessions they were
made from, and the activities that made them. Shared by the query, the checks, the text
output and the three report formats, so they all tell the same story.

Nodes are keyed by strings: `v:<id>` for a file version, `a:<ACCESSION>` for an accession
that is not itself a recorded file. An accession source that *is* a recorded (accessioned)
file resolves to that file's version, so lineage continues through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any


def version_key(version_id: int) -> str:
    return f"v:{version_id}"


def accession_key(accession: str) -> str:
    return f"a:{accession}"


@dataclass(frozen=True)
class SourceRow:
    """One `version_sources` row: an accession or an earlier version."""

    accession: str | None
    version_id: int | None


@dataclass(frozen=True)
class Activity:
    """A user tool run or an accessioning step run."""

    id: int
    kind: str
    tool: str | None
    tool_version: str | None
    parameters: Any
    description: str | None
    rule: str | None
    step_run: str | None
    workflow_id: str | None
    docker_image: str | None
    server: str | None
    lab: str | None
    recorded_at: str
    step_name: str | None = None  # the analysis step (dcc_step_run) of an accessioning run
    step_version: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "accessioning":
            return self.step_name or f"accessioning step run {self.step_run}"
        name = self.tool or (f"rule {self.rule}" if self.rule else "unnamed tool")
        return f"{name} {self.tool_version}" if self.tool_version else name


@dataclass(frozen=True)
class PortalRecord:
    """What one portal calls an accessioned file (a run may post it to several)."""

    server: str
    accession: str | None
    portal_id: str | None


@dataclass(frozen=True)
class Version:
    """One content of one location (local path or pipeline URI)."""

    id: int
    location: str
    version: int
    latest: int
    sha256: str | None
    md5: str | None
    size: int | None
    accession: str | None
    portal_id: str | None
    activity_id: int | None
    recorded_at: str
    sources: tuple[SourceRow, ...]
    output_type: str | None = None  # what an accessioned file is, as posted
    file_format: str | None = None
    portal_records: tuple[PortalRecord, ...] = ()  # one per portal it was accessioned to

    @property
    def accessions(self) -> tuple[str, ...]:
        """Every accession the file carries: its own, then other portals' (each once)."""
        found = [self.accession, *(r.accession for r in self.portal_records)]
        return tuple(dict.fromkeys(a for a in found if a))

    @property
    def key(self) -> str:
        return version_key(self.id)

    @property
    def current(self) -> bool:
        return self.version == self.latest

    @property
    def name(self) -> str:
        return PurePosixPath(self.location).name or self.location

    @property
    def label(self) -> str:
        return f"{self.location} (v{self.version})"

    @property
    def kind(self) -> str:
        """What the file is, when known: output type and format."""
        return " · ".join(p for p in (self.output_type, self.file_format) if p)


@dataclass(frozen=True)
class PortalSource:
    """An input an accessioning run found on the portal by md5: a fastq or a reference."""

    file_name: str | None
    output_type: str | None
    role: str
    filekey: str | None
    portal_id: str | None
    server: str | None

    @property
    def kind(self) -> str:
        return " · ".join(p for p in (self.role, self.output_type) if p)


@dataclass(frozen=True)
class AccessionNode:
    """An accession used as a source that no recorded file carries; `experiment` is set when
    it is a tracked experiment itself or one of its files."""

    accession: str
    experiment: str | None
    portal: PortalSource | None = None  # set for an accessioning run's portal inputs

    @property
    def key(self) -> str:
        return accession_key(self.accession)

    @property
    def tracked(self) -> bool:
        return self.experiment is not None

    @property
    def known(self) -> bool:
        """Tracked, or an input a run found on the portal: a source, not a loose end."""
        return self.tracked or self.portal is not None

    @property
    def name(self) -> str:
        return (self.portal.file_name if self.portal else None) or self.accession

    @property
    def status(self) -> str:
        if self.experiment == self.accession:
            return "tracked experiment"
        if self.experiment:
            return f"file of tracked experiment {self.experiment}"
        if self.portal:
            return f"{self.portal.role} found on the portal"
        return "not in the tracker"


@dataclass
class Graph:
    """Versions, accession leaves and activities, with parent and child edges."""

    versions: dict[int, Version] = field(default_factory=dict)
    accessions: dict[str, AccessionNode] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)
    # accession -> versions that carry it (accessioned files)
    carriers: dict[str, list[int]] = field(default_factory=dict)

    def node(self, key: str) -> Version | AccessionNode | None:
        kind, _, ident = key.partition(":")
        return self.versions.get(int(ident)) if kind == "v" else self.accessions.get(ident)

    def parents(self, version: Version) -> list[str]:
        """Keys of what `version` was made from, in recorded order; versions not loaded
        (outside a partial lineage) are left out."""
        keys: list[str] = []
        for source in version.sources:
            if source.version_id is not None:
                if source.version_id in self.versions:
                    keys.append(version_key(source.version_id))
            elif source.accession in self.carriers:
                keys += [version_key(i) for i in self.carriers[source.accession]]
            elif source.accession in self.accessions:
                keys.append(accession_key(source.accession))
        return list(dict.fromkeys(keys))

    def edges(self) -> list[tuple[str, str]]:
        """(child, parent) pairs, in a stable order."""
        return [(v.key, p) for v in self.ordered_versions() for p in self.parents(v)]

    def revisions(self) -> list[tuple[str, str]]:
        """(newer, previous) version pairs of the same location, both loaded."""
        by_location = {(v.location, v.version): v for v in self.versions.values()}
        return [(v.key, by_location[(v.location, v.version - 1)].key)
                for v in self.ordered_versions() if (v.location, v.version - 1) in by_location]

    def ordered_versions(self) -> list[Version]:
        return sorted(self.versions.values(), key=lambda v: (v.location, v.version))

    def ordered_accessions(self) -> list[AccessionNode]:
        return [self.accessions[a] for a in sorted(self.accessions)]

    def ordered_activities(self) -> list[Activity]:
        return [self.activities[i] for i in sorted(self.activities)]

    def children(self) -> dict[str, list[Version]]:
        """Parent key -> the loaded versions made from it, in a stable order."""
        made: dict[str, list[Version]] = {}
        for version in self.ordered_versions():
            for parent in self.parents(version):
                made.setdefault(parent, []).append(version)
        return made

    def generated(self) -> dict[int, list[Version]]:
        """Activity id -> the versions it made, in a stable order."""
        made: dict[int, list[Version]] = {}
        for version in self.ordered_versions():
            if version.activity_id is not None:
                made.setdefault(version.activity_id, []).append(version)
        return made
