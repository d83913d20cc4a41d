# Accession a finished Cromwell/Caper ENCODE pipeline run to the ENCODE Portal.
#
# The plan (which files, which parents) is built here at parse time from the run's
# metadata.json and the pipeline's accessioning steps; every planned file becomes one job
# whose inputs are the receipts of its derived_from parents. See README.md.

from snakemake.utils import min_version

from encode_accession.workflow import check_config

min_version("9.0")


configfile: "config/config.yaml"


check_config(config)


include: "workflow/rules/common.smk"
include: "workflow/rules/accession.smk"
include: "workflow/rules/tracking.smk"


REPORT_AFTER = [f"{RESULTS}/summary.json"]  # the provenance report includes this run
config["report_after"] = [*config.get("report_after", []), *REPORT_AFTER]


include: "workflow/rules/provenance.smk"


rule all:
    default_target: True
    input:
        f"{RESULTS}/summary.json",
        f"{RESULTS}/provenance/report/report.html",
