"""Refusals before anything is posted: runs a careful submitter would never accession.

- A workflow Cromwell did not finish with ``Succeeded`` (Failed, Running, Aborted, ...): its
  outputs may be partial. ``allow_unsucceeded: true`` accessions it anyway.
- Steps whose ``dcc_step_version`` is not on the portal, or is ``deleted`` there: the steps
  format requires each to exist, and every step run would be refused later, one by one.
- A dataset that is ``deleted``, ``replaced`` or ``revoked``: on the real portal only admins
  may see deleted and replaced objects and revoked data is withdrawn, so new files there are
  lost (encode-portal-api.md, "Permissions by status", from encoded's ``types/base.py``).
  A submitter's key is not even shown such a dataset or step version (403): that is refused
  the same way, saying the key may not see it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from encode_accession.core.errors import InputError, InputErrors
from encode_accession.metadata.cromwell import Workflow
from encode_accession.planning.plan import Plan
from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import PortalForbidden

SUCCEEDED = "Succeeded"
CLOSED_DATASET_STATUSES = frozenset({"deleted", "replaced", "revoked"})


def workflow_status_problem(workflow: Workflow, *, allow_unsucceeded: bool) -> InputError | None:
    """A workflow that did not succeed, unless the user insists; metadata without a status
    (not written by Cromwell) passes."""
    if workflow.status in (None, SUCCEEDED) or allow_unsucceeded:
        return None
    return InputError(workflow.source, "status",
                      f"workflow {workflow.id} is {workflow.status}, not {SUCCEEDED}: its "
                      "outputs may be missing or incomplete",
                      "accession a finished run; to post this one anyway set "
                      "allow_unsucceeded: true (or --config allow_unsucceeded=true)")


def step_version_problems(plan: Plan, portal: PortalClient) -> list[InputError]:
    """One problem per ``dcc_step_version`` of the planned steps that the portal lacks or has
    deleted."""
    first_step: dict[str, int] = {}
    for step in plan.steps:
        if step.dcc_step_version:
            first_step.setdefault(step.dcc_step_version, step.index)
    with ThreadPoolExecutor(max_workers=4) as pool:  # one GET each, concurrently
        found = dict(zip(first_step, pool.map(lambda v: _seen(portal, v), first_step),
                         strict=True))
    problems = []
    for version, index in first_step.items():
        where = (plan.steps_file.path, f"accession.steps[{index}].dcc_step_version")
        obj = found[version]
        if obj is _HIDDEN:
            problems.append(InputError(*where, f"{version} is not visible to {portal.caller} on "
                                       f"the portal {portal.server}", "the portal shows deleted "
                                       "step versions to admins only: use the steps file of a "
                                       "current pipeline version, or ask the DCC which step "
                                       "version replaced it"))
        elif obj is None:
            problems.append(InputError(*where, f"{version} is not on the portal {portal.server}",
                                       "use the steps file of this pipeline version, or have "
                                       "the DCC create that analysis step version first"))
        elif obj.get("status") == "deleted":  # no new step runs may point to it
            problems.append(InputError(*where, f"{version} is deleted on the portal "
                                       f"{portal.server}", "use the steps file of a current "
                                       "pipeline version, or ask the DCC which step version "
                                       "replaced it"))
    return problems


_HIDDEN: dict[str, Any] = {}  # a 403: the object is there, the key may not see it


def _seen(portal: PortalClient, identifier: str) -> dict[str, Any] | None:
    """The object; None if the portal has none; `_HIDDEN` if the key may not see it."""
    try:
        return portal.get(identifier)
    except PortalForbidden:
        return _HIDDEN


def hidden_dataset_problem(portal: PortalClient, dataset_id: str) -> InputError:
    """A dataset the key may not see (403): new files there would be lost to it too."""
    return InputError("portal dataset", dataset_id, f"is not visible to {portal.caller}",
                      "the portal shows deleted and replaced datasets to admins only, and "
                      "unreleased ones to their award's viewing group: accession to the "
                      "dataset that replaced it, or with keys of a submitter who may see it")


def dataset_status_problem(dataset: dict[str, Any]) -> InputError | None:
    status = dataset.get("status")
    if status not in CLOSED_DATASET_STATUSES:
        return None
    return InputError("portal dataset", dataset.get("@id", "?"),
                      f"is {status}: a {status} dataset takes no new files",
                      "accession to the dataset that replaced it, or ask the DCC to restore "
                      "this one")


def refuse_unfit_run(plan: Plan, portal: PortalClient, *, allow_unsucceeded: bool) -> None:
    """Raise every problem with the run itself at once: its status and its steps."""
    status = workflow_status_problem(plan.workflow, allow_unsucceeded=allow_unsucceeded)
    problems = ([status] if status else []) + step_version_problems(plan, portal)
    if problems:
        raise InputErrors(problems)


def refuse_closed_dataset(dataset: dict[str, Any]) -> None:
    problem = dataset_status_problem(dataset)
    if problem:
        raise problem
