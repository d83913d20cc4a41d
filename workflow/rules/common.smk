# What the accessioning rules share: how a job is started, receipt paths, and the run's
# planned steps, read from its plan checkpoint.

import atexit
import json
import os
import re
import sys

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
            plan_ahead(f"{rundir}/{layout.PLAN}", settings)


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

