# Accession finished Cromwell/Caper ENCODE pipeline runs to the ENCODE Portal.
#
# The config names one run (`metadata`, `pipeline`) or a batch (`runs:`); with neither it runs
# the bundled demo. Each run is planned by a checkpoint (its metadata.json may be made by an
# upstream rule), then accessioned by one job per accessioning step. See README.md and
# config/README.md.

from snakemake.utils import min_version

from encode_accession.planning.config import check_config, run_settings
from encode_accession.run.layout import check_results_server

min_version("9.0")


check_config(config)
RUNS = run_settings(config)  # receipts folder -> the run's settings
check_results_server(RUNS)
RESULTS = config["results"]


include: "workflow/rules/common.smk"
include: "workflow/rules/accession.smk"
include: "workflow/rules/tracking.smk"


REPORT_AFTER = [summary_of(rundir) for rundir in RUNS]  # the provenance report includes the runs
config["report_after"] = [*config.get("report_after", []), *REPORT_AFTER]


include: "workflow/rules/provenance.smk"


rule all:
    default_target: True
    input:
        REPORT_AFTER,
        f"{RESULTS}/provenance/report/report.html",
