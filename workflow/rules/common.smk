# Builds the plan once per Snakemake process; bad input stops here, before any job runs.

from encode_accession.workflow import plan_from_config, receipt_path

PLAN = plan_from_config(config, announce=True)
RESULTS = config["results"]


def receipt(planned):
    return receipt_path(RESULTS, planned)
