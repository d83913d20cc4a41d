"""The bundled demo data set: names other code and tests refer to, and its file contents.

The key pair is a published demo credential for local portals only, not a secret.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from encode_accession.localportal.identity import PIPELINE_LAB

__all__ = ["PIPELINE_LAB"]  # re-exported: the demo's pipeline steps belong to it

DEMO_DATA = Path(__file__).with_name("demo.json")
DEMO_KEY_ID = "DEMOKEY1"
DEMO_SECRET = "demosecretdemose"
DEMO_USER = "/users/0d5fd0b4-8a1e-4c3b-9f51-6a8e8c2d7a11/"
DEMO_LAB = "/labs/encode-awg/"
DEMO_AWARD = "/awards/DEMO-AWARD/"
DEMO_VIEWING_GROUP = "ENCODE4"  # the demo award's, and so the demo user's viewing group
DEMO_EXPERIMENT = "/experiments/TSTSR000001/"
DEMO_REFERENCE = "/references/TSTSR000002/"
DEMO_FILE_NAMES = (
    "rep1_R1.fastq.gz", "rep1_R2.fastq.gz", "rep2_R1.fastq.gz", "rep2_R2.fastq.gz",
    "GRCh38_bowtie2_index.tar", "GRCh38_blacklist.bed.gz", "GRCh38.chrom.sizes",
)


def demo_content(submitted_file_name: str) -> bytes:
    """The bytes a demo input file holds; the demo Cromwell run writes the same."""
    return f"demo-content:{submitted_file_name}\n".encode()


def demo_md5(submitted_file_name: str) -> str:
    return hashlib.md5(demo_content(submitted_file_name)).hexdigest()
