"""Talking to the ENCODE Portal: the client, its errors, and the local portal double."""

from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import (
    PortalAuthError,
    PortalConflict,
    PortalError,
    PortalForbidden,
    PortalNotFound,
    PortalTLSError,
    PortalUnavailable,
    PortalValidationError,
)

__all__ = [
    "PortalAuthError", "PortalClient", "PortalConflict", "PortalError", "PortalForbidden",
    "PortalNotFound",
    "PortalTLSError", "PortalUnavailable", "PortalValidationError",
]
