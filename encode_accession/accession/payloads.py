"""Portal payloads and deterministic aliases for one accessioning run (pure functions).

Aliases are what make re-runs safe: every object a run creates has an alias derived only from
the lab, the workflow id and the plan, so a job can look an object up before creating it and
a crash between a POST and its receipt never makes a second object.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from encode_accession.planning.plan import PlannedFile
from encode_accession.planning.steps import Step

ALIAS_UNSAFE = re.compile(r"[^a-zA-Z0-9_$.+!*,()'-]")


def object_name(value: str, collection: str) -> str:
    """A lab or award given as a name or as its @id, as a name: ``/labs/x/`` -> ``x``.

    The reference tool takes either spelling; normalising once keeps an @id from becoming
    ``/labs//labs/x//`` in payloads or ``/labs/x/:...`` as an alias prefix.
    """
    prefix = f"/{collection}/"
    value = value.strip()
    if value.startswith(prefix):
        value = value[len(prefix):]
    return value.strip("/")


@dataclass(frozen=True)
class Attribution:
    """Lab and award every payload carries; the lab's name is the alias prefix.

    Either may be given as a name or an @id; both are kept as names.
    """

    lab: str  # lab name, e.g. "encode-awg"
    award: str  # award name, e.g. "UM1HG009411"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lab", object_name(self.lab, "labs"))
        object.__setattr__(self, "award", object_name(self.award, "awards"))

    @property
    def lab_id(self) -> str:
        return f"/labs/{self.lab}/"

    @property
    def award_id(self) -> str:
        return f"/awards/{self.award}/"

    def fields(self) -> dict[str, str]:
        return {"lab": self.lab_id, "award": self.award_id}


def alias(lab: str, *parts: str) -> str:
    """``lab:part1-part2``, with characters the portal's alias pattern refuses made safe."""
    return f"{lab}:" + ALIAS_UNSAFE.sub("-", "-".join(p.strip("/") for p in parts if p))


def step_run_alias(lab: str, step: Step, workflow_id: str, docker_tag: str) -> str:
    return alias(lab, step.dcc_step_run, workflow_id, docker_tag)


def file_alias(lab: str, workflow_id: str, uri: str, *, md5: str, private: bool) -> str:
    """The reference's ``lab:<workflow id>-<bucket path>``; private runs use the md5 instead,
    so no file name reaches the portal."""
    if private:
        return alias(lab, workflow_id, md5)
    parsed = urlparse(uri)
    path = f"{parsed.netloc}{parsed.path}" if parsed.scheme in ("gs", "s3") else uri
    return alias(lab, workflow_id, path.replace("/", "-"))


def step_run_payload(who: Attribution, step: Step, alias_: str) -> dict[str, Any]:
    return {"aliases": [alias_], "analysis_step_version": step.dcc_step_version, **who.fields()}


@dataclass(frozen=True)
class FileFacts:
    """What the run learned about one file before posting it."""

    md5: str
    size: int
    dataset: str
    assembly: str | None
    genome_annotation: str | None
    derived_from: tuple[str, ...]  # portal @ids
    step_run: str  # portal @id


def file_payload(who: Attribution, planned: PlannedFile, facts: FileFacts, alias_: str, *,
                 private: bool, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The File object to POST. ``extra`` (callback results) is merged last, as the
    reference does, so callbacks may override template values."""
    spec = planned.spec
    payload: dict[str, Any] = {
        "aliases": [alias_],
        "dataset": facts.dataset,
        "file_format": spec.file_format,
        "output_type": spec.output_type,
        "md5sum": facts.md5,
        "file_size": facts.size,
        "derived_from": list(facts.derived_from),
        "step_run": facts.step_run,
        **who.fields(),
    }
    optional = {
        "file_format_type": spec.file_format_type,
        "assembly": facts.assembly,
        "genome_annotation": facts.genome_annotation,
        "filter_type": spec.filter_type,
        "filter_value": spec.filter_value,
        "pseudo_haplotype": spec.pseudo_haplotype,
        "submitted_file_name": None if private else planned.uri,
    }
    payload.update({k: v for k, v in optional.items() if v is not None})
    payload.update(extra or {})
    return payload


def quality_metric_payload(who: Attribution, properties: dict[str, Any], alias_: str, *,
                           quality_metric_of: list[str], step_run: str,
                           assay_term_name: str | None) -> dict[str, Any]:
    """A quality metric of the files ``quality_metric_of`` (portal @ids); the reference sends
    the dataset's assay name too (the preflight keeps the first when there are several)."""
    payload = {**properties, "aliases": [alias_], "quality_metric_of": quality_metric_of,
               "step_run": step_run, **who.fields()}
    if assay_term_name:
        payload["assay_term_name"] = assay_term_name
    return payload


def workflow_document_payload(who: Attribution, alias_: str, dataset_accession: str,
                              workflow_id: str, metadata_text: str) -> dict[str, Any]:
    """The ``workflow metadata`` document: the run's metadata.json, attached as a data URI."""
    encoded = base64.b64encode(metadata_text.encode()).decode()
    return {"aliases": [alias_], "document_type": "workflow metadata",
            "attachment": {"download": f"{dataset_accession}_{workflow_id}_metadata.json",
                           "type": "application/json",
                           "href": f"data:application/json;base64,{encoded}"},
            **who.fields()}


def analysis_payload(who: Attribution, alias_: str, *, files: list[str], documents: list[str],
                     pipeline_version: str | None, quality_standard: str | None
                     ) -> dict[str, Any]:
    payload: dict[str, Any] = {"aliases": [alias_], "files": files, "documents": documents,
                               **who.fields()}
    if pipeline_version:
        payload["pipeline_version"] = pipeline_version
    if quality_standard:
        payload["quality_standard"] = quality_standard
    return payload


def part_size(size: int, *, base: int = 8 * 1024 * 1024, max_parts: int = 10_000) -> int:
    """Multipart chunk size that keeps an upload under S3's 10,000 parts (8 MiB multiples)."""
    return base * ((max(size, 1) - 1) // (max_parts * base) + 1)
