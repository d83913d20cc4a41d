"""Where the workflow's files are: the Snakefile, its rules, the steps files, the schemas, the
config template and the cluster profiles.

The repository keeps one copy of them at its top level (``Snakefile``, ``workflow/``,
``accession_rules/``, ``config/``, ``profiles/``); the wheel's build configuration
(pyproject.toml, ``force-include``) maps that tree into the package as ``bundle/``. A clone
(an editable install imports the package from it) reads them at its top level, beside the
package; an installed wheel reads its ``bundle/``. Everything that needs one of these paths
asks here.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent if (PACKAGE.parent / "Snakefile").is_file() else PACKAGE / "bundle"

SNAKEFILE = ROOT / "Snakefile"
ACCESSION_RULES = ROOT / "accession_rules"  # one steps file per pipeline variant
SCHEMAS = ROOT / "workflow" / "schemas"  # config.schema.yaml, steps.schema.yaml
CONFIG_TEMPLATE = ROOT / "config" / "config.yaml"
PROFILES = ROOT / "profiles"  # Snakemake profiles: slurm
