"""Receipts: the small JSON files each job writes about what it created or found.

They are the DAG's files, so they must never be half-written: a receipt is written to a
temporary file and renamed into place, and it never holds a secret (only portal ids, aliases,
checksums and statuses).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_receipt(path: str | Path, data: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_receipt(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
