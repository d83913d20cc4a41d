"""Valid submission payloads for the demo data, to vary one thing at a time in tests."""

from __future__ import annotations

import hashlib
from typing import Any

from encode_accession.localportal.demo import DEMO_AWARD, DEMO_EXPERIMENT, DEMO_LAB

R1, R2 = "/files/TSTFF000001/", "/files/TSTFF000002/"
REPLICATE = "/replicates/50b41356-ac1d-591f-85e0-c9b0b5af83b9/"  # rep 1 of the demo experiment
STEP_VERSION = "/analysis-step-versions/atac-seq-alignment-step-v-2-1/"


def md5_of(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def bam(alias: str = "encode-awg:bam-1", **extra: Any) -> dict[str, Any]:
    payload = {"aliases": [alias], "dataset": DEMO_EXPERIMENT, "file_format": "bam",
               "output_type": "alignments", "assembly": "GRCh38", "md5sum": md5_of(alias),
               "file_size": 10, "lab": DEMO_LAB, "award": DEMO_AWARD, "derived_from": [R1]}
    return {k: v for k, v in {**payload, **extra}.items() if v is not None}


def step_run(alias: str = "encode-awg:step-run-1", **extra: Any) -> dict[str, Any]:
    return {"aliases": [alias], "analysis_step_version": STEP_VERSION, "lab": DEMO_LAB,
            "award": DEMO_AWARD, **extra}
