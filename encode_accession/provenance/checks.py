"""What may be wrong with a lineage: files changed or gone since they were logged, files
made from a version that has since been replaced, and sources the tracker knows nothing of
(inputs an accessioning run found on the portal are known sources, not problems).

Current local versions are re-read (sha256 when recorded, else md5) every time: a record is
only worth what the file on disk still matches. Superseded versions are not re-read (the
path now holds newer content) and remote pipeline files (gs://, s3://) cannot be.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from encode_accession.provenance.hashing import digest
from encode_accession.provenance.identity import is_remote
from encode_accession.provenance.model import Graph, Version


@dataclass(frozen=True)
class Finding:
    """One problem, on one node: code is modified, missing, stale or untracked."""

    node: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"node": self.node, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Checked:
    """The state of every node (`ok`, `modified`, `missing`, `superseded by vN`, `not
    checked (...)`, a tracker status) and the problems, in graph order."""

    states: dict[str, str]
    findings: list[Finding]

    def problems_of(self, key: str) -> list[Finding]:
        return [f for f in self.findings if f.node == key]


def check(graph: Graph, *, rehash: bool = True) -> Checked:
    """Check every node of `graph`; `rehash=False` reports from the records alone."""
    states: dict[str, str] = {}
    findings: list[Finding] = []
    for version in graph.ordered_versions():
        state, finding = _file_state(version, rehash)
        states[version.key] = state
        if finding:
            findings.append(finding)
        if version.current:
            findings += _stale(graph, version)
    for node in graph.ordered_accessions():
        states[node.key] = node.status
        if not node.known:
            findings.append(Finding(node.key, "untracked", f"{node.accession}: not in the "
                                    "tracker (not a tracked experiment, not a recorded file)"))
    return Checked(states, findings)


def _file_state(version: Version, rehash: bool) -> tuple[str, Finding | None]:
    if not version.current:
        return f"superseded by v{version.latest}", None
    if is_remote(version.location):
        return "not checked (remote)", None
    if not (version.sha256 or version.md5):
        return "not checked (no checksum recorded)", None
    path = Path(version.location)
    if not path.is_file():
        return "missing", Finding(version.key, "missing", f"{version.location}: the file is "
                                  f"gone (v{version.version} was logged)")
    if not rehash:
        return "not checked", None
    now = digest(path)
    algorithm = "sha256" if version.sha256 else "md5"
    recorded, found = getattr(version, algorithm), getattr(now, algorithm)
    if recorded == found:
        return "ok", None
    return "modified", Finding(version.key, "modified", f"{version.location}: content changed "
                               f"since it was logged (v{version.version} {algorithm} "
                               f"{recorded[:12]}..., now {found[:12]}...)")


def _stale(graph: Graph, version: Version) -> list[Finding]:
    """A current file made from a version that has since been replaced."""
    findings = []
    for parent_key in graph.parents(version):
        parent = graph.node(parent_key)
        if isinstance(parent, Version) and not parent.current:
            findings.append(Finding(version.key, "stale", f"{version.location}: made from "
                                    f"v{parent.version} of {parent.location}, which is now "
                                    f"v{parent.latest}"))
    return findings
