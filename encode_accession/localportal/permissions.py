"""Who may see an item or list a collection: encoded's ACLs, evaluated as pyramid does.

The real portal decides per item, from its status: each type's `STATUS_ACL` (ENCODE-DCC/encoded
`src/encoded/types/base.py` `Item`, `__init__.py` `Award`, `access_key.py`, `user.py`,
`cart.py`, `characterization.py`), with `ALLOW_LAB_SUBMITTER_EDIT` for every status a table
does not name (`in progress`, `uploading`, `content error`...). The roles those ACLs name come
from the item's `__ac_local_roles__`: a caller holding one of its keys gets that role on this
item. The caller's principals are encoded's `groupfinder` (`authorization.py`). Pyramid reads
an ACL top down and the first entry naming one of the caller's principals and the permission
decides; every item ACL ends by denying `view` to everyone, so only `list` ever reaches the
collection's and the root's ACLs.

So `view` of an unreleased item comes from the award's viewing group (the lab's submitters
get `edit` there, not `view`): a consortium member sees every unreleased item of an award of
their viewing group. The system users that embed and index (remoteuser.EMBED and INDEXER)
may view everything, which is why embedded frames and calculated properties show linked
items whatever the caller may see (snovault's `request.embed` runs as EMBED, search hits
are the indexer's documents); the caller's principals decide only the item asked for, which
search hits and listing entries exist, and downloads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from encode_accession.localportal.store import Item

ALLOW, DENY = "Allow", "Deny"
EVERYONE, AUTHENTICATED = "system.Everyone", "system.Authenticated"
ALL_PERMISSIONS = "*"  # pyramid.security.ALL_PERMISSIONS
ADMIN = "group.admin"
OWNER, LAB_SUBMITTER = "role.owner", "role.lab_submitter"
VIEWING_GROUP_MEMBER, LAB_REVIEWER = "role.viewing_group_member", "role.lab_reviewer"

Ace = tuple[str, str, tuple[str, ...]]  # (Allow|Deny, principal, permissions)
Acl = tuple[Ace, ...]
Lookup = Callable[[Any], Item | None]  # a stored link (an @id or uuid) -> the item

ANONYMOUS = frozenset({EVERYONE})

# -- encoded src/encoded/types/base.py -------------------------------------------------------
ONLY_ADMIN_VIEW: Acl = (
    (ALLOW, ADMIN, ("view", "edit")),
    (ALLOW, "group.read-only-admin", ("view",)),
    (ALLOW, "remoteuser.INDEXER", ("view",)),
    (ALLOW, "remoteuser.EMBED", ("view",)),
    (DENY, EVERYONE, ("view", "edit")),
)
ALLOW_CURRENT: Acl = ((ALLOW, EVERYONE, ("view",)), *ONLY_ADMIN_VIEW)
ALLOW_LAB_SUBMITTER_EDIT: Acl = (
    (ALLOW, VIEWING_GROUP_MEMBER, ("view",)),
    (ALLOW, LAB_SUBMITTER, ("edit",)),
    *ONLY_ADMIN_VIEW,
)
DELETED: Acl = ((DENY, EVERYONE, ("visible_for_edit",)), *ONLY_ADMIN_VIEW)
ITEM_STATUS_ACL: dict[str, Acl] = {
    "released": ALLOW_CURRENT, "deleted": DELETED, "replaced": DELETED,
    "current": ALLOW_CURRENT, "disabled": ONLY_ADMIN_VIEW,
    "compliant": ALLOW_CURRENT, "not compliant": ALLOW_CURRENT, "not reviewed": ALLOW_CURRENT,
    "not submitted for review by lab": ALLOW_CURRENT, "exempt from standards": ALLOW_CURRENT,
    "not pursued": ALLOW_CURRENT, "revoked": ALLOW_CURRENT, "archived": ALLOW_CURRENT,
}
DEFAULT_ACL = ALLOW_LAB_SUBMITTER_EDIT  # Item.__acl__: STATUS_ACL.get(status, this)

# -- encoded src/encoded/types/user.py --------------------------------------------------------
ONLY_ADMIN_VIEW_DETAILS: Acl = (
    (ALLOW, ADMIN, ("view", "view_details", "edit")),
    (ALLOW, "group.read-only-admin", ("view", "view_details")),
    (ALLOW, "remoteuser.INDEXER", ("view",)),
    (ALLOW, "remoteuser.EMBED", ("view",)),
    (DENY, EVERYONE, ("view", "view_details", "edit")),
)
USER_ALLOW_CURRENT: Acl = ((ALLOW, EVERYONE, ("view",)), *ONLY_ADMIN_VIEW_DETAILS)
USER_DELETED: Acl = ((DENY, EVERYONE, ("visible_for_edit",)), *ONLY_ADMIN_VIEW_DETAILS)

# -- each type's STATUS_ACL, by @type name (the first of an item's @types that has one) ------
STATUS_ACL: dict[str, dict[str, Acl]] = {
    "Award": {"current": ALLOW_CURRENT, "deleted": DELETED, "replaced": DELETED,
              "disabled": ALLOW_CURRENT},
    "AccessKey": {"current": ((ALLOW, OWNER, ("view", "edit")), *ONLY_ADMIN_VIEW),
                  "deleted": DELETED},
    "User": {"current": ((ALLOW, OWNER, ("edit", "view_details")), *USER_ALLOW_CURRENT),
             "deleted": USER_DELETED, "disabled": ONLY_ADMIN_VIEW_DETAILS},
    "Cart": {"unlisted": ((ALLOW, OWNER, ("view", "edit")), *ALLOW_CURRENT),
             "listed": ((ALLOW, OWNER, ("view", "edit")), *ALLOW_CURRENT),
             "deleted": ((ALLOW, OWNER, ("edit",)), *DELETED),
             "released": ALLOW_CURRENT, "revoked": ALLOW_CURRENT},
    "Characterization": {**ITEM_STATUS_ACL, "in progress": (
        (ALLOW, LAB_REVIEWER, ("edit",)), (ALLOW, LAB_REVIEWER, ("review",)),
        *ALLOW_LAB_SUBMITTER_EDIT)},
}

# -- collection ACLs (`list`), and the root's (encoded root.py + snovault Root) ---------------
COLLECTION_ACL: dict[str, Acl] = {
    "AccessKey": ((ALLOW, ADMIN, ("list",)), (ALLOW, "group.read-only-admin", ("list",)),
                  (ALLOW, "remoteuser.INDEXER", ("list",)),
                  (ALLOW, "remoteuser.EMBED", ("list",)), (DENY, EVERYONE, ("list",))),
}
ROOT_ACL: Acl = (
    (ALLOW, EVERYONE, ("list", "search", "search_audit", "audit", "signup")),
    (ALLOW, ADMIN, (ALL_PERMISSIONS,)),
)


def permits(acl: Acl, principals: frozenset[str], permission: str) -> bool | None:
    """Pyramid's ACLAuthorizationPolicy on one location: the first entry naming one of the
    principals and the permission decides; None when no entry does (ask the parent)."""
    for action, principal, permissions in acl:
        if principal in principals and (permission in permissions
                                        or ALL_PERMISSIONS in permissions):
            return action == ALLOW
    return None


# -- __ac_local_roles__ ----------------------------------------------------------------------

def _uuid(ref: Any, lookup: Lookup) -> str:
    """encoded keys principals by uuid; the local store links by @id."""
    linked = lookup(ref)
    return linked.uuid if linked else str(ref)


def _lab_submitters(item: Item, lookup: Lookup) -> dict[str, str]:
    lab = item.props.get("lab")
    return {f"submits_for.{_uuid(lab, lookup)}": LAB_SUBMITTER} if lab else {}


def _item_roles(item: Item, lookup: Lookup) -> dict[str, str]:
    """base.py `Item.__ac_local_roles__`: the lab's submitters, the award's viewing group."""
    roles = _lab_submitters(item, lookup)
    award = lookup(item.props.get("award")) if item.props.get("award") else None
    group = award.props.get("viewing_group") if award else None
    if group:
        roles[f"viewing_group.{group}"] = VIEWING_GROUP_MEMBER
    return roles


def _shared_roles(item: Item, lookup: Lookup) -> dict[str, str]:
    """base.py `SharedItem`: visible to every authenticated user while unreleased."""
    return {**_lab_submitters(item, lookup), AUTHENTICATED: VIEWING_GROUP_MEMBER}


def _reviewers(base: Callable[[Item, Lookup], dict[str, str]]
               ) -> Callable[[Item, Lookup], dict[str, str]]:
    """characterization.py `Characterization`: the reviewing lab's submitters review."""
    def roles(item: Item, lookup: Lookup) -> dict[str, str]:
        found = base(item, lookup)
        review = item.props.get("review")
        reviewing_lab = review.get("lab") if isinstance(review, dict) else None
        if reviewing_lab:
            found[f"submits_for.{_uuid(reviewing_lab, lookup)}"] = LAB_REVIEWER
        return found
    return roles


