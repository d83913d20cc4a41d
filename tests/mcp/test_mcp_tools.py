"""Tool behaviours through the SDK's in-process client (no transport): untrack keeps
provenance, an existing file is never replaced, an empty source list is refused, lineage is a
resource, a large bibliography is a link, not inline.

(No __init__.py here: a package named `mcp` under tests/ would shadow the SDK.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import time_limit
from tracker.conftest import consortium_keys, synthetic_portal  # noqa: F401 (autouse keys)

from encode_accession.cli.mcp import replies
from encode_accession.cli.mcp.server import build_server


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[dict]]]:
    yield from synthetic_portal(tmp_path_factory, 30, seed=5)


def run(app: Any, script: Any) -> Any:
    from mcp.client.client import Client

    async def go() -> Any:
        async with Client(app) as client:
            return await script(client)
    return asyncio.run(asyncio.wait_for(go(), time_limit(120)))


def test_tools_keep_what_was_stored_and_hand_large_text_over_as_links(
        portal: tuple[str, list[dict]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, experiments = portal
    monkeypatch.setattr(replies, "INLINE_MAX", 4000)  # 30 experiments' bibliography is ~12 KB
    app = build_server(url, tmp_path / "tracker.db")
    made = tmp_path / "made.bed"
    made.write_text("x\n")
    taken = tmp_path / "taken.csv"
    taken.write_text("mine\n")
    first = experiments[0]

    async def script(client: Any) -> dict[str, Any]:
        call = client.call_tool
        seen = {"track": await call("encode_track_experiments",
                                    {"accessions": [e["accession"] for e in experiments]})}
        seen["empty"] = await call("encode_log_derived_file",
                                   {"file_path": str(made), "source_accessions": []})
        seen["log"] = await call("encode_log_derived_file", {
            "file_path": str(made), "source_accessions": [first["files"][0]["accession"]],
            "tool_used": "bedtools"})
        seen["relog"] = await call("encode_log_derived_file", {
            "file_path": str(made), "source_accessions": [first["files"][0]["accession"]]})
        seen["overwrite"] = await call("encode_export_data",
                                       {"format": "csv", "output_path": str(taken)})
        seen["citations"] = await call("encode_get_citations", {"export_format": "bibtex"})
        seen["bibliography"] = await client.read_resource(
            seen["citations"].structured_content["resource_uri"])
        seen["untrack"] = await call("encode_untrack_experiment",
                                     {"accession": first["accession"]})
        seen["lineage"] = await client.read_resource(f"encode://provenance/file?path={made}")
        return seen

    seen = run(app, script)
    assert seen["track"].structured_content["tracked"] == len(experiments)
    assert seen["empty"].is_error and "source_accessions" in seen["empty"].content[0].text
    assert seen["relog"].structured_content["kept"] == ["tool"]
    assert seen["overwrite"].is_error and "already exists" in seen["overwrite"].content[0].text
    assert taken.read_text() == "mine\n"
    cites = seen["citations"].structured_content
    assert cites["bytes"] > replies.INLINE_MAX and cites["truncated"] and "data" not in cites
    (bibliography,) = seen["bibliography"].contents
    assert len(bibliography.text.encode()) == cites["bytes"]
    assert bibliography.text.count("@misc{") == len(experiments)
    untracked = seen["untrack"].structured_content
    assert untracked["kept_provenance"] == [str(made.resolve())]
    lineage = json.loads(seen["lineage"].contents[0].text)
    assert lineage["target"] == str(made.resolve())
    assert any(n.get("accession") == first["files"][0]["accession"]
               for n in lineage["nodes"].values())
