"""Local portal users other than the demo's, each with a key pair: an admin, and whatever
submitter or viewing-group member a permission test needs (portal objects to load)."""

from __future__ import annotations

from typing import Any

from encode_accession.localportal.demo import DEMO_LAB


def user_with_key(number: int, key_id: str, secret: str, **props: Any) -> list[dict[str, Any]]:
    """A current user (uuid from `number`) and its current access key, in the loader's form."""
    uuid = f"a0000000-0000-4000-8000-{number:012d}"
    user_id = f"/users/{uuid}/"
    user = {"@id": user_id, "@type": ["User", "Item"], "uuid": uuid, "first_name": "Test",
            "last_name": key_id.title(), "email": f"{key_id.lower()}@example.org",
            "status": "current", **props}
    key = {"@id": f"/access-keys/{key_id}/", "@type": ["AccessKey", "Item"],
           "uuid": f"b0000000-0000-4000-8000-{number:012d}", "access_key_id": key_id,
           "secret_access_key": secret, "user": user_id, "status": "current"}
    return [user, key]


ADMIN_KEYS = ("ADMINKEY1", "adminsecretadmin")
ADMIN = user_with_key(1, *ADMIN_KEYS, lab=DEMO_LAB, submits_for=[DEMO_LAB], groups=["admin"])
# A consortium member: sees the unreleased data of ENCODE3 and ENCODE4 awards (their viewing
# groups), as a reader of a whole collection in progress does; in the environment's form too.
CONSORTIUM_KEYS = ("MEMBER01", "membersecret0001")
CONSORTIUM = user_with_key(4, *CONSORTIUM_KEYS, viewing_groups=["ENCODE3", "ENCODE4"])
CONSORTIUM_ENV = dict(zip(("DCC_API_KEY", "DCC_SECRET_KEY"), CONSORTIUM_KEYS, strict=True))
