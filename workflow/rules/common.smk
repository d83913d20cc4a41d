# What the accessioning rules share: how a job is started, receipt paths, and the run's
# planned steps, read from its plan checkpoint.

import atexit
import json
import os
import re
import sys
import threading

from encode_accession.accession.batch import batch_table
from encode_accession.planning.config import local_metadata, metadata_is_here
from encode_accession.run import layout
from encode_accession.run.layout import FAILURES_SHOWN_BY_CALLER
from encode_accession.run.planfile import plan_ahead, planned_checksums_job, planned_steps

# The interpreter running Snakemake has the package; a job imports only its stage.
JOB = f'"{sys.executable}" -m encode_accession.accession'
PLAN = f"{{rundir}}/{layout.PLAN}"
PREFLIGHT = f"{{rundir}}/{layout.PREFLIGHT}"

# Each run is planned here, in Snakemake's own process, when its metadata is a local file (or
# the demo) and its plan is missing or stale: the plan checkpoint then has nothing to do, so
# there is no plan job and one DAG build (the `accession` command has planned already and
# this finds the plans current). Not in a dry run, which writes nothing, nor in a job's own
# Snakemake on a cluster node. Metadata an upstream rule makes, and bad input, are left to
# the plan job.
if workflow.is_main_process and not workflow.output_settings.dryrun:
    for rundir, settings in RUNS.items():
        if metadata_is_here(settings):
            plan_ahead(f"{rundir}/{layout.PLAN}", settings, f"{rundir}/logs/plan.log")


# A batch (several runs) keeps each step's uploads in its job and folds the summary into the
# sink step's job: its concurrency comes from the runs, and each job process saved is ~0.4
# CPU-s per run. One run uploads beside its child steps instead (the upload rule), but for
# the sink step's files, which no step waits for.
BATCH = len(RUNS) > 1
STEP_OUTPUTS = [layout.step_receipt("{rundir}", "{step}"),
                *([layout.step_uploads("{rundir}", "{step}")] if BATCH else [])]


wildcard_constraints:
    rundir="|".join(re.escape(d) for d in RUNS),
    step=r"step[0-9]+_[A-Za-z0-9_]+",


def summary_of(rundir):
    return f"{rundir}/{layout.SUMMARY}"


def checksums_of(rundir):
    """The checksums receipt, when the run has a checksums job (some md5 means reading
    bytes); a run whose stores keep every md5 has the preflight read them."""
    plan = checkpoints.plan.get(rundir=rundir).output[0]
    return [f"{rundir}/{layout.CHECKSUMS}"] if planned_checksums_job(plan) else []


def steps_of(rundir):
    """The run's planned steps (rule -> the rules it waits for), once its plan has run."""
    return planned_steps(checkpoints.plan.get(rundir=rundir).output[0])


def preflight_step(rundir):
    """The step whose job runs the run's preflight first, in the same process (one job
    process fewer): the run's only step that waits for no other step, so every other step
    descends from it. None when several steps wait for no other: they share a preflight job."""
    roots = [step for step, after in steps_of(rundir).items() if not after]
    return roots[0] if len(roots) == 1 else None


def sink_step(rundir):
    """The run's only step no other step waits for (so it descends from every other), or None
    when it has several: in a batch, that step's job also runs the analysis and summary."""
    steps = steps_of(rundir)
    sinks = [step for step in steps if not any(step in after for after in steps.values())]
    return sinks[0] if len(sinks) == 1 else None


def step_stages(rundir, step):
    """The stages of a step's job: the run's preflight first when it is the root step; its
    uploads when no step waits for them beside it (the sink step), or in a batch; in a batch
    the sink step's job goes on to the analysis and summary."""
    stages = ["preflight"] if step == preflight_step(rundir) else []
    stages.append("step")
    if uploads_in_step_job(rundir, step):
        stages.append("upload")
    if BATCH and step == sink_step(rundir):
        stages += ["analysis", "summary"]
    return ",".join(stages)


def uploads_in_step_job(rundir, step):
    """Whether a step's own job uploads its files: in a batch, and for the sink step."""
    return BATCH or step == sink_step(rundir)


def summary_job(rundir):
    """(stages, step) of the job making the summary: in a batch with a sink step, that step's
    job; otherwise its own `analysis,summary` job."""
    sink = sink_step(rundir) if BATCH else None
    return (step_stages(rundir, sink), sink) if sink else ("analysis,summary", "")


def summary_inputs(rundir):
    """What the summary waits for: the preflight and every step with its uploads (an upload
    receipt a step's job writes beside its own is not asked for: no rule makes it); when the
    sink step's job makes the summary (summary_job), what that step's job waits for."""
    sink = summary_job(rundir)[1]
    if sink:
        return step_inputs(rundir, sink)
    steps = steps_of(rundir)
    return [*preflight_of(rundir), *(layout.step_receipt(rundir, s) for s in steps),
            *(layout.step_uploads(rundir, s) for s in steps
              if BATCH or not uploads_in_step_job(rundir, s))]


def preflight_of(rundir):
    """The preflight receipt as the input of a step or summary job, unless a step job makes
    it (preflight_step): then that job's own inputs are the preflight's."""
    return [] if preflight_step(rundir) else [f"{rundir}/{layout.PREFLIGHT}"]


def step_inputs(rundir, step):
    """A step job waits for the receipts of the steps its files derive from, and the
    preflight; the job that runs the preflight itself waits for what the preflight needs."""
    if step == preflight_step(rundir):
        return [f"{rundir}/{layout.PLAN}", *checksums_of(rundir)]
    return [*preflight_of(rundir), *(layout.step_receipt(rundir, s) for s in steps_of(rundir)[step])]


def no_timer_left():
    """Cancel the timers Snakemake's job-rate limiter leaves behind once every job is done
    (plain `snakemake` limits to 100 jobs/s: each scheduling round arms a 1 s timer, and the
    interpreter waits for the last one before it exits, up to a second after the run)."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()
