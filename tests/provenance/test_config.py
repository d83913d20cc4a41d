"""Config `provenance:` entries are checked when the Snakefile is parsed, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from encode_accession.core.errors import InputErrors
from encode_accession.provenance.workflow import provenance_entries


def test_entries_are_keyed_by_file_and_ordered_by_their_path_sources(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    entries = provenance_entries({"provenance": [
        {"path": "out/table.tsv", "sources": ["out/merged.bed", "ENCSR000AKS"],
         "tool_version": 4.3, "parameters": {"width": 7}},
        {"path": "out/merged.bed", "sources": ["ENCFF001AAA"], "tool": "bedtools"},
    ]})
    table, merged = entries.values()
    assert table["key"].startswith("table.tsv-") and merged["key"].startswith("merged.bed-")
    assert table["after"] == [merged["key"]] and merged["after"] == []
    assert table["inputs"] == ["out/table.tsv", "out/merged.bed"]
    assert table["location"] == str(tmp_path / "out" / "table.tsv")
    assert table["tool_version"] == "4.3"  # YAML reads 4.3 as a number
    assert provenance_entries({}) == {} and provenance_entries({"provenance": None}) == {}


def test_all_bad_entries_are_reported_together() -> None:
    with pytest.raises(InputErrors) as err:
        provenance_entries({"provenance": [
            {"path": "a.bed"}, {"path": "b.bed", "sources": ["ENCFF001AAA"], "tol": "x"},
            {"path": "c.bed", "sources": "ENCFF001AAA"},
            {"path": "d.bed", "sources": ["ENCFF001AAA"], "parameters": {"f": {1, 2}}},
            {"path": "e.bed", "sources": ["ENCFF001AAA"]},
            {"path": "./e.bed", "sources": ["ENCFF002BBB"]},
        ]})
    message = err.value.message
    assert "provenance[0]: needs a path and sources" in message
    assert "provenance[1]: unknown key(s) tol" in message
    assert "provenance[2].sources: is not a list of text" in message
    assert "cannot be written as JSON" in message
    assert "provenance[5]: ./e.bed is listed twice" in message
    assert len(err.value.errors) == 5
