# The accessioning DAG of each run, in its receipts folder {rundir}:
#   plan (checkpoint) -> checksums -> preflight -> step (one job per accessioning step, after
#   the steps its files derive from) -> analysis -> summary.
# Every job is `python -m encode_accession.jobs JOB RUNDIR [STEP]`, which writes the rule's
# receipt. All rules but `checksums` talk to the portal or the tracker database and run
# locally; `checksums` reads the files' bytes, so a cluster executor runs it on a node.

import json
import re
import sys

from encode_accession import layout
from encode_accession.workflow import batch_table, local_metadata, planned_steps

JOB = f'"{sys.executable}" -m encode_accession.jobs'
PLAN = f"{{rundir}}/{layout.PLAN}"
PREFLIGHT = f"{{rundir}}/{layout.PREFLIGHT}"


wildcard_constraints:
    rundir="|".join(re.escape(d) for d in RUNS),
    step=r"step[0-9]+_[A-Za-z0-9_]+",


def summary_of(rundir):
    return f"{rundir}/{layout.SUMMARY}"


def steps_of(rundir):
    """The run's planned steps (rule -> step), known once its plan checkpoint has run."""
    return planned_steps(checkpoints.plan.get(rundir=rundir).output[0])


checkpoint plan:
    input:
        lambda wc: local_metadata(RUNS[wc.rundir]),
    output:
        PLAN,
    params:
        settings=lambda wc: json.dumps(RUNS[wc.rundir], sort_keys=True),
    log:
        "{rundir}/logs/plan.log",
    localrule: True
    shell:
        JOB + " plan {wildcards.rundir:q} --settings {params.settings:q} 2>&1 | tee {log:q}"


rule checksums:
    input:
        PLAN,
    output:
        f"{{rundir}}/{layout.CHECKSUMS}",
    log:
        "{rundir}/logs/checksums.log",
    threads: 4
    resources:
        runtime=240,
    shell:
        JOB + " checksums {wildcards.rundir:q} 2>&1 | tee {log:q}"


rule preflight:
    input:
        PLAN,
        f"{{rundir}}/{layout.CHECKSUMS}",
    output:
        PREFLIGHT,
    log:
        "{rundir}/logs/preflight.log",
    localrule: True
    retries: 2
    shell:
        JOB + " preflight {wildcards.rundir:q} 2>&1 | tee {log:q}"


rule step:
    input:
        PREFLIGHT,
        lambda wc: [layout.step_receipt(wc.rundir, s) for s in steps_of(wc.rundir)[wc.step]],
    output:
        layout.step_receipt("{rundir}", "{step}"),
    log:
        "{rundir}/logs/steps/{step}.log",
    localrule: True
    retries: 2
    shell:
        JOB + " step {wildcards.rundir:q} {wildcards.step:q} 2>&1 | tee {log:q}"


rule analysis:
    input:
        PREFLIGHT,
        lambda wc: [layout.step_receipt(wc.rundir, s) for s in steps_of(wc.rundir)],
    output:
        f"{{rundir}}/{layout.ANALYSIS}",
    log:
        "{rundir}/logs/analysis.log",
    localrule: True
    retries: 2
    shell:
        JOB + " analysis {wildcards.rundir:q} 2>&1 | tee {log:q}"


rule summary:
    input:
        f"{{rundir}}/{layout.ANALYSIS}",
        lambda wc: [layout.step_receipt(wc.rundir, s) for s in steps_of(wc.rundir)],
    output:
        summary_of("{rundir}"),
    log:
        "{rundir}/logs/summary.log",
    localrule: True
    retries: 2
    shell:
        JOB + " summary {wildcards.rundir:q} 2>&1 | tee {log:q}"


onsuccess:
    if len(RUNS) > 1:
        print(batch_table(RUNS))


onerror:
    if len(RUNS) > 1:
        print(batch_table(RUNS), file=sys.stderr)
