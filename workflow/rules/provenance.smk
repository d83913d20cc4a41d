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
# RO-Crate into {RESULTS}/provenance/report/ after them and after the files listed in
# REPORT_AFTER (the main Snakefile: the accessioning run's summary, which records the posted
# files); its outputs are part of `snakemake --report`. Your own rules can record their
# outputs from their scripts: `from encode_accession.provenance import log_outputs`.

from encode_accession.provenance.workflow import RECEIPTS, provenance_entries

PROVENANCE = provenance_entries(config)  # bad entries stop the run here, before any job
# files the report waits for; the main Snakefile sets it to the accessioning run's summary
REPORT_AFTER = globals().get("REPORT_AFTER", [])


def provenance_receipt(key):
    return f"{RESULTS}/{RECEIPTS}/{key}.json"


localrules:
    log_derived,
    log_derived_all,
    report,


rule log_derived:
    input:
        lambda wc: [*PROVENANCE[wc.entry]["inputs"],
                    *[provenance_receipt(k) for k in PROVENANCE[wc.entry]["after"]]],
    output:
        provenance_receipt("{entry}"),
    wildcard_constraints:
        entry=r"[A-Za-z0-9.-]+",
    params:
        entry=lambda wc: PROVENANCE[wc.entry],
        db=config.get("tracker_db"),
    script:
        "../../scripts/log_derived.py"


rule log_derived_all:
    input:
        [provenance_receipt(key) for key in PROVENANCE],


rule report:
    input:
        [provenance_receipt(key) for key in PROVENANCE],
        REPORT_AFTER,
    output:
        report(f"{RESULTS}/provenance/report/report.html", category="Provenance"),
        report(f"{RESULTS}/provenance/report/provenance.json", category="Provenance"),
        report(f"{RESULTS}/provenance/report/ro-crate-metadata.json", category="Provenance"),
    params:
        db=config.get("tracker_db"),
    script:
        "../../scripts/provenance_report.py"
