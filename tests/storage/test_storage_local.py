"""Storage on local/cluster disk: paths and file:// URLs."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from encode_accession.core.errors import InputError
from encode_accession.storage.stores import Storage, get_storage


@pytest.fixture
def bam(tmp_path: Path) -> tuple[str, bytes]:
    data = os.urandom(3 << 20 | 12345)  # not a multiple of the hash buffer
    path = tmp_path / "call-align" / "r1 sorted.bam"
    path.parent.mkdir()
    path.write_bytes(data)
    return str(path), data


def test_md5_and_size_of_a_path(bam):
    path, data = bam
    storage = Storage()
    assert storage.md5(path) == hashlib.md5(data).hexdigest()
    assert storage.size(path) == len(data)
    assert storage.exists(path)


def test_file_url_is_the_same_file(bam):
    path, data = bam
    url = Path(path).as_uri()  # percent-encodes the space
    assert "%20" in url
    assert Storage().md5(url) == hashlib.md5(data).hexdigest()
    assert Storage().size(f"file://localhost{path}") == len(data)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert Storage().md5(str(path)) == hashlib.md5(b"").hexdigest()


def test_open_read_streams_the_bytes(bam):
    path, data = bam
    with Storage().open_read(path) as stream:
        chunks = list(iter(lambda: stream.read(1 << 20), b""))
    assert len(chunks) == 4
    assert b"".join(chunks) == data


def test_reads_cromwell_metadata(tmp_path):
    metadata = {"id": "6a6e2b47", "status": "Succeeded", "calls": {}}
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(metadata))
    assert json.loads(Storage().read_bytes(str(path))) == metadata


def test_read_bytes_refuses_rather_than_truncates(bam):
    path, _ = bam
    with pytest.raises(InputError, match="larger than 1000 bytes"):
        Storage().read_bytes(path, limit=1000)


def test_md5_is_cached(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"cached once")
    storage = Storage()
    first = storage.md5(str(path))
    path.unlink()
    assert storage.md5(str(path)) == first == hashlib.md5(b"cached once").hexdigest()


def test_get_storage_is_shared_per_process():
    assert get_storage() is get_storage()


@pytest.mark.parametrize("operation", ["md5", "size", "open_read", "read_bytes"])
def test_missing_file_is_one_input_error(tmp_path, operation):
    path = str(tmp_path / "nope" / "x.bam")
    with pytest.raises(InputError) as raised:
        getattr(Storage(), operation)(path)
    assert raised.value.source == path
    assert "not found" in raised.value.problem
    assert not Storage().exists(path)


@pytest.mark.parametrize("operation", ["md5", "size"])
def test_directory_is_not_a_file(tmp_path, operation):
    with pytest.raises(InputError, match="is a directory"):
        getattr(Storage(), operation)(str(tmp_path))
    assert not Storage().exists(str(tmp_path))


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "out.bam")
    return folder / "out.bam"


def _socket(folder: Path) -> Path:
    import socket
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "out.bam"))  # the file stays after the socket is closed
    server.close()
    return folder / "out.bam"


def _zero_link(folder: Path) -> Path:
    (folder / "out.bam").symlink_to("/dev/zero")
    return folder / "out.bam"


@pytest.mark.parametrize(("make", "kind"), [
    (_fifo, "a named pipe (FIFO)"), (_socket, "a socket"),
    (_zero_link, "a character device (the link leads to /dev/zero)")])
@pytest.mark.parametrize("operation", ["md5", "size", "open_read", "read_bytes"])
def test_pipes_devices_and_sockets_are_refused_before_any_read(tmp_path, make, kind,
                                                               operation):
    path = str(make(tmp_path))
    with pytest.raises(InputError) as raised:  # a FIFO would block here, /dev/zero not end
        getattr(Storage(), operation)(path)
    assert raised.value.message == (
        f"{path}: is {kind}, not a regular file (fix: point to the file itself: a pipe, "
        "device or socket has no fixed bytes to hash or upload)")
    assert not Storage().exists(path)


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("https://example.org/x.bam", "unsupported URI scheme https://"),
        ("file://otherhost/x.bam", "file URL on another host"),
    ],
)
def test_unsupported_uris(uri, problem):
    with pytest.raises(InputError, match=problem):
        Storage().md5(uri)
