"""W3C PROV-JSON of the recorded lineage, built with the `prov` package.

Mapping: file versions and source accessions are entities; user tool runs and accessioning
step runs are activities; the lab, the tools (name and version) and the pipelines' docker
images are agents. A version wasGeneratedBy its activity (at the time it was recorded),
wasDerivedFrom each source (through that activity, which `used` it) and, from version 2 on,
is a revision of the previous version; activities wasAssociatedWith their agents.

Identifiers come from the records (paths, URIs, accessions, database ids), never from the
clock or a random source, and the JSON is written with sorted keys: the same database gives
the same bytes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from prov.identifier import Namespace
from prov.model import PROV, ProvDocument

from encode_accession.provenance.identity import location_uri, slug
from encode_accession.provenance.model import AccessionNode, Activity, Graph, Version
from encode_accession.provenance.record import canonical_json

EA = Namespace("ea", "urn:encode-accession:")
ENCODE = Namespace("encode", "https://www.encodeproject.org/")


def build(graph: Graph) -> ProvDocument:
    doc = ProvDocument()
    doc.add_namespace(EA)
    doc.add_namespace(ENCODE)
    ids = {v.key: _add_version(doc, v) for v in graph.ordered_versions()}
    ids |= {a.key: _add_accession(doc, a) for a in graph.ordered_accessions()}
    for activity in graph.ordered_activities():
        _add_activity(doc, activity)
    for version in graph.ordered_versions():
        made_by = f"ea:activity/{version.activity_id}" if version.activity_id else None
        if made_by:
            doc.wasGeneratedBy(ids[version.key], made_by, version.recorded_at)
        for parent in graph.parents(version):
            doc.wasDerivedFrom(ids[version.key], ids[parent], made_by)
    for activity_id, made in graph.generated().items():
        for parent in dict.fromkeys(p for v in made for p in graph.parents(v)):
            doc.used(f"ea:activity/{activity_id}", ids[parent])
    for newer, previous in graph.revisions():
        doc.revision(ids[newer], ids[previous])
    return doc


def serialize(graph: Graph) -> str:
    text = build(graph).serialize(format="json", indent=2, sort_keys=True)
    assert text is not None  # no destination given: the document comes back as text
    return text + "\n"


def _qualified(doc: ProvDocument, uri: str) -> str:
    """A prefixed name for a URI, declaring `scheme://` as the prefix `scheme`."""
    scheme = urlsplit(uri).scheme
    doc.add_namespace(scheme, f"{scheme}://")
    return f"{scheme}:{uri[len(scheme) + 3:]}"


def _add_version(doc: ProvDocument, version: Version) -> str:
    uri = location_uri(version.location)
    identifier = _qualified(doc, uri if version.current else f"{uri}#v{version.version}")
    doc.entity(identifier, _attributes({
        "prov:type": EA["FileVersion"], "prov:label": version.label,
        "ea:location": version.location, "ea:version": version.version,
        "ea:current": version.current, "ea:sha256": version.sha256, "ea:md5": version.md5,
        "ea:size": version.size, "ea:accession": version.accession,
        "ea:portal_id": version.portal_id, "ea:recorded_at": version.recorded_at}))
    return identifier


def _add_accession(doc: ProvDocument, node: AccessionNode) -> str:
    identifier = f"encode:{node.accession}"
    doc.entity(identifier, _attributes({
        "prov:type": EA["EncodeAccession"], "prov:label": node.accession,
        "ea:accession": node.accession, "ea:tracker_status": node.status}))
    return identifier


def _add_activity(doc: ProvDocument, activity: Activity) -> None:
    identifier = f"ea:activity/{activity.id}"
    doc.activity(identifier, None, activity.recorded_at, _attributes({
        "prov:type": EA["AccessioningStepRun" if activity.kind == "accessioning"
                        else "ToolRun"],
        "prov:label": activity.label, "ea:tool": activity.tool,
        "ea:tool_version": activity.tool_version,
        "ea:parameters": canonical_json(activity.parameters),
        "ea:description": activity.description,
        "ea:rule": activity.rule, "ea:step_run": activity.step_run,
        "ea:workflow_id": activity.workflow_id, "ea:docker_image": activity.docker_image,
        "ea:server": activity.server}))
    for agent, attributes in _agents(activity):
        doc.agent(agent, attributes)
        doc.wasAssociatedWith(identifier, agent)


def _agents(activity: Activity) -> list[tuple[str, dict[str, Any]]]:
    agents = []
    if activity.tool:
        name = f"{activity.tool} {activity.tool_version or ''}".strip()
        agents.append((f"ea:software/{slug(name)}", {
            "prov:type": PROV["SoftwareAgent"], "prov:label": name}))
    if activity.docker_image:
        agents.append((f"ea:docker/{slug(activity.docker_image)}", {
            "prov:type": PROV["SoftwareAgent"], "prov:label": activity.docker_image,
            "ea:docker_image": activity.docker_image}))
    if activity.lab:
        agents.append((f"ea:lab/{slug(activity.lab)}", {
            "prov:type": PROV["Organization"], "prov:label": activity.lab}))
    return agents


def _attributes(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}

