# Track ENCODE experiments listed in config `track:` ({accession, notes}) into the tracker
# database (config `tracker_db`, default $ENCODE_TRACKER_DB or ~/.encode_connector/tracker.db),
# reading them from config `server`. One local job per accession, each writing a receipt;
# `track_all` asks for all receipts. Each job is `python -m encode_accession.tracker`
# (a command of the package, as every job of this workflow: no Snakemake import per job). Local rules (`localrule: True`, which holds when this file
# is used as a module): every job writes the same SQLite file (WAL, busy timeout, short
# transactions), which must stay on the submit host's disk.

import shlex
import sys

from encode_accession.tracker.workflow import job_arguments, track_entries

TRACK = track_entries(config)  # bad entries stop the run here, before any job


rule track_experiment:
    localrule: True
    output:
        f"{RESULTS}/tracking/{{accession}}.json",
    log:
        f"{RESULTS}/logs/tracking/{{accession}}.log",
    wildcard_constraints:
        accession=r"(ENC|TST)SR[0-9]{3}([0-9]{3}|[A-Z]{3})",
    params:
        args=lambda wc, output: shlex.join(job_arguments(TRACK[wc.accession], output[0], config)),
    retries: 2
    shell:
        f'"{sys.executable}" -m encode_accession.tracker {{params.args}} > {{log:q}} 2>&1'


rule track_all:
    localrule: True
    input:
        [f"{RESULTS}/tracking/{accession}.json" for accession in TRACK],
