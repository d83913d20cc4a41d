"""Every object a run created or found, recorded in the run database and the provenance
tables."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from .. import runs
from ..provenance import record_accessioning_run
from ..tracker import connect as connect_tracker
from .context import Run


def summary(run: Run, preflight_receipt: dict[str, Any], step_runs: list[dict[str, Any]],
            files: list[dict[str, Any]], uploads: list[dict[str, Any]],
            qc_receipt: dict[str, Any], analysis_receipt: dict[str, Any]) -> dict[str, Any]:
    """Every object created or found, with its status; the run goes into the runs database."""
    upload_status = {u["@id"]: u["status"] for u in uploads}
    created_step_runs: dict[str, bool] = {}  # steps may share one step run; either made it
    for r in step_runs:
        created_step_runs[r["@id"]] = created_step_runs.get(r["@id"], False) or r["created"]
    objects = [{"kind": "step run", "@id": i, "created": c, "status": None}
               for i, c in created_step_runs.items()]
    objects += [{"kind": "file", "@id": f["@id"], "created": f["created"],
                 "status": upload_status.get(f["@id"], f["status"]), "uri": f["uri"]}
                for f in files]
    qc_by_file = {f["@id"]: qc_receipt["quality_metrics"].get(f["id"], []) for f in files}
    objects += [{"kind": "qc", "@id": q, "created": q in qc_receipt["created"], "status": None}
                for q in dict.fromkeys(q for qs in qc_by_file.values() for q in qs)]
    objects += [{"kind": "document", "@id": d, "created": None, "status": None}
                for d in analysis_receipt["documents"]]
    objects.append({"kind": "analysis", "@id": analysis_receipt["@id"],
                    "created": analysis_receipt["created"], "status": None})
    with closing(connect_tracker(run.config.get("tracker_db"))) as conn:
        record_accessioning_run(conn, run.plan, files, preflight_receipt["inputs"],
                                workflow_id=run.workflow_id, server=run.config["server"],
                                lab=run.who.lab)
    with runs.connect(run.config.get("runs_db")) as db:
        runs.record_run(db, experiment=preflight_receipt["dataset"], workflow_id=run.workflow_id,
                        labels=run.plan.workflow.labels, status="succeeded",
                        files=[runs.FileRecord(o["@id"], o["status"], bool(o["created"]),
                                               tuple(qc_by_file[o["@id"]]))
                               for o in objects if o["kind"] == "file"])
    return {"workflow_id": run.workflow_id, "dataset": preflight_receipt["dataset"],
            "analysis": analysis_receipt["@id"], "objects": objects,
            "created": sum(1 for o in objects if o["created"]),
            "found": sum(1 for o in objects if o["created"] is False)}


def format_summary(result: dict[str, Any]) -> str:
    lines = [f"Accessioned workflow {result['workflow_id']} to {result['dataset']}: "
             f"{result['created']} objects created, {result['found']} already there.",
             f"Analysis: {result['analysis']}"]
    for o in result["objects"]:
        state = {True: "created", False: "found", None: ""}[o["created"]]
        lines.append(f"  {o['kind']:<9} {o['@id']:<48} {state:<8} {o['status'] or ''}")
    return "\n".join(lines)
