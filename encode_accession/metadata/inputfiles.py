"""A user's input file (metadata.json, a steps file) as text, or one InputError.

Every reason the OS or the bytes refuse - missing, a directory, a pipe or device, no
permission, a name too long, not UTF-8 - becomes a message naming the file and the fix, so
nothing reading user input ends in a traceback.
"""

from __future__ import annotations

from pathlib import Path

from encode_accession.core.errors import InputError
from encode_accession.core.files import refuse_irregular


def read_input_text(path: str | Path, what: str, fix_missing: str) -> str:
    """The file's text (UTF-8); ``what`` names the kind of file in messages."""
    refuse_irregular(path, what=what)  # a FIFO would block the read, /dev/zero never end
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(path, "", f"{what} not found", fix_missing) from None
    except IsADirectoryError:
        raise InputError(path, "", f"is a directory, not a {what}",
                         f"give the path of the {what} itself") from None
    except PermissionError:
        raise InputError(path, "", "permission denied",
                         "make the file readable by this user (chmod u+r)") from None
    except OSError as e:
        raise InputError(path, "", f"cannot be read ({e.strerror or e})",
                         "check the path") from None
    return decode_input_text(data, str(path), what)


def decode_input_text(data: bytes, source: str, what: str) -> str:
    """UTF-8 text, or an InputError saying where the first bad byte is."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(source, f"byte {e.start}", f"not UTF-8 text, so not a {what}",
                         f"pass the {what} itself, not a compressed or binary file") from None
