"""What every job of a run shares: the loaded plan, the portal client, storage and aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from encode_accession.accession.payloads import Attribution, file_alias
from encode_accession.planning.plan import Plan, PlannedFile
from encode_accession.portal.client import PortalClient
from encode_accession.qc.registry import QcContext
from encode_accession.run.planfile import LoadedRun
from encode_accession.run.receipts import load_own
from encode_accession.run.state import Preflight, Settings, State
from encode_accession.storage.stores import Storage, get_storage

R = TypeVar("R", bound=State)


@dataclass
class Run:
    """One run's jobs see it through this: settings and plan come from the plan file."""

    loaded: LoadedRun
    qc_cache: dict[str, Any] = field(default_factory=dict)  # QC files read once per job
    # portal @id -> the upload credentials its POST answered with: an upload in the same
    # process (a batch's step job, a sink step's) needs no GET @@upload. Never written down.
    upload_credentials: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def plan(self) -> Plan:
        return self.loaded.plan

    @property
    def rundir(self) -> Path:
        return self.loaded.path.parent

    @property
    def concurrency(self) -> int:
        return self.settings.concurrency

    @property
    def server(self) -> str:
        return self.settings.server

    @cached_property
    def who(self) -> Attribution:
        return Attribution(lab=self.settings.lab, award=self.settings.award)

    @cached_property
    def portal(self) -> PortalClient:
        s = self.settings
        return PortalClient(s.server, ca_bundle=s.ca_bundle, rate_limit=s.rate_limit,
                            pool_size=self.concurrency + 2)

    @cached_property
    def storage(self) -> Storage:
        return get_storage(self.settings.s3_endpoint_url)

    @property
    def workflow_id(self) -> str:
        return self.plan.workflow.id

    @property
    def private(self) -> bool:
        """Asked for in the config, or by the steps file (``private_filenames``: redacted BAMs)."""
        return self.settings.private or self.plan.steps_file.facts.private_filenames

    def load(self, path: str | Path, kind: type[R]) -> R:
        """A receipt an earlier job of this run wrote; another run's stops the job."""
        return load_own(path, kind, self.rundir, self.workflow_id, self.server)

    def qc_context(self, planned: PlannedFile, preflight: Preflight) -> QcContext:
        return QcContext(self.plan.workflow, planned, self.storage.read_bytes,
                         preflight.biological_replicates, self.qc_cache)

    def file_alias(self, planned: PlannedFile, md5: str) -> str:
        return file_alias(self.who.lab, self.workflow_id, planned.uri, md5=md5,
                          private=self.private)
