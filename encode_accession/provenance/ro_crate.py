"""An RO-Crate (Workflow Run Crate profile 0.6, RO-Crate 1.3) of the recorded lineage, built
with the `rocrate` package.

The crate is the report folder: its own parts are the HTML report and the PROV-JSON. The
recorded files are web-based data entities (file:// for local paths, gs://, s3://, ENCODE
portal URLs), listed with sha256, md5 and size but never copied. Each recorded activity is a
CreateAction (instrument: the tool or the pipeline image; object: its sources; result: the
versions it made; agent: the lab); one more CreateAction ties the whole recorded lineage
together as the run of the crate's main entity.

Deviation, stated here and in docs/provenance.md: there is no single workflow file behind
lineage that several tools and runs recorded, so the main entity is a contextual
ComputationalWorkflow (`#recorded-lineage`), not a data entity.

rocrate stamps the root's datePublished with the clock and gives unnamed entities random
ids: here every entity gets an id derived from the records, and datePublished is the time
of the latest record, so the same database gives the same bytes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rocrate.model.contextentity import ContextEntity
from rocrate.model.entity import Entity
from rocrate.rocrate import ROCrate

from encode_accession.provenance.identity import location_uri, slug
from encode_accession.provenance.model import AccessionNode, Activity, Graph, Version
from encode_accession.provenance.record import canonical_json

PROFILES = (("https://w3id.org/ro/wfrun/process/0.6", "Process Run Crate", "0.6"),
            ("https://w3id.org/ro/wfrun/workflow/0.6", "Workflow Run Crate", "0.6"),
            ("https://w3id.org/workflowhub/workflow-ro-crate/1.1", "Workflow RO-Crate", "1.1"))
WORKFLOW_RUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
# schema.org has sha256 but no md5: md5 is the ENCODE portal's own file property.
MD5_TERM = {"md5": "https://www.encodeproject.org/profiles/file.json#md5sum"}
PROV_JSON = "https://www.w3.org/submissions/prov-json/"
NO_RECORDS = "1970-01-01T00:00:00+00:00"
MAIN_WORKFLOW = "#recorded-lineage"
_IMAGE = re.compile(r"^(?P<name>.+?)(?::(?P<tag>[^:/@]+))?(?:@sha256:(?P<digest>[0-9a-f]+))?$")


def write(graph: Graph, output: Path, *, html: str, prov: str) -> Path:
    """Write `ro-crate-metadata.json` into `output`, which already holds `html` and `prov`."""
    crate = ROCrate()
    crate.metadata.extra_contexts.append(WORKFLOW_RUN_CONTEXT)
    crate.metadata.extra_terms.update(MD5_TERM)
    crate.name = "Provenance of files derived from ENCODE data"
    crate.description = ("Files recorded by encode-accession (log-derived, the Snakemake helper "
                         "and accessioning runs), with checksums, the sources each was made "
                         "from and the tool or pipeline step that made it.")
    published = last_recorded(graph)
    crate.datePublished = published
    crate.root_dataset["conformsTo"] = [
        crate.add(ContextEntity(crate, uri, {"@type": "CreativeWork", "name": name,
                                             "version": version}))
        for uri, name, version in PROFILES]
    crate.add_file(output / html, html, properties={
        "name": "Provenance report", "encodingFormat": "text/html"})
    crate.add_file(output / prov, prov, properties={
        "name": "W3C PROV-JSON of the recorded lineage", "encodingFormat": "application/json",
        "conformsTo": crate.add(ContextEntity(crate, PROV_JSON, {
            "@type": "CreativeWork", "name": "PROV-JSON"}))})
    entities = {v.key: _add_version(crate, v) for v in graph.ordered_versions()}
    entities |= {a.key: _add_accession(crate, a) for a in graph.ordered_accessions()}
    made_by = graph.generated()
    actions = [_add_action(crate, graph, a, made_by.get(a.id, []), entities)
               for a in graph.ordered_activities()]
    workflow = crate.add(ContextEntity(crate, MAIN_WORKFLOW, {
        "@type": ["SoftwareSourceCode", "ComputationalWorkflow"],
        "name": "Recorded lineage of ENCODE-derived files",
        "description": "The steps encode-accession recorded; each step's execution is one "
                       "of the CreateActions this crate mentions."}))
    crate.mainEntity = workflow
    children = graph.children()
    run = crate.add(ContextEntity(crate, "#recorded-lineage-run", {
        "@type": "CreateAction", "name": "Recorded lineage, all steps",
        "endTime": published, "instrument": workflow,
        "object": [entities[a.key] for a in graph.ordered_accessions()],
        "result": [entities[v.key] for v in graph.ordered_versions()
                   if v.current and v.key not in children]}))
    crate.root_dataset["mentions"] = [run, *actions]
    crate.write(output)
    return output / "ro-crate-metadata.json"


def last_recorded(graph: Graph) -> str:
    """The time of the latest record: the report's date, taken from the data."""
    times = [v.recorded_at for v in graph.versions.values()]
    times += [a.recorded_at for a in graph.activities.values()]
    return max(times, default=NO_RECORDS)


