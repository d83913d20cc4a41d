# The accessioning DAG of each run, in its receipts folder {rundir}:
#   plan (checkpoint) -> checksums -> preflight -> step (one job per accessioning step, after
#   the steps its files derive from) -> analysis -> summary.
# Every job is `python -m encode_accession.jobs JOB RUNDIR [STEP]` (params.job, see
# common.smk), which writes the rule's receipt. All rules but `checksums` talk to the portal
# or the tracker database and run locally; `checksums` reads the files' bytes, so a cluster
# executor runs it on a compute node.

checkpoint plan:
    input:
        lambda wc: local_metadata(RUNS[wc.rundir]),
    output:
        PLAN,
    params:
        job=JOB,
        settings=lambda wc: json.dumps(RUNS[wc.rundir], sort_keys=True),
    log:
        "{rundir}/logs/plan.log",
    localrule: True
    shell:
        "{params.job} plan {wildcards.rundir:q} --settings {params.settings:q} 2>&1 | tee {log:q}"


rule checksums:
    input:
        PLAN,
    output:
        f"{{rundir}}/{layout.CHECKSUMS}",
    params:
        job=JOB,
    log:
        "{rundir}/logs/checksums.log",
    threads: 4
    resources:
        runtime=240,
    shell:
        "{params.job} checksums {wildcards.rundir:q} 2>&1 | tee {log:q}"


rule preflight:
    input:
        PLAN,
        f"{{rundir}}/{layout.CHECKSUMS}",
    output:
        PREFLIGHT,
    params:
        job=JOB,
    log:
        "{rundir}/logs/preflight.log",
    localrule: True
    shell:
        "{params.job} preflight {wildcards.rundir:q} 2>&1 | tee {log:q}"


rule step:
    input:
        PREFLIGHT,
        lambda wc: [layout.step_receipt(wc.rundir, s) for s in steps_of(wc.rundir)[wc.step]],
    output:
        layout.step_receipt("{rundir}", "{step}"),
    params:
        job=JOB,
    log:
        "{rundir}/logs/steps/{step}.log",
    localrule: True
    shell:
        "{params.job} step {wildcards.rundir:q} {wildcards.step:q} 2>&1 | tee {log:q}"


rule analysis:
    input:
        PREFLIGHT,
        lambda wc: [layout.step_receipt(wc.rundir, s) for s in steps_of(wc.rundir)],
    output:
        f"{{rundir}}/{layout.ANALYSIS}",
    params:
        job=JOB,
    log:
        "{rundir}/logs/analysis.log",
    localrule: True
    shell:
        "{params.job} analysis {wildcards.rundir:q} 2>&1 | tee {log:q}"


rule summary:
    input:
        f"{{rundir}}/{layout.ANALYSIS}",
        lambda wc: [layout.step_receipt(wc.rundir, s) for s in steps_of(wc.rundir)],
    output:
        summary_of("{rundir}"),
    params:
        job=JOB,
    log:
        "{rundir}/logs/summary.log",
    localrule: True
    shell:
        "{params.job} summary {wildcards.rundir:q} 2>&1 | tee {log:q}"


onsuccess:
    if len(RUNS) > 1:
        print(batch_table(RUNS))


onerror:
    if len(RUNS) > 1:
        print(batch_table(RUNS), file=sys.stderr)
