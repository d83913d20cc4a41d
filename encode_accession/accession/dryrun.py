"""What ``accession -d/--dry-run`` shows after the preflight: what a run would post, read back
from the run's receipts (the plan, the preflight, and any file an earlier attempt posted)."""

from __future__ import annotations

import json
from pathlib import Path

from encode_accession.run import layout
from encode_accession.run.receipts import load
from encode_accession.run.state import Preflight


def preflight_report(rundir: str | Path) -> str:
    """The dataset, its replicates, the inputs found on the portal, the files a run would
    post and those an earlier attempt posted (a run resumes them), and md5 duplicates."""
    rundir = Path(rundir)
    plan = json.loads((rundir / layout.PLAN).read_text())["plan"]
    pre = load(rundir / layout.PREFLIGHT, Preflight, rundir)
    posted = {p.stem for p in rundir.glob("files/*/*.json")}
    planned = [f["id"] for f in plan["files"]]
    to_post = [i for i in planned if i not in posted]
    lines = [
        f"Dry run of workflow {pre.workflow_id} (nothing was posted):",
        f"  dataset        {pre.dataset} ({pre.assay_term_name or 'no assay'}), "
        f"{pre.biological_replicates} biological replicate(s); assembly "
        f"{pre.assembly or '-'}, genome annotation {pre.genome_annotation or '-'}",
        f"  inputs         {len(pre.inputs)} found on the portal by md5",
        *(f"                 {uri} -> {found.portal_id}" for uri, found in pre.inputs.items()),
        f"  to post        {len(to_post)} of {len(planned)} planned files "
        f"in {sum(1 for s in plan['steps'] if s['files'])} steps",
        f"  to resume      {len(planned) - len(to_post)} files an earlier attempt posted",
        f"  duplicates     {len(pre.duplicates)} planned files' md5s already on the portal"
        + (" (posted anyway: force)" if pre.duplicates else ""),
        *(f"                 {d.file} = {d.portal_file} ({d.status})" for d in pre.duplicates),
        *(f"  skipped        {s['where']}: {s['reason']}" for s in plan.get("skipped", [])),
    ]
    return "\n".join(lines)
