# The accessioning DAG. preflight -> one step run per step -> one job per planned file
# (waiting for the receipts of its derived_from parents) -> one upload per file -> analysis.
# Portal jobs are localrules: they need the portal keys and share the receipts folder.

import re

JOB = "../../scripts/portal_job.py"


localrules:
    preflight,
    step_run,
    quality_metrics,
    analysis,
    summary,


rule preflight:
    output:
        f"{RESULTS}/preflight.json",
    params:
        job="preflight",
    script:
        JOB


rule step_run:
    input:
        preflight=f"{RESULTS}/preflight.json",
    output:
        f"{RESULTS}/step_runs/{{step}}.json",
    params:
        job="step_run",
        step=lambda wc: wc.step,
    retries: 2
    script:
        JOB


for _step in PLAN.steps:
    _files = PLAN.files_of(_step)
    if not _files:
        continue

    rule:
        name:
            _step.rule
        localrule: True
        input:
            preflight=f"{RESULTS}/preflight.json",
            step_run=f"{RESULTS}/step_runs/{_step.rule}.json",
            parents=lambda wc: [receipt(PLAN.files[p]) for p in PLAN.planned_parents(wc.file_id)],
        output:
            f"{RESULTS}/files/{_step.rule}/{{file_id}}.json",
        wildcard_constraints:
            file_id="|".join(re.escape(f.id) for f in _files),
        params:
            job="file",
        retries: 2
        script:
            JOB


rule upload:
    input:
        file=lambda wc: receipt(PLAN.files[wc.file_id]),
    output:
        f"{RESULTS}/uploads/{{file_id}}.json",
    params:
        job="upload",
    retries: 2
    script:
        JOB


rule quality_metrics:
    input:
        preflight=f"{RESULTS}/preflight.json",
        files=[receipt(f) for f in PLAN.files.values()],
    output:
        f"{RESULTS}/quality_metrics.json",
    params:
        job="quality_metrics",
    retries: 2
    script:
        JOB


rule analysis:
    input:
        preflight=f"{RESULTS}/preflight.json",
        files=[receipt(f) for f in PLAN.files.values()],
        uploads=[f"{RESULTS}/uploads/{f.id}.json" for f in PLAN.files.values()],
    output:
        f"{RESULTS}/analysis.json",
    params:
        job="analysis",
    retries: 2
    script:
        JOB


rule summary:
    input:
        preflight=f"{RESULTS}/preflight.json",
        step_runs=[f"{RESULTS}/step_runs/{s.rule}.json" for s in PLAN.steps if PLAN.files_of(s)],
        files=[receipt(f) for f in PLAN.files.values()],
        uploads=[f"{RESULTS}/uploads/{f.id}.json" for f in PLAN.files.values()],
        quality_metrics=f"{RESULTS}/quality_metrics.json",
        analysis=f"{RESULTS}/analysis.json",
    output:
        f"{RESULTS}/summary.json",
    params:
        job="summary",
    script:
        JOB
