"""Turning one portal Experiment (embedded frame) into tracker rows. Pure: no I/O.

The portal's shapes vary by age and frame: links are objects when embedded and @id strings
otherwise, replicates carry `library` (older) and `libraries` (newer), the organism sits on
the biosample and on its donor. Every reader here accepts both forms and skips what is
missing instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from encode_accession.core.accessions import is_accession
from encode_accession.core.errors import InputError
from encode_accession.tracker.identifiers import doi_type, is_preprint
from encode_accession.tracker.records import (
    ExperimentRow,
    PipelineRow,
    PublicationRow,
    QualityMetricRow,
    RawMetadata,
    ReferenceRow,
    Software,
    TrackedExperiment,
)

RAW_LIMIT = 512 * 1024
# What a raw_metadata copy keeps when the whole object is over RAW_LIMIT: identity, the
# fields the tracker extracts, and the small link lists. The big embedded arrays (files,
# replicates, original_files, possible_controls, ...) go first.
RAW_SUBSET = (
    "@id", "@type", "uuid", "accession", "aliases", "status", "date_released",
    "date_submitted", "assay_term_name", "assay_title", "assay_slims", "target",
    "biosample_ontology", "biosample_summary", "description", "lab", "award", "assembly",
    "replication_type", "bio_replicate_count", "tech_replicate_count", "dbxrefs",
    "references", "analyses", "default_analysis", "doi",
)
_ALWAYS_KEPT = ("@id", "@type", "accession")
MAX_AUTHORS = 10
_QC_BOOKKEEPING = frozenset({
    "@id", "@type", "uuid", "aliases", "award", "lab", "submitted_by", "date_created",
    "schema_version", "step_run", "quality_metric_of", "status", "assay_term_id",
    "assay_term_name",
})


def ensure_experiment(obj: Mapping[str, Any], requested: str) -> None:
    """Refuse series, annotations, references ...: they are datasets, not experiments."""
    types = list(obj.get("@type") or [])
    if "Experiment" in types:
        return
    kind = types[0] if types else "object without @type"
    members = [name for d in obj.get("related_datasets") or [] if (name := _link_name(d))]
    fix = (f"track the experiments it groups: {', '.join(members[:10])}"
           + (" ..." if len(members) > 10 else "")) if members else \
        "give an experiment accession (its @type includes Experiment)"
    raise InputError("accession", requested,
                     f"is a {kind} ({', '.join(types)}), not an Experiment; only experiments "
                     "can be tracked", fix)


def tracked_experiment(obj: Mapping[str, Any], *, portal_url: str,
                       software: Mapping[str, Software] | None = None) -> TrackedExperiment:
    """All rows for one experiment. `software` maps software-version @ids (which the
    embedded frame leaves as links) to what they name."""
    publications = publication_rows(obj)
    return TrackedExperiment(
        experiment=experiment_row(obj, portal_url=portal_url),
        publications=publications,
        pipelines=pipeline_rows(obj, software or {}),
        quality_metrics=quality_metric_rows(obj),
        references=reference_rows(obj, publications),
        files=file_accessions(obj),
    )


def file_accessions(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """The experiment's files (embedded objects or @ids, `files` then `original_files`),
    each once: a file derived from one of them has a tracked source."""
    found: dict[str, None] = {}
    for file in (*(obj.get("files") or ()), *(obj.get("original_files") or ())):
        text = file.get("accession") if isinstance(file, Mapping) else file
        if isinstance(text, str):
            accession = text.strip("/").rsplit("/", 1)[-1].upper()
            if is_accession(accession):
                found.setdefault(accession)
    return tuple(found)


# -- the experiment row ----------------------------------------------------------------

def experiment_row(obj: Mapping[str, Any], *, portal_url: str) -> ExperimentRow:
    ontology = obj.get("biosample_ontology")
    ontology = ontology if isinstance(ontology, Mapping) else {}
    biosamples = list(_biosamples(obj))
    at_id = obj.get("@id") or f"/experiments/{obj['accession']}/"
    return ExperimentRow(
        accession=obj["accession"],
        assay_title=obj.get("assay_title") or obj.get("assay_term_name"),
        target=_target_label(obj.get("target")),
        biosample=ontology.get("term_name"),
        biosample_summary=obj.get("biosample_summary"),
        biosample_type=ontology.get("classification"),
        organism=_distinct(_organisms(biosamples)),
        organ=_distinct(ontology.get("organ_slims") or ()),
        life_stage=_distinct(b.get("life_stage") for b in biosamples),
        status=obj.get("status"),
        date_released=obj.get("date_released"),
        lab=_identifier_of(obj.get("lab"), "labs"),
        lab_title=_title(obj.get("lab")),
        award=_identifier_of(obj.get("award"), "awards"),
        award_title=_award(obj.get("award")),
        assembly=_distinct(_as_list(obj.get("assembly"))),
        replication_type=obj.get("replication_type"),
        description=obj.get("description"),
        url=portal_url.rstrip("/") + at_id,
        raw=fit_raw_metadata(obj),
    )


def fit_raw_metadata(obj: Mapping[str, Any], limit: int = RAW_LIMIT) -> RawMetadata:
    """The whole object when its JSON fits in `limit` bytes; else RAW_SUBSET, and if even
    that is too big, the subset without its largest keys. Never an empty placeholder."""
    text = _dump(obj)
    size = len(text.encode())
    if size <= limit:
        return RawMetadata(text, size)
    kept = {k: v for k, v in obj.items() if k in RAW_SUBSET}
    sizes = {k: len(_dump(v).encode()) for k, v in kept.items()}
    for key in sorted((k for k in kept if k not in _ALWAYS_KEPT), key=lambda k: -sizes[k]):
        if len(_dump(kept).encode()) <= limit:
            break
        del kept[key]
    dropped = tuple(k for k in obj if k not in kept)
    return RawMetadata(_dump(kept), size, dropped)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _biosamples(obj: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for replicate in obj.get("replicates") or ():
        if not isinstance(replicate, Mapping):
            continue
        libraries = [replicate.get("library"), *(replicate.get("libraries") or ())]
        seen = set()
        for library in libraries:
            biosample = library.get("biosample") if isinstance(library, Mapping) else None
            if isinstance(biosample, Mapping) and biosample.get("@id") not in seen:
                seen.add(biosample.get("@id"))
                yield biosample


def _organisms(biosamples: list[Mapping[str, Any]]) -> Iterator[str]:
    for biosample in biosamples:
        donor = biosample.get("donor")
        for holder in (biosample, donor if isinstance(donor, Mapping) else {}):
            organism = holder.get("organism")
            if isinstance(organism, Mapping) and organism.get("scientific_name"):
                yield organism["scientific_name"]


def _target_label(target: Any) -> str | None:
    if isinstance(target, Mapping):
        return target.get("label") or _link_name(target.get("@id"))
    if isinstance(target, str) and target:
        return (_link_name(target) or "").rsplit("-", 1)[0]  # /targets/H3K27ac-human/
    return None


def _identifier_of(linked: Any, collection: str) -> str | None:
    """The @id the portal links by (`/labs/bing-ren/`), from an embedded object or a link;
    a bare name becomes `/<collection>/<name>/`."""
    value = linked.get("@id") if isinstance(linked, Mapping) else linked
    if not isinstance(value, str) or not value.strip("/"):
        name = linked.get("name") if isinstance(linked, Mapping) else None
        return f"/{collection}/{name}/" if name else None
    return value if value.startswith("/") else f"/{collection}/{value.strip('/')}/"


def _award(award: Any) -> str | None:
    """The award's title (its project name), else its name (e.g. U54HG006997)."""
    if isinstance(award, Mapping):
        return award.get("title") or award.get("name") or _link_name(award.get("@id"))
    return _link_name(award)


