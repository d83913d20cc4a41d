"""Portal HTTP failures as exceptions that say what went wrong and what to check.

Messages name the request, the status and the portal's own detail; for auth failures the
access key id (never the secret) or the lab. Each keeps `status` and `body` for callers.
"""

from __future__ import annotations

from typing import Any


class PortalError(Exception):
    """Any failure talking to the portal."""

    def __init__(self, message: str, *, status: int | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


class PortalAuthError(PortalError):
    """401/403: the key pair is not accepted, or it may not do this (lab, object status)."""


class PortalForbidden(PortalAuthError):
    """403: the key pair (or an anonymous caller) may not do this, or may not see the object:
    the portal shows deleted objects to admins only and unreleased ones to their award's
    viewing group."""


class PortalNotFound(PortalError):
    """404 where the caller needed the object to exist."""


class PortalConflict(PortalError):
    """409 and the object holding the conflicting key could not be found."""


class PortalUnavailable(PortalError):
    """5xx, 429 or connection failures that outlasted the retries; `status` is None when no
    HTTP answer came at all (unreachable, refused, timed out)."""


class PortalTLSError(PortalError):
    """The server's certificate is not trusted: a CA bundle is missing, not a transient fault."""


class PortalValidationError(PortalError):
    """422: `errors` lists (property path, message) pairs, one per failed rule."""

    def __init__(self, message: str, errors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = errors
