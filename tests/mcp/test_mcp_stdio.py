"""`encode-accession mcp` as an assistant runs it: a subprocess spoken to over stdio by the
official SDK's own client (`mcp.client.stdio`), against a local portal served over HTTP on
loopback, writing a tracker database in a temporary folder.

(No __init__.py here: a package named `mcp` under tests/ would shadow the SDK.)
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from accounts import CONSORTIUM_ENV
from pybtex.database import parse_string
from tracker.conftest import consortium_keys, synthetic_portal  # noqa: F401 (autouse keys)

from encode_accession.cli.mcp import TOOLS

TIMEOUT_S = float(os.environ.get("MCP_TEST_TIMEOUT_S", "120"))


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[dict]]]:
    yield from synthetic_portal(tmp_path_factory, 6)


def _text(result: Any) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def _session(url: str, db: Path, home: Path, script) -> Any:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    command = Path(sys.executable).with_name("encode-accession")
    params = StdioServerParameters(
        command=str(command), args=["mcp", "--server", url, "--db", str(db)],
        env={"HOME": str(home), "PATH": os.environ.get("PATH", ""), **CONSORTIUM_ENV},
        cwd=str(home))
    with open(home / "server.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            return await script(session)


def test_an_assistant_tracks_cites_compares_exports_and_logs_provenance_over_stdio(
        portal: tuple[str, list[dict]], tmp_path: Path) -> None:
    url, experiments = portal
    first, second = experiments[0]["accession"], experiments[1]["accession"]
    derived = tmp_path / "peaks.filtered.bed"
    derived.write_text("chr1\t100\t200\n")

    async def script(session: Any) -> dict[str, Any]:
        seen: dict[str, Any] = {"tools": [t.name for t in (await session.list_tools()).tools]}
        call = session.call_tool
        seen["track"] = [await call("encode_track_experiment", {"accession": a})
                         for a in (first, second)]
        seen["bad"] = await call("encode_track_experiment", {"accession": "ENCSR999ZZZ"})
        seen["not_experiment"] = await call("encode_track_experiment",
                                            {"accession": "ENCFF001AAA"})
        seen["list"] = await call("encode_list_tracked", {})
        seen["page"] = await call("encode_list_tracked", {"limit": 1, "offset": 1})
        seen["csv"] = await call("encode_export_data", {"format": "csv"})
        seen["bibtex"] = await call("encode_get_citations", {"export_format": "bibtex"})
        seen["compare"] = await call("encode_compare_experiments",
                                     {"accession1": first, "accession2": second})
        seen["log"] = await call("encode_log_derived_file", {
            "file_path": str(derived), "source_accessions": [first],
            "tool_used": "bedtools", "parameters": "intersect -v"})
        seen["provenance"] = await call("encode_get_provenance", {"file_path": str(derived)})
        seen["summary"] = await call("encode_summarize_collection", {})
        return seen

    seen = asyncio.run(asyncio.wait_for(
        _session(url, tmp_path / "tracker.db", tmp_path, script), TIMEOUT_S))

    assert sorted(seen["tools"]) == sorted(TOOLS) and len(seen["tools"]) == 14
    for result in seen["track"]:
        assert not result.is_error, _text(result)
    assert json.loads(_text(seen["track"][0]))["tracking"]["accession"] == first

    # A bad accession is a tool error with one message; the server kept serving after it.
    assert seen["bad"].is_error and "ENCSR999ZZZ" in _text(seen["bad"])
    assert "was not found on" in _text(seen["bad"]) and "Traceback" not in _text(seen["bad"])
    assert seen["not_experiment"].is_error and "file accession" in _text(seen["not_experiment"])

    listed = json.loads(_text(seen["list"]))
    assert [e["accession"] for e in listed["experiments"]] == sorted([first, second])
    page = json.loads(_text(seen["page"]))
    assert [e["accession"] for e in page["experiments"]] == sorted([first, second])[1:]
    assert (page["total"], page["next_offset"], page["count"]) == (2, None, 1)

    exported = json.loads(_text(seen["csv"]))  # small: inline, with its size
    assert exported["items"] == 2 and not exported["truncated"] and exported["reply_bytes"]
    rows = list(csv.DictReader(io.StringIO(exported["data"])))
    assert sorted(r["accession"] for r in rows) == sorted([first, second])
    assert rows[0]["lab"].startswith("/labs/") and rows[0]["lab_title"]

    bibliography = parse_string(json.loads(_text(seen["bibtex"]))["data"], "bibtex")
    assert {first, second} <= set(bibliography.entries)
    assert any(e.type == "article" for e in bibliography.entries.values())

    comparison = json.loads(_text(seen["compare"]))
    assert comparison["verdict"] in ("compatible", "compatible with caveats", "incompatible")
    assert {comparison["a"], comparison["b"]} == {first, second}

    assert not seen["log"].is_error, _text(seen["log"])
    assert json.loads(_text(seen["log"]))["sources"] == [first]
    lineage = json.loads(_text(seen["provenance"]))
    assert any(n.get("accession") == first for n in lineage["nodes"].values())
    assert any(n.get("location") == str(derived) for n in lineage["nodes"].values())

    assert json.loads(_text(seen["summary"]))["total"] == 2


def test_tool_errors_name_the_culprit_and_the_server_keeps_serving(
        portal: tuple[str, list[dict]], tmp_path: Path) -> None:
    url, experiments = portal

    async def script(session: Any) -> list[Any]:
        call = session.call_tool
        return [
            await call("encode_compare_experiments",
                       {"accession1": "ENCSR000AAA", "accession2": "ENCSR000AAB"}),
            await call("encode_link_reference", {"experiment_accession": "ENCSR000AAA",
                                                 "reference_type": "pmid",
                                                 "reference_id": "x"}),
            await call("encode_get_facets", {"facet_field": "colour"}),
            await call("encode_log_derived_file", {"file_path": str(tmp_path / "absent.bed"),
                                                   "source_accessions": ["ENCFF001AAA"]}),
            await call("encode_search_experiments", {"assay_title": "Histone ChIP-seq",
                                                     "limit": 2}),
        ]

    *errors, found = asyncio.run(asyncio.wait_for(
        _session(url, tmp_path / "tracker.db", tmp_path, script), TIMEOUT_S))
    messages = [_text(e) for e in errors]
    assert all(e.is_error for e in errors), messages
    assert "ENCSR000AAA: is not tracked" in messages[0]
    assert "pmid id: x: is not well formed" in messages[1]
    assert "colour" in messages[2]
    assert "absent.bed" in messages[3]
    assert not any("Traceback" in m for m in messages)
    page = json.loads(_text(found))
    histone = [e for e in experiments if e["assay_title"] == "Histone ChIP-seq"]
    assert page["total"] == len(histone) and len(page["experiments"]) == min(2, len(histone))
