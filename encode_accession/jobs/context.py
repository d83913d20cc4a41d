"""What every job shares: the run rebuilt from the config, and get-or-create by alias."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..payloads import (
    Attribution,
    file_alias,
)
from ..plan import Plan, PlannedFile
from ..portal.client import PortalClient
from ..qc import QcContext
from ..storage import Storage, get_storage
from ..workflow import Setup, setup_from_config


@dataclass
class Run:
    """Everything a job needs, rebuilt in each job process from the validated config."""

    config: dict[str, Any]
    qc_cache: dict[str, Any] = field(default_factory=dict)  # QC files read once per job

    @cached_property
    def setup(self) -> Setup:
        return setup_from_config(self.config)

    @property
    def plan(self) -> Plan:
        return self.setup.plan

    @cached_property
    def who(self) -> Attribution:
        return Attribution(lab=self.config["lab"], award=self.config["award"])

    @cached_property
    def portal(self) -> PortalClient:
        return PortalClient(self.config["server"])

    @cached_property
    def storage(self) -> Storage:
        return get_storage(self.config.get("s3_endpoint_url"))

    @property
    def workflow_id(self) -> str:
        return self.plan.workflow.id

    @property
    def private(self) -> bool:
        """Asked for in the config, or by the steps file (``private_filenames``: redacted BAMs)."""
        return bool(self.config.get("private")) or self.plan.steps_file.facts.private_filenames

    def qc_context(self, planned: PlannedFile, preflight_receipt: dict[str, Any]) -> QcContext:
        return QcContext(self.plan.workflow, planned, self.storage.read_bytes,
                         preflight_receipt["biological_replicates"], self.qc_cache)

    def file_alias(self, planned: PlannedFile, md5: str) -> str:
        return file_alias(self.who.lab, self.workflow_id, planned.uri, md5=md5,
                          private=self.private)


def get_or_create(portal: PortalClient, collection: str, payload: dict[str, Any]
                  ) -> tuple[dict[str, Any], bool]:
    """Look the object up by its first alias; create it only when it is not there."""
    existing = portal.get(payload["aliases"][0], database=True)
    if existing is not None:
        return existing, False
    return portal.post(collection, payload), True
