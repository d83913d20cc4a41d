# Record files made outside the accessioning run (config `provenance:`, a list of
# {path, sources, tool, tool_version, parameters, description}) into the tracker database
# (config `tracker_db`, default $ENCODE_TRACKER_DB or ~/.encode_connector/tracker.db), and
# write the provenance report of everything recorded. The including Snakefile defines
# `config` and `RESULTS`.
#
# One local job per entry writes {RESULTS}/provenance/logged/<file>-<hash>.json once its file
# and its path sources exist (the rules making them run first, and log their outputs if they
# call log_outputs) and the entries logging its path sources are done. `log_derived_all`
# asks for every entry; `report` writes report.html, provenance.json (W3C PROV) and an
# RO-Crate into {RESULTS}/provenance/report/ after them and after the files listed in config
# `report_after` (the main Snakefile adds the accessioning run's summary, REPORT_AFTER, which
# records the posted files); its outputs are part of `snakemake --report`. Your own rules can
# record their outputs from their scripts:
# `from encode_accession.provenance import log_outputs`. Jobs are
# `python -m encode_accession.provenance log|report` (commands of the package, as every
# job of this workflow: no Snakemake import per job).
# Every rule is local (`localrule: True`, which holds when this file is used as a module):
# they read and write the tracker database on the submit host's disk.

import json
import shlex
import sys
from pathlib import Path

from encode_accession.provenance.workflow import provenance_entries, provenance_receipt

PROVENANCE_JOB = f'"{sys.executable}" -m encode_accession.provenance'

PROVENANCE = provenance_entries(config)  # bad entries stop the run here, before any job


rule log_derived:
    localrule: True
    input:
        lambda wc: [*PROVENANCE[wc.entry]["inputs"],
                    *[provenance_receipt(RESULTS, k) for k in PROVENANCE[wc.entry]["after"]]],
    output:
        provenance_receipt(RESULTS, "{entry}"),
    log:
        f"{RESULTS}/logs/provenance/log_derived/{{entry}}.log",
    wildcard_constraints:
        entry=r"[A-Za-z0-9.-]+",
    params:
        job=PROVENANCE_JOB,
        entry=lambda wc: json.dumps(PROVENANCE[wc.entry], sort_keys=True),
        db=f"--db {shlex.quote(config['tracker_db'])}" if config.get("tracker_db") else "",
    shell:
        "{params.job} log {params.entry:q} {output:q} {params.db} > {log:q} 2>&1"


rule log_derived_all:
    localrule: True
    input:
        [provenance_receipt(RESULTS, key) for key in PROVENANCE],


rule report:
    localrule: True
    input:
        [provenance_receipt(RESULTS, key) for key in PROVENANCE],
        config.get("report_after", []),
    output:
        report(f"{RESULTS}/provenance/report/report.html", category="Provenance"),
        report(f"{RESULTS}/provenance/report/provenance.json", category="Provenance"),
        report(f"{RESULTS}/provenance/report/ro-crate-metadata.json", category="Provenance"),
    log:
        f"{RESULTS}/logs/provenance/report.log",
    params:
        job=PROVENANCE_JOB,
        db=f"--db {shlex.quote(config['tracker_db'])}" if config.get("tracker_db") else "",
        folder=lambda wc, output: str(Path(output[0]).parent),
    shell:
        "{params.job} report {params.folder:q} {params.db} > {log:q} 2>&1"
