"""ENCODE files as Snakemake inputs, and the lineage of everything made from them.

- `files`: which portal file an accession means now (replaced files lead to what replaced
  them, revoked and deleted ones are refused) and what the portal says of it;
- `cache`: md5-checked downloads into a cache that is never downloaded twice;
- `storage`: the Snakemake storage plugin (`storage.encode("ENCFF...")`), found by Snakemake
  through the top-level package `snakemake_storage_plugin_encode`;
- `lineage`: what the `encode_provenance` rule (`LINEAGE_RULES`, included by a Snakefile)
  records: every job's outputs from Snakemake's own job records, the ENCODE inputs and their
  experiments, and the report.

See docs/snakemake-inputs.md.
"""

from pathlib import Path

# The rules file a Snakefile includes to record lineage and write the report (opt-in).
LINEAGE_RULES = str(Path(__file__).with_name("lineage.smk"))

__all__ = ["LINEAGE_RULES"]