def _owner(prop: str | None) -> Callable[[Item, Lookup], dict[str, str]]:
    """The user the item names (access keys' `user`, carts' `submitted_by`), or the user
    itself, is its owner."""
    def roles(item: Item, lookup: Lookup) -> dict[str, str]:
        uuid = item.uuid if prop is None else _uuid(item.props.get(prop), lookup)
        return {f"userid.{uuid}": OWNER}
    return roles


def _parent(prop: str) -> Callable[[Item, Lookup], dict[str, str]]:
    """Replicates use their experiment's roles, software versions their software's."""
    def roles(item: Item, lookup: Lookup) -> dict[str, str]:
        parent = lookup(item.props.get(prop))
        return local_roles(parent, lookup) if parent else {}
    return roles


LOCAL_ROLES: dict[str, Callable[[Item, Lookup], dict[str, str]]] = {
    "AntibodyLot": _shared_roles, "BiosampleType": _shared_roles, "Gene": _shared_roles,
    "Page": _shared_roles,
    "AntibodyCharacterization": _reviewers(_shared_roles),
    "Characterization": _reviewers(_item_roles),
    "MouseDonor": lambda item, lookup: {AUTHENTICATED: VIEWING_GROUP_MEMBER},
    "Replicate": _parent("experiment"), "SoftwareVersion": _parent("software"),
    "AccessKey": _owner("user"), "User": _owner(None), "Cart": _owner("submitted_by"),
}


