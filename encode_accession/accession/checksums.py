"""md5 and size of every planned file and of every input to find on the portal.

The one job of a run that reads file contents (local files are hashed; cloud stores give
their own md5), so it is the one that runs on a compute node under a cluster executor.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from encode_accession.accession.context import Run
from encode_accession.run.state import Checksum, Checksums


def checksums(run: Run) -> Checksums:
    plan = run.plan
    uris = list(dict.fromkeys([*plan.portal_inputs, *(f.uri for f in plan.files.values())]))

    def one(uri: str) -> Checksum:
        return Checksum(md5=run.storage.md5(uri), size=run.storage.size(uri))

    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        found = dict(zip(uris, pool.map(one, uris), strict=True))
    return Checksums(run.workflow_id, run.server, found)
