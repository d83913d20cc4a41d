"""Talking to the ENCODE Portal: the client, its errors, and the local portal double."""

from .client import PortalClient
from .errors import (
    PortalAuthError,
    PortalConflict,
    PortalError,
    PortalNotFound,
    PortalTLSError,
    PortalUnavailable,
    PortalValidationError,
)

__all__ = [
    "PortalAuthError", "PortalClient", "PortalConflict", "PortalError", "PortalNotFound",
    "PortalTLSError", "PortalUnavailable", "PortalValidationError",
]
