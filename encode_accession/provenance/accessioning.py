"""An accessioning run's provenance: its posted files (what each is, the analysis step and
WDL task that made it) and the inputs it found on the portal (fastqs, references), built
from the plan and the run's receipts. Pure mapping here; recording is in `record`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from encode_accession.planning.plan import Plan
from encode_accession.provenance.identity import accession_of
from encode_accession.provenance.record import (
    Logged,
    record_accessioned_files,
    record_portal_sources,
)


def file_records(plan: Plan, files: Sequence[Mapping[str, Any]], *, workflow_id: str,
                 server: str, lab: str | None) -> list[dict[str, Any]]:
    """`record_accessioned_file` arguments for each file receipt (keys: id, uri, md5sum,
    file_size, accession, @id, derived_from, step_run)."""
    records = []
    for f in files:
        planned = plan.files[f["id"]]
        spec = planned.spec
        records.append(dict(
            uri=f["uri"], md5=f["md5sum"], size=f["file_size"], accession=f["accession"],
            portal_id=f["@id"], derived_from=f["derived_from"], step_run=f["step_run"],
            workflow_id=workflow_id, docker_image=planned.call.docker, server=server, lab=lab,
            output_type=spec.output_type,
            file_format=" ".join(filter(None, (spec.file_format, spec.file_format_type))),
            step_name=planned.step.dcc_step_run, step_version=planned.step.dcc_step_version,
            task=planned.step.task))
    return records


def source_records(plan: Plan, inputs: Mapping[str, Mapping[str, Any] | None], *,
                   server: str) -> list[dict[str, Any]]:
    """`record_portal_sources` entries for the inputs found on the portal: the role is
    fastq for the steps file's raw fastq keys, reference for anything else (indexes,
    blacklists, annotations)."""
    filekeys: dict[str, str] = {}
    for planned in plan.files.values():
        for parent in planned.parents:
            if parent.planned_id is None:
                filekeys.setdefault(parent.uri, planned.spec.derived_from[parent.spec].filekey)
    records = []
    for uri, found in inputs.items():
        accession = accession_of(str((found or {}).get("accession") or (found or {}).get("@id")
                                     or ""))
        if not found or not accession:
            continue
        filekey = filekeys.get(uri)
        records.append({
            "accession": accession, "portal_id": found.get("@id"),
            "file_name": PurePosixPath(uri).name, "output_type": found.get("output_type"),
            "role": "fastq" if filekey in plan.steps_file.raw_fastqs_keys else "reference",
            "filekey": filekey, "server": server})
    return records


def record_accessioning_run(conn: sqlite3.Connection, plan: Plan,
                            files: Sequence[Mapping[str, Any]],
                            inputs: Mapping[str, Mapping[str, Any] | None], *,
                            workflow_id: str, server: str, lab: str | None) -> list[Logged]:
    """Record the run's inputs found on the portal, then its files."""
    record_portal_sources(conn, source_records(plan, inputs, server=server))
    return record_accessioned_files(conn, file_records(plan, files, workflow_id=workflow_id,
                                                       server=server, lab=lab))
