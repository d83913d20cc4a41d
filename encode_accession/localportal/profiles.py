"""The local portal's view of the portal profiles (`encode_accession.portal.profiles`).

One shared `Profiles` (the shipped snapshot) judges every write; the file profile's own
tables (extensions, output categories) drive calculated properties and upload names.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from encode_accession.portal.profiles import Profiles


@cache
def profiles() -> Profiles:
    return Profiles.load()


def file_schema_tables() -> dict[str, Any]:
    """The file profile's lookup tables: `file_format_file_extension`,
    `output_type_output_category`."""
    return profiles().schema("file")
