"""The local portal's S3 bucket on disk: an object appears whole or not at all.

Bytes are written under a temporary name inside the store's folder and renamed onto their
key once complete, so a killed upload leaves nothing at the key. Multipart parts live beside
their upload, invisible as objects, until CompleteMultipartUpload joins them (computing the
object's md5 on the way, so the portal's file check needs no second read). Several processes
may serve one folder (every job of a `local:` run serves the portal itself): an upload begun
through one is continued and completed through another. Unfinished uploads are never listed
or aborted through the endpoint (the upload credentials' policy denies both, as on AWS,
where the bucket's lifecycle rule removes them); they stay here until completed.

Layout under the root: ``<key>`` the objects, ``.etags/<key>`` their ETags (written before
the object is renamed into place), ``.incoming/`` bytes being written, ``.multipart/<id>/``
an unfinished upload (``key`` and its parts as ``<number>.<md5>``).
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

PART_MIN_BYTES = 5 << 20  # S3's smallest part but the last (EntityTooSmall)
MAX_PARTS = 10_000
_CHUNK = 8 << 20


class S3Error(Exception):
    """An S3 error response: HTTP status, S3's error code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Stored:
    """An object as written: its ETag (the md5, or S3's multipart form), md5 and size."""

    etag: str
    md5: str
    size: int


@dataclass(frozen=True)
class Part:
    number: int
    etag: str
    size: int


