"""Basic-auth access keys, the caller's principals, and the edit and add rules a submitter
meets (who may view what is `permissions.py`).

Secrets are stored only as hashes, and no message here ever includes one: salted PBKDF2 for
keys this portal issues, and the portal's own `edw_hash` for keys it was given that way (the
workbook's inserts: encoded `src/encoded/edw_hash.py`, SHA-384 of the secret between two
fixed salts, padded to 512 bytes with a fixed pad, base64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Authorization

from encode_accession.localportal.permissions import ANONYMOUS, user_principals
from encode_accession.localportal.problems import HTTPProblem
from encode_accession.localportal.store import Item, Store

_ITERATIONS = 1000  # a local test double: cheap enough for thousands of requests
ADMIN_ONLY_TYPES = frozenset({"lab", "award", "user", "access_key", "organism", "source"})
FROZEN_STATUSES = frozenset({"released", "archived", "revoked", "deleted", "replaced"})
_EDW_BEFORE = b"186ED79BAEXzeusdioIsdklnw88e86cd73"
_EDW_AFTER = b"<*#$*(#)!DSDFOUIHLjksdf"
_EDW_PAD = base64.b64decode(
    "Kf8r/S37L/kh9yP1JfMn8TnvO+096z/pMecz5TXjN+EJ3wvdDdsP2QHXA9UF0wfRGc8bzR3LH8kR"
    "xxPFFcMXwWm/a71tu2+5YbdjtWWzZ7F5r3utfat/qXGnc6V1o3ehSZ9LnU2bT5lBl0OVRZNHkVmP"
    "W41di1+JUYdThVWDV4Gpf6t9rXuveaF3o3Wlc6dxuW+7bb1rv2mxZ7NltWO3YYlfi12NW49ZgVeD"
    "VYVTh1GZT5tNnUufSZFHk0WVQ5dB6T/rPe077znhN+M15TPnMfkv+y39K/8p8SfzJfUj9yHJH8sd"
    "zRvPGcEXwxXFE8cR2Q/bDd0L3wnRB9MF1QPXASn/K/0t+y/5Ifcj9SXzJ/E57zvtPes/6THnM+U1"
    "4zfhCd8L3Q3bD9kB1wPVBdMH0RnPG80dyx/JEccTxRXDF8Fpv2u9bbtvuWG3Y7Vls2exea97rX2r"
    "f6lxp3OldaN3oUmfS51Nm0+ZQZdDlUWTR5FZj1uNXYtfiVGHU4VVg1eBqX+rfa17r3mhd6N1pXOn"
    "cblvu229a79psWezZbVjt2GJX4tdjVuPWYFXg1WFU4dRmU+bTZ1Ln0mRR5NFlUOXQek/6z3tO+85"
    "4TfjNeUz5zH5L/st/Sv/KfEn8yX1I/chyR/LHc0bzxnBF8MVxRPHEdkP2w3dC98J0QfTBdUD1wE=")


@dataclass(frozen=True)
class User:
    at_id: str
    key_id: str
    submits_for: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)
    principals: frozenset[str] = ANONYMOUS  # encoded's groupfinder (permissions.py)

    @property
    def admin(self) -> bool:
        return "admin" in self.groups


def hash_secret(secret: str, salt: str | None = None) -> str:
    salt = salt or os.urandom(8).hex()
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), _ITERATIONS).hex()
    return f"pbkdf2_sha256${salt}${digest}"


def edw_hash(secret: str) -> str:
    """The hash encoded stores for an access key secret (scheme `edw_hash`)."""
    salted = _EDW_BEFORE + secret.encode() + _EDW_AFTER + b"\0"
    if len(salted) > len(_EDW_PAD):
        raise ValueError("the secret is too long for edw_hash")
    padded = salted + _EDW_PAD[len(salted):]
    return base64.b64encode(hashlib.sha384(padded).digest()).decode("ascii")


def verify_secret(secret: str, stored: str) -> bool:
    """`secret` against a stored hash of either scheme."""
    if stored.startswith("pbkdf2_sha256$"):
        _, salt, _ = stored.split("$", 2)
        return hmac.compare_digest(hash_secret(secret, salt), stored)
    try:
        return hmac.compare_digest(edw_hash(secret), stored)
    except ValueError:
        return False


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
                frozenset(user.props.get("groups", [])),
                user_principals(user, lambda ref: store.by_at_id(ref) or store.get(ref)))


def principals_of(user: User | None) -> frozenset[str]:
    return user.principals if user else ANONYMOUS


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
