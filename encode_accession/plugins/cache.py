"""md5-checked downloads of portal files into a cache that is never downloaded twice.

The cache holds ``<cache>/<accession>/<accession><extension>``, each file complete and
checked against the portal's `md5sum`: bytes are streamed to a temporary name beside it,
hashed on the way, and renamed into place only when md5 and size match, so a killed
download or two jobs fetching the same file at once never leave a partial file under the
real name. A cached file is re-read (md5) before each use and downloaded again only when its
bytes no longer match; a download that does not match the portal's md5 is an error naming the
accession (the portal or the transfer is at fault, and a retry would fetch the same bytes).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import requests

from encode_accession.core.errors import InputError
from encode_accession.plugins.files import PortalFile
from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import PortalUnavailable
from encode_accession.storage.progress import Progress

log = logging.getLogger(__name__)
CHUNK = 1 << 20


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/encode-accession/files`` (else ``~/.cache/...``): one copy per user
    for every workflow; on a cluster, point the `cache` setting at shared storage."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "encode-accession" / "files"


def cached_path(cache: Path, file: PortalFile) -> Path:
    return cache / file.accession / file.file_name


def md5_of(path: Path) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            md5.update(chunk)
    return md5.hexdigest()


def fetch(portal: PortalClient, file: PortalFile, cache: Path) -> tuple[Path, bool]:
    """The cached, md5-checked copy of ``file`` and whether it had to be downloaded."""
    target = cached_path(cache, file)
    if target.is_file():
        if target.stat().st_size == file.size and md5_of(target) == file.md5:
            return target, False
        log.warning("%s: the cached copy %s no longer matches the portal's md5sum; "
                    "downloading it again", file.accession, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    attempts = portal.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            _download(portal, file, target)
            return target, True
        except (requests.ConnectionError, requests.Timeout, PortalUnavailable) as exc:
            if attempt == attempts:
                raise PortalUnavailable(f"{file.accession}: download from {portal.server} "
                                        f"failed {attempts} times (last: {exc})") from exc
            log.warning("%s: download interrupted (%s), attempt %d of %d", file.accession,
                        type(exc).__name__, attempt, attempts)
    raise AssertionError("unreachable")


def _download(portal: PortalClient, file: PortalFile, target: Path) -> None:
    md5, size = hashlib.md5(usedforsecurity=False), 0
    progress = Progress("download", file.accession, file.size)
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".part")
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle, portal.download(file.href) as response:
            for chunk in response.iter_content(CHUNK):
                handle.write(chunk)
                md5.update(chunk)
                size += len(chunk)
                progress(len(chunk))
        if md5.hexdigest() != file.md5 or size != file.size:
            raise InputError(f"encode://{file.accession}", "md5sum",
                             f"the {size} bytes downloaded from {portal.server} have md5 "
                             f"{md5.hexdigest()}, but the portal's md5sum is {file.md5} "
                             f"({file.size} bytes); nothing was kept",
                             "report it to the portal (encode-help@lists.stanford.edu); "
                             "a retry would fetch the same bytes")
        os.chmod(partial, 0o644)  # mkstemp's 0600 would hide a shared cache from the group
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def place(source: Path, destination: Path) -> None:
    """Put the cached file at Snakemake's local path: a hard link when both are on one file
    system (no second copy; a job that edits its input in place breaks the link's md5 and
    the next use downloads again), else a copy."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.unlink(missing_ok=True)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)
