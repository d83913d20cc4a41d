# The accessioning DAG of each run, in its receipts folder {rundir}:
#   plan (checkpoint) -> checksums (when some md5 means reading bytes) -> preflight -> step (one job per accessioning step, after
#   the steps its files derive from) and its upload (beside the steps after it; the one step no other waits for, if one, uploads in
#   its own job) -> summary (the analysis, then the summary).
# The plan is made before the DAG when the metadata is already here (common.smk: no plan
# job), and a run whose steps all descend from one has that step's job run the preflight
# first (no preflight job; `accession -d` still asks the preflight rule for the receipt).
# In a batch (several runs) a step's job uploads its files too and the sink step's job (every
# other step comes before it) ends with the analysis and summary: see BATCH in common.smk.
# Every job is `python -m encode_accession.accession JOB[,JOB] RUNDIR [STEP]` (params.job, see
# common.smk), which writes the rule's receipts. Stages that always follow each other run in
# one process (a job process costs ~0.4 s of start and imports before it does anything). All rules but `checksums` talk to the portal
# or the tracker database and run locally; `checksums` reads the files' bytes, so a cluster
# executor runs it on a compute node. A run whose stores keep every md5 in their metadata
# (GCS) has no checksums job: its preflight reads them. The summary job exits non-zero, after
# printing its summary, when the run did not get everything onto the portal.

checkpoint plan:
    input:
        lambda wc: local_metadata(RUNS[wc.rundir]),
    output:
        # update: kept while the job runs, and restored if it fails, so the job can refuse a
        # folder holding another run (run/layout.py) without losing that run's plan file
        update(PLAN),
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
        lambda wc: checksums_of(wc.rundir),
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
        lambda wc: step_inputs(wc.rundir, wc.step),
    output:
        STEP_OUTPUTS,
    params:
        job=JOB,
        stages=lambda wc: step_stages(wc.rundir, wc.step),
    log:
        "{rundir}/logs/steps/{step}.log",
    localrule: True
    shell:
        "{params.job} {params.stages} {wildcards.rundir:q} {wildcards.step:q} 2>&1 | tee {log:q}"


# The bytes of a step's files: beside the steps derived from them (those need only the files'
# @ids); the summary waits for every step's uploads. A batch uploads in the step's job (its
# step rule makes the upload receipt too, so it goes first).
ruleorder: step > upload


rule upload:
    input:
        layout.step_receipt("{rundir}", "{step}"),
    output:
        layout.step_uploads("{rundir}", "{step}"),
    params:
        job=JOB,
    log:
        "{rundir}/logs/uploads/{step}.log",
    localrule: True
    shell:
        "{params.job} upload {wildcards.rundir:q} {wildcards.step:q} 2>&1 | tee {log:q}"


rule summary:
    input:
        lambda wc: summary_inputs(wc.rundir),
    output:
        f"{{rundir}}/{layout.ANALYSIS}",
        summary_of("{rundir}"),
    params:
        job=JOB,
        stages=lambda wc: summary_job(wc.rundir)[0],
        step=lambda wc: summary_job(wc.rundir)[1],
    log:
        "{rundir}/logs/summary.log",
    localrule: True
    shell:
        "{params.job} {params.stages} {wildcards.rundir:q} {params.step} 2>&1 | tee {log:q}"


onsuccess:
    if len(RUNS) > 1:
        print(batch_table(RUNS))
    no_timer_left()


onerror:
    no_timer_left()
    if len(RUNS) > 1:
        print(batch_table(RUNS), file=sys.stderr)
    # what failed and why (each failed job's one line), repeated as the very last lines, after
    # Snakemake's own account (the `accession` command prints them itself)
    failed = [m for rundir in RUNS for m in layout.failures(rundir)]
    if failed and not os.environ.get(FAILURES_SHOWN_BY_CALLER):
        atexit.register(print, "\n".join(failed), file=sys.stderr)