class ObjectStore:
    """One bucket's objects and unfinished multipart uploads under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sweep()

    def _sweep(self) -> None:
        """Remove bytes left under a temporary name by a process that died writing them
        (a killed job serving the portal itself): named ``<pid>-...``, its pid is gone."""
        folder = self.root / ".incoming"
        for leftover in folder.iterdir() if folder.is_dir() else ():
            pid = leftover.name.partition("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                leftover.unlink(missing_ok=True)

    # -- objects -------------------------------------------------------------------------

    def path(self, key: str) -> Path:
        """The object's file; a key that could leave the folder or name the store's own
        folders is refused."""
        segments = key.split("/")
        if not key or any(s in ("", ".", "..") for s in segments) or key.startswith("."):
            raise S3Error(400, "InvalidArgument", f"unsupported key {key!r}")
        return self.root / key

    def head(self, key: str) -> tuple[str, int, float] | None:
        """(ETag, size, modified) of the object, None if there is none."""
        path = self.path(key)
        try:
            stat = path.stat()
            etag = (self.root / ".etags" / key).read_text()
        except FileNotFoundError:
            return None
        return etag, stat.st_size, stat.st_mtime

    def read(self, key: str) -> Iterator[bytes] | None:
        path = self.path(key)
        if not path.is_file():
            return None
        return _file_chunks(path)

    def put(self, key: str, chunks: Iterable[bytes], content_md5: str | None = None) -> Stored:
        """PutObject: the bytes land under a temporary name and are renamed onto ``key``
        when all of them arrived (and match ``content_md5``, hex, when given)."""
        target = self.path(key)
        with self._incoming() as (tmp, out):
            md5, size = hashlib.md5(), 0
            for chunk in chunks:
                md5.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.close()
            if content_md5 is not None and content_md5 != md5.hexdigest():
                raise S3Error(400, "BadDigest", "The Content-MD5 you specified did not match "
                                                "what we received.")
            stored = Stored(md5.hexdigest(), md5.hexdigest(), size)
            self._publish(tmp, key, target, stored.etag)
        return stored

    def _publish(self, tmp: Path, key: str, target: Path, etag: str) -> None:
        """Rename finished bytes onto their key, its ETag written first."""
        etag_path = self.root / ".etags" / key
        etag_path.parent.mkdir(parents=True, exist_ok=True)
        etag_tmp = etag_path.with_name(f".{etag_path.name}.{secrets.token_hex(6)}")
        etag_tmp.write_text(etag)
        os.replace(etag_tmp, etag_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)

    @contextmanager
    def _incoming(self) -> Iterator[tuple[Path, BinaryIO]]:
        """A temporary file in the store (same filesystem: renames are atomic), removed
        unless it was renamed onto a key or a part."""
        folder = self.root / ".incoming"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{os.getpid()}-{secrets.token_hex(8)}"
        out = path.open("wb")
        try:
            yield path, out
        finally:
            out.close()
            path.unlink(missing_ok=True)

    # -- multipart uploads ---------------------------------------------------------------

    def _upload_dir(self, upload_id: str) -> Path:
        if not upload_id or "/" in upload_id or upload_id.startswith("."):
            raise _no_such_upload(upload_id)
        folder = self.root / ".multipart" / upload_id
        if not folder.is_dir():
            raise _no_such_upload(upload_id)
        return folder

    def create_upload(self, key: str) -> str:
        """CreateMultipartUpload: a new upload id, usable once its folder is complete."""
        self.path(key)
        upload_id = secrets.token_urlsafe(32)
        uploads = self.root / ".multipart"
        staging = uploads / f".new-{upload_id}"
        staging.mkdir(parents=True)
        (staging / "key").write_text(key)
        os.replace(staging, uploads / upload_id)
        return upload_id

    def upload_key(self, upload_id: str) -> str:
        return (self._upload_dir(upload_id) / "key").read_text()

    def put_part(self, upload_id: str, number: int, chunks: Iterable[bytes],
                 content_md5: str | None = None) -> str:
        """UploadPart: the part's ETag (its md5); an earlier part of that number is replaced."""
        if not 1 <= number <= MAX_PARTS:
            raise S3Error(400, "InvalidArgument",
                          f"Part number must be an integer between 1 and {MAX_PARTS}")
        folder = self._upload_dir(upload_id)
        with self._incoming() as (tmp, out):
            md5 = hashlib.md5()
            for chunk in chunks:
                md5.update(chunk)
                out.write(chunk)
            out.close()
            etag = md5.hexdigest()
            if content_md5 is not None and content_md5 != etag:
                raise S3Error(400, "BadDigest", "The Content-MD5 you specified did not match "
                                                "what we received.")
            try:
                os.replace(tmp, folder / f"{number:05d}.{etag}")
            except FileNotFoundError:
                raise _no_such_upload(upload_id) from None  # completed meanwhile
        for earlier in folder.glob(f"{number:05d}.*"):
            if earlier.name != f"{number:05d}.{etag}":
                earlier.unlink(missing_ok=True)
        return etag

    def parts(self, upload_id: str) -> list[Part]:
        folder = self._upload_dir(upload_id)
        found = []
        for path in folder.iterdir():
            number, _, etag = path.name.partition(".")
            if not number.isdigit():
                continue
            try:
                size = path.stat().st_size
            except FileNotFoundError:  # replaced meanwhile
                continue
            found.append(Part(int(number), etag, size))
        return sorted(found, key=lambda p: p.number)

    def complete(self, upload_id: str, wanted: list[tuple[int, str]]) -> tuple[str, Stored]:
        """CompleteMultipartUpload: join the named parts (in order, ETags matching) into the
        object; returns its key and what was stored."""
        folder = self._upload_dir(upload_id)
        key = self.upload_key(upload_id)
        have = {p.number: p for p in self.parts(upload_id)}
        if not wanted:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed or "
                                               "did not validate against our published schema")
        numbers = [n for n, _ in wanted]
        if numbers != sorted(set(numbers)):
            raise S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending "
                                                   "order. Parts must be ordered by part number.")
        for i, (number, etag) in enumerate(wanted):
            part = have.get(number)
            if part is None or part.etag != etag.strip('"'):
                raise S3Error(400, "InvalidPart", "One or more of the specified parts could not "
                                                  "be found or its entity tag did not match.")
            if i < len(wanted) - 1 and part.size < PART_MIN_BYTES:
                raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the "
                                                     "minimum allowed object size.")
        target = self.path(key)
        with self._incoming() as (tmp, out):
            md5, size, etags = hashlib.md5(), 0, b""
            try:
                for number, _ in wanted:
                    part = have[number]
                    etags += bytes.fromhex(part.etag)
                    with (folder / f"{number:05d}.{part.etag}").open("rb") as src:
                        size += _append(src, out, md5)
            except FileNotFoundError:
                raise _no_such_upload(upload_id) from None  # another completion won
            out.close()
            etag = f"{hashlib.md5(etags).hexdigest()}-{len(wanted)}"
            self._publish(tmp, key, target, etag)
        shutil.rmtree(folder, ignore_errors=True)
        return key, Stored(etag, md5.hexdigest(), size)


def _no_such_upload(upload_id: str) -> S3Error:
    return S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID "
                                        "may be invalid, or the upload may have been aborted "
                                        f"or completed ({upload_id}).")


def _append(src: io.BufferedReader, out: BinaryIO, md5: Any) -> int:
    """Copy ``src`` onto the end of ``out`` while hashing it: the bytes pass through Python
    once (the hash), the copy is the kernel's (copy_file_range, Linux) where it can."""
    copied = 0
    buffer = memoryview(bytearray(_CHUNK))
    kernel = hasattr(os, "copy_file_range")
    out.flush()
    position = out.tell()
    while count := src.readinto(buffer):
        md5.update(buffer[:count])
        if not kernel:
            out.write(buffer[:count])
        copied += count
    offset = 0
    while kernel and offset < copied:
        sent = os.copy_file_range(src.fileno(), out.fileno(), copied - offset, offset,
                                  position + offset)
        if sent == 0:
            raise OSError(f"{src.name} shrank while it was joined")
        offset += sent
    out.seek(position + copied)
    return copied


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk
