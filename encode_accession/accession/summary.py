"""The end of a run: the portal's checks read back, every object created or found listed,
and the run recorded (run record and provenance, in the tracker database)."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from encode_accession.accession import runs
from encode_accession.accession.context import Run
from encode_accession.accession.verify import format_verification, verify_files

# Read the portal's checks once by default: on the real portal checkfiles takes minutes, and
# the reference tool does not wait at all; `verify_timeout` or `encode-accession verify`
# wait when asked.
DEFAULT_VERIFY_TIMEOUT = 0.0


def summary(run: Run, preflight: dict[str, Any], steps: list[dict[str, Any]],
            analysis_receipt: dict[str, Any]) -> dict[str, Any]:
    """Verify the uploads (bounded wait), then list and record every object of the run."""
    files = [f for s in steps for f in s["files"]]
    timeout = float(run.settings.get("verify_timeout", DEFAULT_VERIFY_TIMEOUT))
    verification = verify_files(run.portal, files, timeout=timeout)
    objects = _objects(steps, files, verification, analysis_receipt)
    record(run, preflight, steps, objects)
    return {"workflow_id": run.workflow_id, "dataset": preflight["dataset"],
            "server": run.settings["server"], "analysis": analysis_receipt["@id"],
            "objects": objects, "verification": verification,
            "created": sum(1 for o in objects if o["created"]),
            "found": sum(1 for o in objects if o["created"] is False)}


def _objects(steps: list[dict[str, Any]], files: list[dict[str, Any]],
             verification: dict[str, Any], analysis_receipt: dict[str, Any]
             ) -> list[dict[str, Any]]:
    created_step_runs: dict[str, bool] = {}  # steps may share one step run; either made it
    for s in steps:
        r = s["step_run"]
        created_step_runs[r["@id"]] = created_step_runs.get(r["@id"], False) or r["created"]
    objects = [{"kind": "step run", "@id": i, "created": c, "status": None}
               for i, c in created_step_runs.items()]
    objects += [{"kind": "file", "@id": f["@id"], "created": f["created"],
                 "status": verification["files"].get(f["@id"], {}).get("status", f["status"]),
                 "uri": f["uri"]} for f in files]
    qc_created = {q for s in steps for q in s["quality_metrics"]["created"]}
    qc_ids = dict.fromkeys(q for s in steps for qs in s["quality_metrics"]["quality_metrics"]
                           .values() for q in qs)
    objects += [{"kind": "qc", "@id": q, "created": q in qc_created, "status": None}
                for q in qc_ids]
    objects += [{"kind": "document", "@id": d, "created": None, "status": None}
                for d in analysis_receipt["documents"]]
    objects.append({"kind": "analysis", "@id": analysis_receipt["@id"],
                    "created": analysis_receipt["created"], "status": None})
    return objects


def record(run: Run, preflight: dict[str, Any], steps: list[dict[str, Any]],
           objects: list[dict[str, Any]]) -> None:
    """The accessioned files' provenance and the run record (``info``): one database, one
    transaction, so a run is recorded whole or not at all."""
    files = [f for s in steps for f in s["files"]]
    from encode_accession.database.sqlite import connect, write
    from encode_accession.provenance import record_accessioning_run  # only this job needs it

    qc_by_file = {i: q for s in steps for i, q in s["quality_metrics"]["quality_metrics"].items()}
    status = {o["@id"]: o["status"] for o in objects}
    with closing(connect(run.settings.get("tracker_db"))) as conn, write(conn):
        record_accessioning_run(conn, run.plan, files, preflight["inputs"],
                                workflow_id=run.workflow_id, server=run.settings["server"],
                                lab=run.who.lab)
        runs.record_run(conn, experiment=preflight["dataset"], workflow_id=run.workflow_id,
                        server=run.settings["server"], labels=run.plan.workflow.labels,
                        status="succeeded",
                        files=[runs.FileRecord(f["@id"], status.get(f["@id"]), bool(f["created"]),
                                               tuple(qc_by_file.get(f["id"], ())))
                               for f in files])


def format_summary(result: dict[str, Any]) -> str:
    lines = [f"Accessioned workflow {result['workflow_id']} to {result['dataset']} on "
             f"{result['server']}: {result['created']} objects created, {result['found']} "
             "already there.",
             f"Analysis: {result['analysis']}"]
    for o in result["objects"]:
        state = {True: "created", False: "found", None: ""}[o["created"]]
        lines.append(f"  {o['kind']:<9} {o['@id']:<48} {state:<8} {o['status'] or ''}")
    lines.append(format_verification(result["verification"]))
    return "\n".join(lines)
