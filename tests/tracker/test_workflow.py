"""Config `track:` is checked when the Snakefile is parsed, with every problem named."""

from __future__ import annotations

import pytest

from encode_accession.core.errors import InputErrors
from encode_accession.tracker import track_entries


def test_entries_are_normalised_and_keyed_by_accession() -> None:
    entries = track_entries({"track": [{"accession": "encsr172icq", "notes": "liver"},
                                       {"accession": "ENCSR561TUT"}]})
    assert entries == {"ENCSR172ICQ": {"accession": "ENCSR172ICQ", "notes": "liver"},
                       "ENCSR561TUT": {"accession": "ENCSR561TUT", "notes": None}}
    assert track_entries({}) == {} and track_entries({"track": None}) == {}


def test_all_bad_entries_are_reported_together() -> None:
    config = {"track": [
        {"accession": "ENCFF001AAA"}, {"accession": "ENCSR172ICQ", "note": "typo"},
        "ENCSR172ICQ", {"accession": "ENCSR561TUT", "notes": 3},
        {"accession": "ENCSR172ICQ"}, {"accession": "encsr172icq"},
    ]}
    with pytest.raises(InputErrors) as err:
        track_entries(config)
    message = err.value.message
    assert "track[0].accession" in message and "is a file accession" in message
    assert "track[1]: unknown key(s) note" in message
    assert "track[2]: needs an accession" in message
    assert "track[3].notes: is not text" in message
    assert "track[5]: ENCSR172ICQ is listed twice" in message
    assert len(err.value.errors) == 5
