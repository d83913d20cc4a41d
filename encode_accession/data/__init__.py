"""Data shipped in the wheel: the bundled accessioning steps and the JSON schemas.

Read through importlib.resources so an installed package finds them as a source checkout
does. setuptools installs the package as plain files, so these are real paths (the planner
names them in messages, and Snakemake and ``steps validate`` take them as file arguments).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DATA = Path(str(files(__name__)))
ACCESSION_RULES = DATA / "accession_rules"  # one steps file per pipeline variant
SCHEMAS = DATA / "schemas"  # config.schema.yaml, steps.schema.yaml