def _title(linked: Any) -> str | None:
    if isinstance(linked, Mapping):
        return linked.get("title") or linked.get("name") or _link_name(linked.get("@id"))
    return _link_name(linked)


def _link_name(value: Any) -> str | None:
    """`/labs/bing-ren/` -> `bing-ren`; objects by their @id."""
    if isinstance(value, Mapping):
        value = value.get("@id")
    if not isinstance(value, str) or not value.strip("/"):
        return None
    return value.rstrip("/").rsplit("/", 1)[-1]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _distinct(values: Any) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values if v not in (None, "")}))


# -- publications and cross-references ---------------------------------------------------

def publication_rows(obj: Mapping[str, Any]) -> tuple[PublicationRow, ...]:
    rows: dict[str, PublicationRow] = {}
    for ref in obj.get("references") or ():
        if not isinstance(ref, Mapping):
            continue
        row = publication_row(ref)
        rows.setdefault(row.pmid or row.doi or row.publication_id or row.title or "", row)
    return tuple(rows.values())


def publication_row(ref: Mapping[str, Any]) -> PublicationRow:
    identifiers = [str(i) for i in ref.get("identifiers") or ()]
    authors = split_authors(ref.get("authors") or "")
    return PublicationRow(
        publication_id=ref.get("@id"),
        pmid=_identifier(identifiers, "PMID:"),
        doi=(_identifier(identifiers, "doi:") or "").lower() or None,
        title=ref.get("title"),
        authors=tuple(authors[:MAX_AUTHORS]),
        author_count=len(authors),
        journal=ref.get("journal"),
        year=_year(ref),
        volume=_text(ref.get("volume")),
        issue=_text(ref.get("issue")),
        pages=_text(ref.get("page")),
        abstract=ref.get("abstract"),
        preprint=is_preprint(ref.get("journal"), identifiers),
    )


