"""What the commands that use the database share: a damaged or locked database is one line
naming it (the command's handler wrapped once, where it is registered)."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable

from encode_accession.database.sqlite import default_db_path

Handler = Callable[[argparse.Namespace], int]


def database_errors(handler: Handler) -> Handler:
    """``handler`` with SQLite's errors as one line naming the database, and status 1."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except sqlite3.DatabaseError as exc:
            print(f"error: tracker database {args.db or default_db_path()}: {exc}",
                  file=sys.stderr)
            return 1
    return run
