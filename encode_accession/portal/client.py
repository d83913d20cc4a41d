"""The one client every feature uses to talk to an ENCODE portal (real or local).

Why it looks the way it does:
- One requests Session with Basic auth, JSON headers, a timeout on every call and TLS
  verification always on (`ca_bundle`, or REQUESTS_CA_BUNDLE, for a self-signed portal).
- One request rate per portal across threads, and across the processes of this host (the
  portal asks for at most 10 requests/s; none for local portals): `portal/ratelimit.py`'s
  shared schedule. A 429 pauses everyone sharing it for its Retry-After.
- GET/PATCH are retried by urllib3's ``Retry`` on the session's adapter, with exponential
  backoff, on connection errors and 502/503/504; each retry waits for its slot in the rate
  limit and is counted. POST never is, blindly: after a failure it first looks the object up
  by its alias (or md5) in the database, because the failed POST may have committed.
- PATCH replaces arrays: extending one (an experiment's `analyses`) reads it again after the
  write and writes again until its values are there, so concurrent runs keep every link.
- A `local:` server is a portal on loopback like any other: its provider (the local portal,
  found through an entry point, never imported here) serves it and hands out its URL.
- Secrets live only in the session's auth; messages, logs and repr name the key id only.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import ssl
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
from urllib3.util.retry import Retry

from encode_accession.core.errors import InputError
from encode_accession.core.files import irregular_kind
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
from encode_accession.portal.ratelimit import RateLimiter
from encode_accession.portal.servers import embedded_portal, resolve_server

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
# Methods a transport failure may be repeated for: PATCH bodies here set whole values.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
THROTTLED = 429
DEFAULT_RATE_LIMIT = 10.0  # requests/s the ENCODE portal asks clients to stay under
EXTEND_ATTEMPTS = 8  # writes of one array extension before concurrent writers are blamed
MAX_EXTEND_WAIT = 10.0  # seconds; a read-to-PATCH time stretched by retries waits no longer
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After ends the call instead of hanging it
Filters = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


class PortalClient:
    """Reads and writes portal objects; method names are the contract the workflow uses."""

    page_size = 1000  # search results per request when paging

    def __init__(self, server: str = "dev", key: str | None = None, secret: str | None = None,
                 *, timeout: float = 60, ca_bundle: str | None = None, retries: int = 5,
                 backoff: float = 0.5, rate_limit: float | None = None,
                 pool_size: int = 10) -> None:
        """``rate_limit``: requests/s to this portal across all threads and processes of this
        host; None is 10 for remote portals and no limit for local ones, 0 is no limit.
        ``pool_size``: connections kept for threads."""
        target = resolve_server(server)
        key = key if key is not None else os.environ.get("DCC_API_KEY")
        secret = secret if secret is not None else os.environ.get("DCC_SECRET_KEY")
        # `local:` names a portal this process serves, provided by the package registered for it
        self.embedded = embedded_portal(target) if target.local_db is not None else None
        if self.embedded is not None and key is None and secret is None:
            key, secret = self.embedded.default_credentials
        if bool(key) != bool(secret):
            missing = "DCC_SECRET_KEY (secret)" if key else "DCC_API_KEY (key)"
            raise InputError("portal credentials", missing, "only half of the key pair is set",
                             "set both DCC_API_KEY and DCC_SECRET_KEY (neither: read-only)")
        self.server = self.embedded.base_url if self.embedded else target.base_url
        self.key_id = key
        self.timeout = timeout
        self.backoff = backoff
        self.request_counts: Counter[str] = Counter()
        self._attempts = threading.local()  # attempts of the calling thread's current request
        if rate_limit is None:
            rate_limit = 0.0 if target.local else DEFAULT_RATE_LIMIT
        self._limiter = RateLimiter(rate_limit, portal=self.server)  # shared by this host
        self._session = requests.Session()
        self._pool_size = pool_size
        self.retries = retries  # mounts the adapter with its Retry
        self._session.headers.update({"Accept": "application/json",
                                      "Content-Type": "application/json"})
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override Session.verify.
        self._verify: str | bool = _checked_ca_bundle(ca_bundle) or True
        self._paced = {"response": [self._pace_redirect]}
        if key and secret:
            self._session.auth = (key, secret)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, pool_size: int = 10) -> PortalClient:
        """The client a workflow config asks for (`server`, `ca_bundle`, `rate_limit`)."""
        return cls(config["server"], ca_bundle=config.get("ca_bundle"),
                   rate_limit=config.get("rate_limit"), pool_size=pool_size)

    @property
    def verify(self) -> str | bool:
        """TLS verification of this portal: its CA bundle's path, or True (the system's)."""
        return self._verify

    @property
    def rate_limit(self) -> float:
        """Requests per second across all threads; 0 is no limit."""
        return self._limiter.rate

    def __repr__(self) -> str:
        return f"PortalClient(server={self.server!r}, key_id={self.key_id!r})"

    # -- transport -----------------------------------------------------------------------

    @property
    def retries(self) -> int:
        """Retries of an idempotent request after a connection error or a 502/503/504."""
        return self._retries

    @retries.setter
    def retries(self, retries: int) -> None:
        self._retries = retries
        retry = _CountedRetry(
            total=retries, connect=retries, read=retries, status=retries, other=0,
            redirect=False, status_forcelist=RETRY_STATUSES, allowed_methods=IDEMPOTENT,
            backoff_factor=self.backoff, raise_on_status=False,
            respect_retry_after_header=False)  # a 429's Retry-After is _request's
        retry.on_retry = self._retrying
        # one connection per concurrent job thread (requests' default pool keeps 10)
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=self._pool_size,
                                                max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def _retrying(self, method: str, why: str) -> None:
        """Before urllib3 repeats a request: log it, wait for a slot in the rate limit (every
        attempt is a request the portal serves), count it."""
        self._attempts.count += 1
        log.warning("%s %s (attempt %d of %d)", method, why, self._attempts.count,
                    self.retries + 1)
        self._limiter.wait()
        self.request_counts[method] += 1

    def _pace_redirect(self, response: requests.Response, **_: Any) -> None:
        """A redirect requests is about to follow (an alias's @id) is one more request to the
        portal: it waits for its slot too."""
        if response.is_redirect:
            self._limiter.wait()

    def _request(self, method: str, path: str, *, params: Any = None, payload: Any = None,
                 stream: bool = False) -> requests.Response:
        """One call within the rate limit, retried by the adapter for idempotent methods. A
        429 is always retried after its Retry-After, every thread pausing: the portal did no
        work. `stream` leaves the body unread and redirects unfollowed (downloads)."""
        url = self.server + path
        throttled = 0
        while True:
            self._limiter.wait()
            self.request_counts[method] += 1
            self._attempts.count = 1
            try:
                response = self._session.request(method, url, params=params, json=payload,
                                                 timeout=self.timeout, verify=self._verify,
                                                 stream=stream, allow_redirects=not stream,
                                                 hooks=None if stream else self._paced)
            except requests.exceptions.SSLError as exc:
                raise _tls_failure(method, path, self.server, exc) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise PortalUnavailable(f"{method} {path}: {type(exc).__name__} talking to "
                                        f"{self.server} "
                                        f"after {self._attempts.count} attempt(s)") from exc
            status = response.status_code
            log.debug("%s %s -> %d", method, path, status)
            if status != THROTTLED or throttled == self.retries:
                return response
            response.close()  # a streamed body would hold its connection
            throttled += 1
            delay = _retry_after(response, self.backoff * 2 ** (throttled - 1))
            if delay > MAX_RETRY_AFTER:
                raise PortalUnavailable(f"{method} {path}: HTTP 429 from {self.server}, "
                                        f"which asks to wait {delay:.0f} s (Retry-After)",
                                        status=status, body=_json_or_empty(response))
            log.warning("%s %s: HTTP 429, waiting %.1f s (Retry-After)", method, path, delay)
            self._limiter.pause(delay)

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
        if status == 403 and self.key_id is None:
            return PortalForbidden(f"{where}: anonymous requests may not do this ({detail}); "
                                   "unreleased objects need a key pair that may see them: "
                                   "set DCC_API_KEY and DCC_SECRET_KEY", status=status,
                                   body=body)
        if status == 403:
            return PortalForbidden(f"{where}: access key id {self.key_id!r} is not allowed to "
                                   f"do this ({detail})", status=status, body=body)
        if status == 404:
            return PortalNotFound(f"{where}: not found ({detail})", status=status, body=body)
        if status == 409:
            return PortalConflict(f"{where}: {detail}", status=status, body=body)
        if status >= 500 or status == THROTTLED:
            return PortalUnavailable(f"{where}: {detail}", status=status, body=body)
        return PortalError(f"{where}: {detail}", status=status, body=body)

    def _json(self, method: str, path: str, response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            raise self._error(method, path, response)
        body = _json_or_empty(response)
        if not body:
            raise PortalError(f"{method} {path}: expected JSON, got {response.text[:200]!r}")
        return body

    @property
    def caller(self) -> str:
        """Who the portal sees, for messages: the access key id (never the secret)."""
        return f"access key id {self.key_id!r}" if self.key_id else "anonymous requests"

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

    def download(self, href: str) -> requests.Response:
        """A file's bytes from its `href` (``/files/ENCFF.../@@download/ENCFF....bed.gz``),
        unread: iterate ``iter_content`` and close it (it is a context manager).

        The portal answers with a redirect to a signed S3 URL (encoded's `download` view);
        that request goes out without the portal's credentials: the signature is the
        authorization (S3 refuses a second one) and the keys never leave the portal."""
        path = href if href.startswith("/") else "/" + href
        response = self._request("GET", path, stream=True)
        if response.is_redirect:
            location = urljoin(self.server + path, response.headers["Location"])
            response.close()
            try:
                response = requests.get(location, stream=True, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise PortalUnavailable(f"GET {path}: {type(exc).__name__} following the "
                                        f"portal's redirect to {urlsplit(location).netloc}"
                                        ) from exc
        if response.status_code >= 300:
            response.close()
            raise self._error("GET", path, response)
        return response

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
                time.sleep(self.backoff * 2 ** (attempt - 1))
                existing = self.get(lookup, database=True) if lookup else None
                if existing is not None:
                    log.info("POST %s: the earlier attempt had created %s", path, existing["@id"])
                    return existing, True
            try:
                response = self._request("POST", path, payload=payload)
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
        ones appended (deduplicated, order kept), and kept against concurrent writers
        (:meth:`_extend`)."""
        if extend_arrays:
            return self._extend(identifier, payload)
        path = self._path(identifier)
        response = self._request("PATCH", path, payload=payload)
        return self._json("PATCH", path, response)["@graph"][0]

    def _extend(self, identifier: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Read (database), merge, PATCH, and read again until the new values are there.

        The portal's PATCH replaces a whole array, so two writers that read the same list
        each drop the other's value (two runs linking their analyses to one experiment). A
        writer that read before our PATCH lands its own within about one read-to-PATCH time
        after ours, so the check waits that long (jittered) before it reads again; values
        missing then are merged in and written again, with jittered backoff, a bounded
        number of times. Values already there are not written again."""
        path = self._path(identifier)
        new = {k: v for k, v in payload.items() if isinstance(v, list)}
        read_at, current = time.monotonic(), self._current(identifier, path)
        for attempt in range(1, EXTEND_ATTEMPTS + 1):
            merged = {k: _merge_unique(current.get(k), v) if k in new else v
                      for k, v in payload.items()}
            if all(current.get(k) == v for k, v in merged.items()):
                return current
            self._json("PATCH", path, self._request("PATCH", path, payload=merged))
            window = min(time.monotonic() - read_at, MAX_EXTEND_WAIT)
            time.sleep(random.uniform(1, 2) * window)
            current = self._current(identifier, path)
            missing = _missing(current, new)
            if not missing:
                return current
            log.warning("PATCH %s: %s lost to a concurrent writer (write %d of %d)", path,
                        ", ".join(missing), attempt, EXTEND_ATTEMPTS)
            time.sleep(random.uniform(0, min(window * 2 ** attempt, MAX_EXTEND_WAIT)))
            read_at, current = time.monotonic(), self._current(identifier, path)
        raise PortalConflict(f"PATCH {path}: {', '.join(_missing(current, new))} still "
                             f"lacked values after {EXTEND_ATTEMPTS} writes, as other writers "
                             "kept replacing the list; run again to add them (nothing posted "
                             "is lost)", status=409)

    def _current(self, identifier: str, path: str) -> dict[str, Any]:
        current = self.get(identifier, database=True)
        if current is None:
            raise PortalNotFound(f"PATCH {path}: not found", status=404)
        return current

    def regenerate_upload_credentials(self, identifier: str) -> dict[str, Any]:
        """Fresh 36 h S3 credentials for a file still uploading (or upload failed)."""
        path = self._path(identifier) + "@@upload"
        response = self._request("POST", path, payload={})
        return self._json("POST", path, response)["@graph"][0]["upload_credentials"]

    def get_upload_credentials(self, identifier: str) -> dict[str, Any]:
        path = self._path(identifier) + "@@upload"
        response = self._request("GET", path)
        return self._json("GET", path, response)["@graph"][0]["upload_credentials"]


class _CountedRetry(Retry):
    """urllib3's Retry that tells its client before each repeat (``on_retry``), and never
    repeats a non-idempotent request, not even after a connection error: a POST is retried
    only by :meth:`PortalClient.create`, which first looks for what it may have made."""

    on_retry: Any = None

    def new(self, **kw: Any) -> _CountedRetry:
        retry = super().new(**kw)
        retry.on_retry = self.on_retry
        return retry

    def increment(self, method: str | None = None, url: str | None = None,
                  response: Any = None, error: Exception | None = None, _pool: Any = None,
                  _stacktrace: Any = None) -> _CountedRetry:
        retry = self if method is None or self._is_method_retryable(method) else \
            self.new(total=0)
        return Retry.increment(retry, method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.on_retry is not None and self.history:
            last = self.history[-1]
            why = f"HTTP {last.status}" if last.status else type(last.error).__name__
            self.on_retry(last.method or "", f"{urlsplit(last.url or '').path}: {why}")


def _checked_ca_bundle(ca_bundle: str | None) -> str | None:
    """A CA bundle that exists and holds PEM certificates: a wrong path would fail every
    request with OSError, a file of something else with a TLS error blamed on the server."""
    for name, path in (("ca_bundle", ca_bundle),
                       ("REQUESTS_CA_BUNDLE", os.environ.get("REQUESTS_CA_BUNDLE"))):
        problem = _ca_bundle_problem(path) if path else None
        if problem:
            raise InputError(name, "", f"CA bundle {path} {problem}",
                             "give the PEM file of the CA that signed the portal's certificate")
        if ca_bundle:
            break
    return ca_bundle


def _ca_bundle_problem(path: str) -> str | None:
    if not os.path.exists(path):
        return "does not exist"
    if os.path.isdir(path):  # a folder of hashed certificates (c_rehash), as requests allows
        return None
    kind = irregular_kind(path)  # a FIFO would block the load below
    if kind:
        return f"is {kind}, not a PEM file"
    try:  # a bare context: loads only this file, not the system's certificates
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError as exc:
        return f"holds no PEM certificate ({exc.reason or exc})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def _tls_failure(method: str, path: str, server: str, exc: Exception) -> PortalError:
    """An untrusted certificate needs a CA bundle; other TLS failures (e.g. https to a plain
    http port) are reported as they are."""
    text = str(exc)
    match = re.search(r"certificate verify failed: ([^(']+)", text)
    if match or "CERTIFICATE_VERIFY_FAILED" in text:
        reason = match.group(1).strip() if match else "certificate verify failed"
        return PortalTLSError(f"{method} {path}: the TLS certificate of {server} is not trusted "
                              f"({reason}); set `ca_bundle: <cert.pem>` in the config (or "
                              "--ca-bundle), or REQUESTS_CA_BUNDLE=<cert.pem>")
    reason = re.search(r"\[SSL[^]]*\] ([^(']+)", text)
    return PortalError(f"{method} {path}: TLS with {server} failed "
                       f"({reason.group(1).strip() if reason else type(exc).__name__}); "
                       "check that the server URL's scheme and port are right")


def _retry_after(response: requests.Response, default: float) -> float:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


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


def _missing(current: dict[str, Any], new: dict[str, list[Any]]) -> list[str]:
    """The keys of ``new`` whose values are not all in ``current``'s arrays."""
    def keys(values: Any) -> set[str]:
        return {json.dumps(v, sort_keys=True) for v in (values if isinstance(values, list)
                                                        else [])}
    return [k for k, values in new.items() if not keys(values) <= keys(current.get(k))]


def _merge_unique(current: Any, new: list[Any]) -> list[Any]:
    merged: dict[str, Any] = {}
    for value in [*(current if isinstance(current, list) else []), *new]:
        merged.setdefault(json.dumps(value, sort_keys=True), value)
    return list(merged.values())