def split_authors(authors: str) -> list[str]:
    """The portal keeps authors as one string: "ENCODE Project Consortium, Moore JE, ..."."""
    names = [re.sub(r"^and\s+", "", part.strip()) for part in re.split(r"[,;]", authors)]
    return [n for n in names if n and n.lower().rstrip(".") not in ("et al", "others")]


def _identifier(identifiers: list[str], prefix: str) -> str | None:
    for identifier in identifiers:
        if identifier.lower().startswith(prefix.lower()):
            return identifier[len(prefix):].strip() or None
    return None


def _year(ref: Mapping[str, Any]) -> int | None:
    year = ref.get("publication_year")
    if isinstance(year, int):
        return year
    published = str(ref.get("date_published") or "")
    return int(published[:4]) if published[:4].isdigit() else None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def reference_rows(obj: Mapping[str, Any],
                   publications: tuple[PublicationRow, ...]) -> tuple[ReferenceRow, ...]:
    """Cross-references found automatically: GEO from dbxrefs, PMIDs and DOIs from the
    publications' identifiers."""
    rows: dict[tuple[str, str], ReferenceRow] = {}
    for dbxref in obj.get("dbxrefs") or ():
        prefix, _, ident = str(dbxref).partition(":")
        if prefix == "GEO" and re.match(r"^(GSE|GSM|GPL|GDS)[0-9]+$", ident):
            rows.setdefault(("geo_accession", ident), ReferenceRow("geo_accession", ident))
    for pub in publications:
        if pub.pmid:
            rows.setdefault(("pmid", pub.pmid), ReferenceRow("pmid", pub.pmid, pub.title))
        if pub.doi:
            kind = doi_type(pub.doi, preprint=pub.preprint)
            rows.setdefault((kind, pub.doi), ReferenceRow(kind, pub.doi, pub.title))
    return tuple(rows.values())


# -- pipelines -------------------------------------------------------------------------------

def software_version_refs(obj: Mapping[str, Any]) -> set[str]:
    """Software-version @ids the embedded frame left as links (to be fetched)."""
    return {sv for _, version in _step_versions(obj)
            for sv in version.get("software_versions") or () if isinstance(sv, str)}


def software_from_version(version: Mapping[str, Any]) -> Software | None:
    """A software_version object (any frame) as name and version."""
    name = _title(version.get("software"))
    return Software(name, _text(version.get("version"))) if name else None