def local_roles(item: Item, lookup: Lookup) -> dict[str, str]:
    """Principal -> role on this item (the first of its @types with its own rule)."""
    rule = next((LOCAL_ROLES[t] for t in item.types if t in LOCAL_ROLES), _item_roles)
    return rule(item, lookup)


def status_acl(item: Item) -> Acl:
    table = next((STATUS_ACL[t] for t in item.types if t in STATUS_ACL), ITEM_STATUS_ACL)
    return table.get(item.props.get("status", ""), DEFAULT_ACL)


# -- groupfinder -----------------------------------------------------------------------------

def user_principals(user: Item, lookup: Lookup) -> frozenset[str]:
    """encoded authorization.py `groupfinder` for a user (plus pyramid's Everyone and
    Authenticated): its uuid, labs, submits_for, groups and viewing groups."""
    props: Mapping[str, Any] = user.props
    found = {EVERYONE, AUTHENTICATED, f"userid.{user.uuid}"}
    if props.get("lab"):
        found.add(f"lab.{_uuid(props['lab'], lookup)}")
    submits_for = [_uuid(lab, lookup) for lab in props.get("submits_for", [])]
    found |= {f"lab.{lab}" for lab in submits_for}
    found |= {f"submits_for.{lab}" for lab in submits_for}
    if submits_for:
        found.add("group.submitter")
    found |= {f"group.{group}" for group in props.get("groups", [])}
    found |= {f"viewing_group.{group}" for group in props.get("viewing_groups", [])}
    return frozenset(found)


class Access:
    """What one caller may do: their principals against each item's ACL and local roles
    (looked up through `lookup`, a request's cached link resolution)."""

    def __init__(self, principals: frozenset[str], lookup: Lookup) -> None:
        self.principals = principals
        self.lookup = lookup

    def allows(self, item: Item, permission: str = "view") -> bool:
        acl = status_acl(item)
        principals = self.principals
        if any(principal.startswith("role.") for _, principal, _ in acl):
            roles = local_roles(item, self.lookup)
            principals = principals | {role for key, role in roles.items()
                                       if key in self.principals}
        return bool(permits(acl, principals, permission))

    def may_list(self, type_name: str) -> bool:
        """`list` on a collection (`/access-keys/` is for admins only), else the root's."""
        decided = permits(COLLECTION_ACL.get(type_name, ()), self.principals, "list")
        return decided if decided is not None else bool(permits(ROOT_ACL, self.principals,
                                                                "list"))
