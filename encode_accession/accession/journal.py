"""The journal of one file's multipart upload, in the run's receipts folder.

The real portal's upload credentials allow ``s3:PutObject`` on the file's key and nothing
else: an uploader may create a multipart upload, send parts and complete it, but never list
the uploads of the key or their parts, nor abort one. What a killed upload already sent is
therefore known only from what the uploader wrote down: the upload id and part size when it
began, and each part (number, size, ETag, md5) as soon as S3 confirmed it, the journal
rewritten atomically each time. A re-run, with the same or regenerated credentials (the key
stays the file's), continues the same upload with the parts it does not have.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from encode_accession.run.receipts import load_existing, save
from encode_accession.run.state import SentPart, UploadJournal


class Journal:
    """Where one file's upload is journaled, and for which run and portal file: a journal
    of anything else (another run, file, object, bytes or part size) is never continued."""

    def __init__(self, path: Path, rundir: Path, *, workflow_id: str, server: str,
                 file_id: str, portal_id: str) -> None:
        self.path, self.rundir = path, rundir
        self._blank = UploadJournal(workflow_id, server, id=file_id, portal_id=portal_id,
                                    upload_url="", md5sum="", file_size=0, part_size=0,
                                    upload_id="", parts=())
        self._current: UploadJournal | None = None
        self._lock = threading.Lock()  # parts are confirmed from several threads

    def resume(self, upload_url: str, md5: str, size: int, part_size: int
               ) -> UploadJournal | None:
        """The journaled upload of these bytes to ``upload_url``, None when there is none."""
        wanted = replace(self._blank, upload_url=upload_url, md5sum=md5, file_size=size,
                         part_size=part_size)
        earlier = load_existing(self.path, UploadJournal, self.rundir)
        if earlier is None or not earlier.continues(wanted):
            return None
        self._current = earlier
        return earlier

    def begin(self, upload_url: str, md5: str, size: int, part_size: int,
              upload_id: str) -> None:
        """A new upload of these bytes: written before any part is sent."""
        with self._lock:
            self._current = replace(self._blank, upload_url=upload_url, md5sum=md5,
                                    file_size=size, part_size=part_size, upload_id=upload_id)
            save(self.path, self._current)

    def confirm(self, part: SentPart) -> None:
        """A part S3 confirmed: on disk before the part counts as sent."""
        with self._lock:
            assert self._current is not None, "begin or resume an upload first"
            parts = {p.number: p for p in self._current.parts} | {part.number: part}
            self._current = replace(self._current,
                                    parts=tuple(parts[n] for n in sorted(parts)))
            save(self.path, self._current)

    def forget(self) -> None:
        """The upload completed, or S3 no longer knows it: nothing left to continue."""
        with self._lock:
            self._current = None
            self.path.unlink(missing_ok=True)