def _add_version(crate: ROCrate, version: Version) -> Entity:
    uri = location_uri(version.location)
    return crate.add_file(uri if version.current else f"{uri}#v{version.version}",
                          properties=_present({
        "name": version.label, "version": str(version.version),
        "sha256": version.sha256, "md5": version.md5,
        "contentSize": None if version.size is None else str(version.size),
        "identifier": version.accession,
        "dateCreated": version.recorded_at,
        "creativeWorkStatus": None if version.current else f"superseded by v{version.latest}"}))


def _add_accession(crate: ROCrate, node: AccessionNode) -> Entity:
    """ENCODE files and experiments as portal URLs (File, Dataset); other accessions, and TST
    ones (local test portals, no public address), as contextual entities."""
    properties = {"name": node.accession, "identifier": node.accession,
                  "description": node.status}
    kind = node.accession[3:5]
    if node.accession.startswith("ENC") and kind in ("FF", "SR"):
        url = f"https://www.encodeproject.org/{node.accession}/"
        add = crate.add_file if kind == "FF" else crate.add_dataset
        return add(url, properties=properties)
    return crate.add(ContextEntity(crate, f"#accession-{node.accession}",
                                   {"@type": "Thing", **properties}))


def _add_action(crate: ROCrate, graph: Graph, activity: Activity, made: list[Version],
                entities: dict[str, Entity]) -> Entity:
    sources = list(dict.fromkeys(p for v in made for p in graph.parents(v)))
    identifier = f"#activity-{activity.id}"
    properties: dict[str, Any] = _present({
        "@type": "CreateAction", "name": activity.label, "endTime": activity.recorded_at,
        "description": activity.description, "actionStatus": {
            "@id": "http://schema.org/CompletedActionStatus"},
        "identifier": activity.step_run,
        "instrument": _instrument(crate, activity),
        "containerImage": _image(crate, activity.docker_image),
        "agent": _lab(crate, activity.lab),
        "object": [entities[s] for s in sources] + _parameters(crate, identifier, activity),
        "result": [entities[v.key] for v in made]})
    return crate.add(ContextEntity(crate, identifier, properties))


def _instrument(crate: ROCrate, activity: Activity) -> Entity:
    if activity.kind == "accessioning":
        name = f"ENCODE pipeline step ({activity.docker_image or 'image not recorded'})"
    else:
        name = activity.tool or (f"Snakemake rule {activity.rule}" if activity.rule
                                 else "unnamed tool")
    identifier = f"#software-{slug(name)}-{slug(activity.tool_version or 'unversioned')}"
    return crate.add(ContextEntity(crate, identifier, _present({
        "@type": "SoftwareApplication", "name": name,
        "softwareVersion": activity.tool_version})))


def _image(crate: ROCrate, image: str | None) -> Entity | None:
    if not image:
        return None
    parts = _IMAGE.match(image)
    assert parts is not None  # the pattern matches any text
    return crate.add(ContextEntity(crate, f"#docker-{slug(image)}", _present({
        "@type": "ContainerImage",
        "additionalType": {"@id": "https://w3id.org/ro/terms/workflow-run#DockerImage"},
        "name": parts["name"], "tag": parts["tag"], "sha256": parts["digest"]})))


def _lab(crate: ROCrate, lab: str | None) -> Entity | None:
    if not lab:
        return None
    return crate.add(ContextEntity(crate, f"#lab-{slug(lab)}", {
        "@type": "Organization", "name": lab}))


def _parameters(crate: ROCrate, action: str, activity: Activity) -> list[Entity]:
    """Parameters as PropertyValues (one per key of a mapping, else one for the value)."""
    values = activity.parameters
    if values is None:
        return []
    items = sorted(values.items()) if isinstance(values, dict) else [("parameters", values)]
    return [crate.add(ContextEntity(crate, f"{action}-parameter-{slug(str(key))}", {
        "@type": "PropertyValue", "name": str(key),
        "value": value if isinstance(value, str) else canonical_json(value)}))
        for key, value in items]


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, [], "")}
