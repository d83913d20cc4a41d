"""One error type for bad input, so every message names the file, the key and the fix.

Users meet these before anything is posted; the CLI and the Snakefile print them as one
line instead of a traceback.
"""

from __future__ import annotations

import os


class InputError(Exception):
    """Bad input found before any side effect: says where (file, key) and how to fix it."""

    def __init__(self, source: str | os.PathLike[str], key: str, problem: str,
                 fix: str = "") -> None:
        self.source = str(source)
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        text = f"{where}: {self.problem}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class InputErrors(InputError):
    """Several problems found in one pass, reported together so the user fixes them at once."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.source, first.key, first.problem, first.fix)

    @property
    def message(self) -> str:
        return "\n".join(e.message for e in self.errors)
