"""The Snakemake storage plugin for ENCODE portal files: ``storage.encode("ENCFF123ABC")``
(or ``storage("encode://ENCFF123ABC")``) as a rule input.

Snakemake finds it as the installed top-level package `snakemake_storage_plugin_encode`,
which re-exports the three names below. Everything goes through the project's one portal
client (`server`: prod, dev, a URL or local:PATH; keys from DCC_API_KEY/DCC_SECRET_KEY or
the keyring, for unreleased files; its rate limit and retries). Existence, mtime
(`date_created`) and size come from the portal's metadata, so Snakemake decides what is up
to date without downloading; a download is md5-checked into a cache shared by every
workflow of the user (`cache`) and never repeated while the cached bytes match.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snakemake_interface_common.exceptions import WorkflowError
from snakemake_interface_storage_plugins.io import IOCacheStorageInterface, Mtime
from snakemake_interface_storage_plugins.settings import StorageProviderSettingsBase
from snakemake_interface_storage_plugins.storage_object import StorageObjectRead
from snakemake_interface_storage_plugins.storage_provider import (
    ExampleQuery,
    Operation,
    QueryType,
    StorageProviderBase,
    StorageQueryValidationResult,
)

from encode_accession.core.errors import InputError
from encode_accession.core.failures import describe
from encode_accession.plugins.cache import default_cache, fetch, place
from encode_accession.plugins.files import PortalFile, describe_file, file_accession
from encode_accession.portal.client import DEFAULT_RATE_LIMIT, PortalClient
from encode_accession.portal.errors import PortalError
from encode_accession.tracker.credentials import portal_client

SCHEME = "encode://"


@dataclass
class StorageProviderSettings(StorageProviderSettingsBase):
    """`--storage-encode-<name>` on the command line, or ``storage: provider="encode",
    <name>=...`` in the Snakefile."""

    server: str | None = field(default=None, metadata={
        "help": "ENCODE portal: prod, dev, an https URL, http://127.0.0.1:PORT or "
                "local:PATH (default: $DCC_SERVER, else prod)", "env_var": False})
    cache: str | None = field(default=None, metadata={
        "help": "folder of md5-checked downloads, shared by all workflows (default: "
                "$XDG_CACHE_HOME/encode-accession/files); on a cluster, shared storage",
        "env_var": False})
    ca_bundle: str | None = field(default=None, metadata={
        "help": "PEM of the CA that signed the portal's certificate", "env_var": False})


class StorageProvider(StorageProviderBase):
    def __post_init__(self) -> None:
        settings = self.settings or StorageProviderSettings()
        self.server = settings.server or os.environ.get("DCC_SERVER") or "prod"
        self.cache = Path(settings.cache).expanduser() if settings.cache else default_cache()
        self._options = {"ca_bundle": settings.ca_bundle,
                         "rate_limit": settings.max_requests_per_second}
        self._portal: PortalClient | None = None
        self._files: dict[str, PortalFile] = {}
        self._failures: dict[str, WorkflowError] = {}
        self._lock = threading.Lock()

    @property
    def portal(self) -> PortalClient:
        """One client for the whole workflow (its rate limit counts every request)."""
        with self._lock:
            if self._portal is None:
                self._portal = guarded(lambda: portal_client(self.server, **self._options))
            return self._portal

    def describe(self, accession: str) -> PortalFile:
        """The portal's file for ``accession``, asked once per workflow run (a failure too:
        Snakemake asks for a file's name, existence and mtime in turn, and an unreachable
        portal would be retried for each); a replacement is announced once."""
        with self._lock:
            known = self._files.get(accession) or self._failures.get(accession)
        if isinstance(known, PortalFile):
            return known
        if known is not None:
            raise known
        try:
            file = guarded(lambda: describe_file(self.portal, accession))
        except WorkflowError as exc:
            with self._lock:
                self._failures[accession] = exc
            raise
        for notice in file.notices:
            self.logger.warning(notice)
        with self._lock:
            return self._files.setdefault(accession, file)

    @classmethod
    def example_queries(cls) -> list[ExampleQuery]:
        return [ExampleQuery("ENCFF123ABC", "an ENCODE file by accession, as "
                             "storage.encode(\"ENCFF123ABC\")", QueryType.INPUT),
                ExampleQuery("encode://ENCFF123ABC", "the same as a storage(...) URI",
                             QueryType.INPUT)]

    def rate_limiter_key(self, query: str, operation: Operation) -> Any:
        return self.server

    def default_max_requests_per_second(self) -> float:
        return DEFAULT_RATE_LIMIT

    def use_rate_limiter(self) -> bool:
        """The portal client keeps the one request rate (across threads, with 429s)."""
        return False

    @classmethod
    def is_valid_query(cls, query: str) -> StorageQueryValidationResult:
        if "{" in query:  # a pattern with wildcards: judged once they are filled in
            valid = query.startswith(SCHEME) or not query.partition("{")[0].count("/")
            return StorageQueryValidationResult(query, valid, None if valid else
                                                "not an ENCODE accession pattern")
        try:
            file_accession(query)
        except InputError as exc:
            return StorageQueryValidationResult(query, False, exc.message)
        return StorageQueryValidationResult(query, True)

    def postprocess_query(self, query: str) -> str:
        """One spelling per file: ``encode://ENCFF123ABC`` (Snakemake's records key on it)."""
        return query if "{" in query else SCHEME + file_accession(query)


class StorageObject(StorageObjectRead):
    provider: StorageProvider

    def __post_init__(self) -> None:
        self.accession = None if "{" in self.query else file_accession(self.query)

    def file(self) -> PortalFile:
        assert self.accession is not None, self.query
        return self.provider.describe(self.accession)

    async def inventory(self, cache: IOCacheStorageInterface) -> None:
        """Existence, mtime and size in one portal read, before Snakemake asks each."""
        key = self.cache_key()
        if key in cache.exists_in_storage:
            return
        file = self.file()
        cache.exists_in_storage[key] = True
        cache.mtime[key] = Mtime(storage=file.created)
        cache.size[key] = file.size

    def get_inventory_parent(self) -> str | None:
        return None

    def local_suffix(self) -> str:
        """``<accession>/<the portal's file name>``: tools see the real extension (.bed.gz).
        Snakemake asks for it while parsing the Snakefile, where an error would print with
        stack frames: a file the portal refuses gets a plain name, and the check of its
        existence, which comes next, says why."""
        try:
            return f"{self.accession}/{self.file().file_name}"
        except WorkflowError:
            return f"{self.accession}/{self.accession}"

    def cleanup(self) -> None:
        """Nothing beside the local copy, which Snakemake removes (the cache stays)."""

    def exists(self) -> bool:
        """True for a usable file; a missing, revoked or deleted one is an error saying so
        (Snakemake's "missing input" would not say why)."""
        self.file()
        return True

    def mtime(self) -> float:
        return self.file().created

    def size(self) -> int:
        return self.file().size

    def retrieve_object(self) -> None:
        file = self.file()
        cached, downloaded = guarded(lambda: fetch(self.provider.portal, file,
                                                   self.provider.cache))
        self.provider.logger.info(f"{self.query}: {'downloaded' if downloaded else 'cached'}"
                                  f" {cached} (md5 {file.md5} checked)")
        place(cached, self.local_path())


def guarded(call: Any) -> Any:
    """Known failures as one WorkflowError line (Snakemake prints no traceback for it)."""
    try:
        return call()
    except (InputError, PortalError, OSError) as exc:
        message = describe(exc)
        if message is None:
            raise
        raise WorkflowError(message) from None
