"""Portal credentials for the tracker: the environment first, then the system keyring.

The tracker only reads, so it works without keys; keys let it read what a lab may see
before release. `DCC_API_KEY`/`DCC_SECRET_KEY` in the environment win; otherwise, when the
optional `keyring` package is installed, the pair stored with

    keyring set encode-accession DCC_API_KEY
    keyring set encode-accession DCC_SECRET_KEY

is used. A keyring that is missing, locked or has no backend is the same as no keys: the
tracker never fails because of it. Keys are never printed or stored in the database.
"""

from __future__ import annotations

import os
from typing import Any

from encode_accession.portal.client import PortalClient

KEYRING_SERVICE = "encode-accession"
KEY_NAMES = ("DCC_API_KEY", "DCC_SECRET_KEY")


def _from_keyring(name: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except (KeyringError, RuntimeError, OSError):
        return None


def credentials() -> tuple[str | None, str | None]:
    """(key, secret): both from the environment if either is set there, else the keyring's."""
    if any(os.environ.get(name) for name in KEY_NAMES):
        key, secret = (os.environ.get(name) for name in KEY_NAMES)
        return key, secret
    key, secret = (_from_keyring(name) for name in KEY_NAMES)
    return key, secret


def portal_client(server: str, **options: Any) -> PortalClient:
    """A client for `server` with the credentials above (half a pair is refused by the
    client with a message naming the missing half); ``options`` as PortalClient takes them
    (ca_bundle, rate_limit)."""
    key, secret = credentials()
    return PortalClient(server, key=key, secret=secret, **options)
