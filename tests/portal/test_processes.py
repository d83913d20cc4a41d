"""Several OS processes sharing one local portal database, as Snakemake jobs do."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from conftest import time_limit

from encode_accession.localportal.demo import DEMO_DATA
from encode_accession.portal import PortalClient

from .conftest import FAST

WORKER = textwrap.dedent("""
    import sys
    from encode_accession.portal import PortalClient
    db, name = sys.argv[1], sys.argv[2]
    client = PortalClient(f"local:{db}", "DEMOKEY1", "demosecretdemose")
    step = "/analysis-step-versions/atac-seq-alignment-step-v-2-1/"
    for i in range(12):
        for alias in (f"encode-awg:{name}-{i}", f"encode-awg:shared-{i % 4}"):
            client.post("analysis_step_run", {"aliases": [alias], "analysis_step_version": step,
                        "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"})
""")


def test_processes_creating_objects_at_once_never_duplicate_keys(tmp_path):
    db = tmp_path / "shared.sqlite"  # created and seeded by whichever worker comes first
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(db), f"w{n}"],
                                stderr=subprocess.PIPE, text=True) for n in range(3)]
    errors = [w.communicate(timeout=time_limit(120))[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], errors
    client = PortalClient(f"local:{db}", "DEMOKEY1", "demosecretdemose", **FAST)
    runs = client.search("AnalysisStepRun")
    aliases = [a for run in runs for a in run["aliases"]]
    assert len(runs) == 3 * 12 + 4 and len(aliases) == len(set(aliases))
    demo_labs = [o for o in json.loads(DEMO_DATA.read_text()) if "Lab" in o["@type"]]
    assert len(client.search("Lab")) == len(demo_labs)  # the demo data was seeded exactly once
