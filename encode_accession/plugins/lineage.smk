# Lineage of a workflow that reads ENCODE files with storage.encode("ENCFF..."), and its
# provenance report. Opt in by including this file (before the rules that name its report):
#
#     from encode_accession.plugins import LINEAGE_RULES
#     include: LINEAGE_RULES
#
# and asking for the report, e.g. in your first rule: `input: ..., ENCODE_PROVENANCE_REPORT`.
# Rule `encode_provenance` (local: it writes the tracker database) then records, from
# Snakemake's own record of every finished job, each output made from ENCODE files or from
# recorded files (checksums, rule, shell command or script, params, software, inputs as
# sources), the ENCODE files and their experiments (tracked), and writes report.html,
# provenance.json (W3C PROV) and an RO-Crate, which `snakemake --report` includes. Config
# `encode_provenance` (every key optional): targets (default: the inputs of your default
# target), report (folder, default results/provenance), tracker_db (default config
# `tracker_db`, else $ENCODE_TRACKER_DB or ~/.encode_connector/tracker.db), track (default
# true). Why a rule and Snakemake's job records: encode_accession/plugins/lineage.py.

from encode_accession.plugins.lineage import LineageSettings, default_targets, record_and_report

ENCODE_LINEAGE = LineageSettings.from_config(config)  # a bad setting stops the run here
ENCODE_PROVENANCE_REPORT = ENCODE_LINEAGE.report_files


rule encode_provenance:
    localrule: True
    input:
        lambda wildcards: ENCODE_LINEAGE.targets or default_targets(workflow, ENCODE_LINEAGE),
    output:
        report(ENCODE_PROVENANCE_REPORT[0], category="Provenance"),
        report(ENCODE_PROVENANCE_REPORT[1], category="Provenance"),
        report(ENCODE_PROVENANCE_REPORT[2], category="Provenance"),
    log:
        ENCODE_LINEAGE.log,
    run:
        record_and_report(workflow, storage.encode, list(input), ENCODE_LINEAGE, log[0])