def _step_versions(obj: Mapping[str, Any]
                   ) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(file, its embedded analysis_step_version) for files that have one."""
    for file in obj.get("files") or ():
        version = file.get("analysis_step_version") if isinstance(file, Mapping) else None
        if isinstance(version, Mapping):
            yield file, version


def pipeline_rows(obj: Mapping[str, Any],
                  software: Mapping[str, Software]) -> tuple[PipelineRow, ...]:
    """One row per (pipeline, analysis): the pipeline and its software come from the files'
    analysis step versions, version and status from the analysis holding those files."""
    analyses = [a for a in obj.get("analyses") or () if isinstance(a, Mapping)]
    analysis_of_file = {f: a for a in analyses for f in a.get("files") or () if isinstance(f, str)}
    found: dict[tuple[str | None, str | None], dict[str, Any]] = {}

    for file, version in _step_versions(obj):
        step = version.get("analysis_step")
        pipelines = step.get("pipelines") if isinstance(step, Mapping) else None
        analysis = analysis_of_file.get(file.get("@id", ""))
        tools = {_software(sv, software) for sv in version.get("software_versions") or ()}
        for pipeline in pipelines or ():
            key = (_pipeline_key(pipeline), _accession(analysis))
            entry = found.setdefault(key, {"pipeline": pipeline, "analysis": analysis,
                                           "software": set()})
            entry["software"] |= {t for t in tools if t}

    for analysis in analyses:
        if not any(key[1] == _accession(analysis) for key in found):
            for pipeline in analysis.get("pipelines") or [None]:
                found.setdefault((_pipeline_key(pipeline), _accession(analysis)),
                                 {"pipeline": pipeline, "analysis": analysis, "software": set()})

    return tuple(_pipeline_row(e["pipeline"], e["analysis"], e["software"])
                 for e in found.values())


def _software(ref: Any, software: Mapping[str, Software]) -> Software | None:
    if isinstance(ref, Mapping):
        return software_from_version(ref)
    return software.get(ref) if isinstance(ref, str) else None


def _pipeline_key(pipeline: Any) -> str | None:
    if isinstance(pipeline, Mapping):
        return pipeline.get("accession") or pipeline.get("@id")
    return pipeline if isinstance(pipeline, str) else None


def _accession(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        return obj.get("accession") or _link_name(obj.get("@id"))
    return None


def _pipeline_row(pipeline: Any, analysis: Mapping[str, Any] | None,
                  software: set[Software]) -> PipelineRow:
    analysis = analysis or {}
    return PipelineRow(
        pipeline_title=pipeline.get("title") if isinstance(pipeline, Mapping) else None,
        pipeline_accession=_accession(pipeline) if isinstance(pipeline, Mapping)
        else _link_name(pipeline),
        analysis_accession=_accession(analysis) if analysis else None,
        analysis_title=analysis.get("title"),
        version=_text(analysis.get("pipeline_version")),
        software=tuple(sorted(software, key=lambda s: (s.name.lower(), s.version or ""))),
        analysis_status=analysis.get("status"),
    )


# -- quality metrics -----------------------------------------------------------------------

def quality_metric_rows(obj: Mapping[str, Any]) -> tuple[QualityMetricRow, ...]:
    rows: dict[tuple[str, str], QualityMetricRow] = {}
    for file in obj.get("files") or ():
        if not isinstance(file, Mapping):
            continue
        file_accession = file.get("accession") or file.get("title") or _link_name(file)
        for metric in file.get("quality_metrics") or ():
            if not isinstance(metric, Mapping) or not file_accession:
                continue
            types = metric.get("@type") or ["QualityMetric"]
            metric_id = metric.get("@id") or metric.get("uuid") or f"{types[0]}:{len(rows)}"
            data = {k: v for k, v in metric.items() if k not in _QC_BOOKKEEPING}
            rows.setdefault((file_accession, metric_id),
                            QualityMetricRow(file_accession, metric_id, types[0], data))
    return tuple(rows.values())
