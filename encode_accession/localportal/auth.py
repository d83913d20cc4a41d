"""Basic-auth access keys and the few permission rules a submitter meets.

Secrets are stored only as salted PBKDF2 hashes, and no message here ever includes one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Authorization

from encode_accession.localportal.problems import HTTPProblem
from encode_accession.localportal.store import Item, Store

_ITERATIONS = 1000  # a local test double: cheap enough for thousands of requests
ADMIN_ONLY_TYPES = frozenset({"lab", "award", "user", "access_key", "organism", "source"})
FROZEN_STATUSES = frozenset({"released", "archived", "revoked", "deleted", "replaced"})


@dataclass(frozen=True)
class User:
    at_id: str
    key_id: str
    submits_for: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def admin(self) -> bool:
        return "admin" in self.groups


def hash_secret(secret: str, salt: str | None = None) -> str:
    salt = salt or os.urandom(8).hex()
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), _ITERATIONS).hex()
    return f"pbkdf2_sha256${salt}${digest}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        _, salt, _ = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_secret(secret, salt), stored)


def authenticate(store: Store, auth: Authorization | None, header_present: bool) -> User | None:
    """The caller, None when anonymous; 401 for a present but unusable Authorization header."""
    if not header_present:
        return None
    if auth is None or auth.type != "basic" or not auth.username:
        raise HTTPProblem(401, "Authorization header is not HTTP Basic with an access key id")
    key_id = auth.username
    key = store.by_at_id(f"/access-keys/{key_id}/")
    if key is None or key.props.get("status", "current") != "current":
        raise HTTPProblem(401, f"Access key id {key_id!r} is not known to this portal")
    if not verify_secret(auth.password or "", key.props.get("secret_access_key_hash", "")):
        raise HTTPProblem(401, f"Wrong secret for access key id {key_id!r}")
    user = store.by_at_id(key.props.get("user", ""))
    if user is None:
        raise HTTPProblem(401, f"Access key id {key_id!r} belongs to no user")
    return User(user.at_id, key_id, frozenset(user.props.get("submits_for", [])),
                frozenset(user.props.get("groups", [])))


def require_user(user: User | None) -> User:
    if user is None:
        raise HTTPProblem(401, "Writes need HTTP Basic auth with an access key id and secret")
    return user


def check_can_create(user: User, item_type: str) -> None:
    if item_type in ADMIN_ONLY_TYPES and not user.admin:
        raise HTTPProblem(403, f"Only admins may add {item_type} objects "
                               f"(access key id {user.key_id!r} is not an admin)")


def can_edit(user: User | None, item: Item) -> bool:
    """Submitters edit their labs' unreleased objects; admins edit anything."""
    if user is None:
        return False
    if user.admin:
        return True
    if item.item_type in ADMIN_ONLY_TYPES or item.props.get("status") in FROZEN_STATUSES:
        return False
    lab = item.props.get("lab")
    return lab is None or lab in user.submits_for


def check_can_edit(user: User, item: Item) -> None:
    if can_edit(user, item):
        return
    status = item.props.get("status")
    if status in FROZEN_STATUSES and not user.admin:
        reason = f"objects in status {status!r} may only be edited by admins"
    else:
        reason = f"lab {item.props.get('lab')!r} is not in the submits_for of access key id " \
                 f"{user.key_id!r}"
    raise HTTPProblem(403, f"Unauthorized: item_edit failed permission check on {item.at_id}: "
                           f"{reason}")


def access_key_props(key_id: str, secret: str, user_at_id: str) -> dict[str, Any]:
    return {"access_key_id": key_id, "secret_access_key_hash": hash_secret(secret),
            "user": user_at_id, "status": "current"}
