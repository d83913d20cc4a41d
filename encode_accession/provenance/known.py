"""Is a source accession real? Checked before a record names it, so a mistyped one is
caught instead of becoming lineage that leads nowhere.

The pattern is checked where the text is read (`identity.accession_of`: a kind the portal
mints). Here, an accession the database already knows (a tracked experiment, one of its files,
an input an accessioning run found, a recorded file) is accepted as is; any other is looked
up on the portal when there is one: not there is an error, a portal that cannot answer is a
warning (the record is still made, and says nothing it cannot back up).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from encode_accession.core.errors import InputError
from encode_accession.portal.errors import PortalAuthError, PortalError

if TYPE_CHECKING:
    from encode_accession.portal.client import PortalClient

# Where the database keeps accessions it has seen: (table, column).
_KNOWN_IN = (("tracked_experiments", "accession"), ("experiment_files", "file_accession"),
             ("quality_metrics", "file_accession"), ("portal_sources", "accession"),
             ("version_accessions", "accession"), ("file_versions", "accession"))


def unknown_locally(conn: sqlite3.Connection, accessions: Iterable[str]) -> list[str]:
    """The accessions (upper-case, each once) no table of the database knows."""
    unknown = list(dict.fromkeys(accessions))
    for table, column in _KNOWN_IN:
        if not unknown:
            break
        marks = ", ".join("?" * len(unknown))
        found = {r[0] for r in conn.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", unknown)}
        unknown = [a for a in unknown if a not in found]
    return unknown


def check_accessions(conn: sqlite3.Connection, accessions: Sequence[str],
                     portal: PortalClient | None, *, where: str = "sources") -> list[str]:
    """Warnings for accessions that could not be checked; an InputError for one the portal
    does not have. Without a portal, every accession the database does not know is a
    warning."""
    warnings = []
    for accession in unknown_locally(conn, accessions):
        if portal is None:
            warnings.append(f"{accession}: not in the tracker and not checked against a "
                            "portal (give --server to check it)")
            continue
        try:
            found = portal.get(accession)
        except PortalAuthError:
            continue  # it exists; these keys may not read it
        except PortalError as exc:
            warnings.append(f"{accession}: could not be checked on {portal.server} ({exc}); "
                            "recorded as given")
            continue
        if found is None:
            raise InputError(accession, where, f"is not on {portal.server}",
                             "check the accession for a typo, or the --server it lives on")
    return warnings

