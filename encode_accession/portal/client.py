"""The one client every feature uses to talk to an ENCODE portal (real or local).

Why it looks the way it does:
- One requests Session with Basic auth, JSON headers, a timeout on every call and TLS
  verification always on (`ca_bundle` for a self-signed local portal).
- GET/PATCH are retried with exponential backoff on connection errors and 502/503/504.
  POST never is, blindly: after a failure it first looks the object up by its alias (or md5)
  in the database, because the failed POST may have committed.
- Secrets live only in the session's auth; messages, logs and repr name the key id only.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from ..errors import InputError
from .errors import (
    PortalAuthError,
    PortalConflict,
    PortalError,
    PortalNotFound,
    PortalUnavailable,
    PortalValidationError,
)
from .servers import LOCAL_BASE_URL, resolve_server

if TYPE_CHECKING:
    from .local import PortalApp

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
Filters = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


class PortalClient:
    """Reads and writes portal objects; method names are the contract the workflow uses."""

    page_size = 1000  # search results per request when paging

    def __init__(self, server: str = "dev", key: str | None = None, secret: str | None = None,
                 *, timeout: float = 60, ca_bundle: str | None = None, retries: int = 5,
                 backoff: float = 0.5, pool_size: int = 10) -> None:
        target = resolve_server(server)
        key = key if key is not None else os.environ.get("DCC_API_KEY")
        secret = secret if secret is not None else os.environ.get("DCC_SECRET_KEY")
        if target.local_db is not None and key is None and secret is None:
            from .local.demo import DEMO_KEY_ID, DEMO_SECRET

            key, secret = DEMO_KEY_ID, DEMO_SECRET
        if bool(key) != bool(secret):
            missing = "DCC_SECRET_KEY (secret)" if key else "DCC_API_KEY (key)"
            raise InputError("portal credentials", missing, "only half of the key pair is set",
                             "set both DCC_API_KEY and DCC_SECRET_KEY (neither: read-only)")
        self.server = target.base_url
        self.key_id = key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.request_counts: Counter[str] = Counter()
        self._session = requests.Session()
        # one connection per concurrent job thread (requests' default pool keeps 10)
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool_size)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update({"Accept": "application/json",
                                      "Content-Type": "application/json"})
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override Session.verify.
        self._verify: str | bool = ca_bundle or True
        if key and secret:
            self._session.auth = (key, secret)
        self.local_app: PortalApp | None = None  # the in-process portal, for `local` servers
        if target.local_db is not None:
            # imported here: remote servers need none of the local portal (~90 ms)
            from .local import shared_app
            from .local.adapter import WSGIAdapter

            self.local_app = shared_app(target.local_db)
            self._session.mount(LOCAL_BASE_URL + "/", WSGIAdapter(self.local_app))

    def __repr__(self) -> str:
        return f"PortalClient(server={self.server!r}, key_id={self.key_id!r})"

    # -- transport -----------------------------------------------------------------------

    def _sleep(self, attempt: int) -> None:
        time.sleep(self.backoff * 2 ** (attempt - 1))

    def _request(self, method: str, path: str, *, params: Any = None, payload: Any = None,
                 retry: bool = True) -> requests.Response:
        """One call, retried (if `retry`) on connection errors and 502/503/504."""
        url = self.server + path
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            if attempt:
                self._sleep(attempt)
            self.request_counts[method] += 1
            try:
                response = self._session.request(method, url, params=params, json=payload,
                                                 timeout=self.timeout, verify=self._verify)
            except requests.exceptions.SSLError as exc:
                raise PortalError(f"{method} {path}: TLS verification failed for {self.server} "
                                  "(for a self-signed local portal pass ca_bundle=<cert.pem>)"
                                  ) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                log.warning("%s %s: %s (attempt %d of %d)", method, path,
                            type(exc).__name__, attempt + 1, attempts)
                if attempt + 1 == attempts:
                    raise PortalUnavailable(f"{method} {path}: {type(exc).__name__} talking to "
                                            f"{self.server} after {attempts} attempt(s)") from exc
                continue
            log.debug("%s %s -> %d", method, path, response.status_code)
            if response.status_code not in RETRY_STATUSES or attempt + 1 == attempts:
                return response
            log.warning("%s %s: HTTP %d (attempt %d of %d)", method, path,
                        response.status_code, attempt + 1, attempts)
        raise AssertionError("unreachable")

    def _error(self, method: str, path: str, response: requests.Response) -> PortalError:
        body = _json_or_empty(response)
        status = response.status_code
        detail = body.get("detail") or body.get("description") or response.reason or ""
        where = f"{method} {path}: HTTP {status}"
        if status == 422:
            errors = [(".".join(map(str, e.get("name", []))) or "<object>",
                       e.get("description", "")) for e in body.get("errors", [])]
            lines = [f"  - {name}: {text}" for name, text in errors]
            if any("submits_for" in text for _, text in errors):
                lines.append(f"  (access key id {self.key_id!r} may not submit for that lab)")
            return PortalValidationError("\n".join([f"{where}: the portal rejected the object",
                                                    *lines]), errors, status=status, body=body)
        if status == 401:
            return PortalAuthError(f"{where}: the portal did not accept access key id "
                                   f"{self.key_id!r} ({detail}); check DCC_API_KEY and "
                                   f"DCC_SECRET_KEY for {self.server}", status=status, body=body)
        if status == 403:
            return PortalAuthError(f"{where}: access key id {self.key_id!r} is not allowed to "
                                   f"do this ({detail})", status=status, body=body)
        if status == 404:
            return PortalNotFound(f"{where}: not found ({detail})", status=status, body=body)
        if status == 409:
            return PortalConflict(f"{where}: {detail}", status=status, body=body)
        if status >= 500:
            return PortalUnavailable(f"{where}: {detail}", status=status, body=body)
        return PortalError(f"{where}: {detail}", status=status, body=body)

    def _json(self, method: str, path: str, response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            raise self._error(method, path, response)
        body = _json_or_empty(response)
        if not body:
            raise PortalError(f"{method} {path}: expected JSON, got {response.text[:200]!r}")
        return body

    @staticmethod
    def _path(identifier: str) -> str:
        if identifier.startswith("/"):
            return identifier
        return f"/{quote(identifier, safe=':@')}/"

    # -- reads ---------------------------------------------------------------------------

    def get(self, identifier: str, *, frame: str = "object",
            database: bool = False) -> dict[str, Any] | None:
        """By @id, accession, uuid, alias or `md5:<md5>`; None if the portal has no such
        object. Use database=True right after writes (the search index lags)."""
        params = {"frame": frame, **({"datastore": "database"} if database else {})}
        path = self._path(identifier)
        response = self._request("GET", path, params=params)
        if response.status_code == 404:
            return None
        return self._json("GET", path, response)

    def search_raw(self, params: Filters) -> dict[str, Any]:
        """The whole /search/ response, facets and total included; no hits is not an error."""
        response = self._request("GET", "/search/", params=_pairs(params))
        body = _json_or_empty(response)
        if response.status_code == 404 and body.get("notification") == "No results found":
            return body
        return self._json("GET", "/search/", response)

    def search(self, type: str, filters: Filters = None, *, frame: str = "object",
               fields: list[str] | None = None, limit: int | str = "all") -> list[dict[str, Any]]:
        """Matching objects; an int `limit` above `page_size` is fetched page by page."""
        params = [("type", type), *_pairs(filters)]
        params += [("field", f) for f in fields] if fields else [("frame", frame)]
        if limit == "all" or int(limit) <= self.page_size:
            return self.search_raw([*params, ("limit", str(limit))])["@graph"]
        found: list[dict[str, Any]] = []
        while len(found) < int(limit):
            size = min(self.page_size, int(limit) - len(found))
            body = self.search_raw([*params, ("limit", str(size)), ("from", str(len(found)))])
            found += body["@graph"]
            if not body["@graph"] or len(found) >= body.get("total", 0):
                break
        return found

    # -- writes --------------------------------------------------------------------------

    def post(self, collection: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Create an object and return it (object frame). An existing object with the same
        alias or md5 is returned instead of a duplicate, also after a lost response."""
        return self.create(collection, payload)[0]

    def create(self, collection: str, payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """:meth:`post`, also saying whether this call made the object (True, also when a
        lost response had committed it) or found it already there (False, after a 409).

        POST comes first, with no lookup before it: on a fresh run every object is new, and
        the portal's 409 on a known alias or md5 turns into the one lookup a re-run needs."""
        path = f"/{collection.strip('/')}/"
        lookup = _retry_lookup_key(payload)
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(attempt)
                existing = self.get(lookup, database=True) if lookup else None
                if existing is not None:
                    log.info("POST %s: the earlier attempt had created %s", path, existing["@id"])
                    return existing, True
            try:
                response = self._request("POST", path, payload=payload, retry=False)
            except PortalUnavailable as exc:
                if not lookup:
                    raise PortalUnavailable(f"{exc}; not retried: the POST may have committed "
                                            "and without an alias or md5sum a duplicate could "
                                            "not be detected") from exc
                last = str(exc)
                continue
            status = response.status_code
            if status >= 500 and (lookup or status in RETRY_STATUSES):
                last = f"HTTP {status}"
                continue
            if status == 409:
                return self._existing_after_conflict(path, payload, response), False
            return self._json("POST", path, response)["@graph"][0], True
        raise PortalUnavailable(f"POST {path}: gave up after {self.retries + 1} attempts "
                                f"(last: {last})")

    def _existing_after_conflict(self, path: str, payload: dict[str, Any],
                                 response: requests.Response) -> dict[str, Any]:
        for key in _conflict_lookup_keys(payload):
            existing = self.get(key, database=True)
            if existing is not None:
                log.info("POST %s: 409, returning existing %s", path, existing["@id"])
                return existing
        detail = _json_or_empty(response).get("detail", response.text[:200])
        raise PortalConflict(f"POST {path}: HTTP 409 {detail}; no object found by the payload's "
                             "alias or md5sum", status=409, body=_json_or_empty(response))

    def patch(self, identifier: str, payload: dict[str, Any], *,
              extend_arrays: bool = False) -> dict[str, Any]:
        """PATCH replaces arrays; with extend_arrays the current values are kept and the new
        ones appended (deduplicated, order kept), read fresh from the database first."""
        path = self._path(identifier)
        if extend_arrays:
            current = self.get(identifier, database=True)
            if current is None:
                raise PortalNotFound(f"PATCH {path}: not found", status=404)
            payload = {k: _merge_unique(current.get(k), v) if isinstance(v, list) else v
                       for k, v in payload.items()}
        response = self._request("PATCH", path, payload=payload)
        return self._json("PATCH", path, response)["@graph"][0]

    def regenerate_upload_credentials(self, identifier: str) -> dict[str, Any]:
        """Fresh 36 h S3 credentials for a file still uploading (or upload failed)."""
        path = self._path(identifier) + "@@upload"
        response = self._request("POST", path, payload={})
        return self._json("POST", path, response)["@graph"][0]["upload_credentials"]

    def get_upload_credentials(self, identifier: str) -> dict[str, Any]:
        path = self._path(identifier) + "@@upload"
        response = self._request("GET", path)
        return self._json("GET", path, response)["@graph"][0]["upload_credentials"]


def _json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _pairs(params: Filters) -> list[tuple[str, str]]:
    if not params:
        return []
    if isinstance(params, Mapping):
        return [(k, v) for k, vs in params.items()
                for v in ([vs] if isinstance(vs, str) else vs)]
    return list(params)


def _retry_lookup_key(payload: dict[str, Any]) -> str | None:
    """After a lost POST: the first alias identifies the object; without one, its md5."""
    if payload.get("aliases"):
        return payload["aliases"][0]
    return f"md5:{payload['md5sum']}" if payload.get("md5sum") else None


def _conflict_lookup_keys(payload: dict[str, Any]) -> list[str]:
    """After a 409 the conflicting key may be any alias or the md5."""
    keys = list(payload.get("aliases", []))
    return keys + [f"md5:{payload['md5sum']}"] if payload.get("md5sum") else keys


def _merge_unique(current: Any, new: list[Any]) -> list[Any]:
    merged: dict[str, Any] = {}
    for value in [*(current if isinstance(current, list) else []), *new]:
        merged.setdefault(json.dumps(value, sort_keys=True), value)
    return list(merged.values())
