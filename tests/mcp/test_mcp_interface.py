"""The MCP server as an assistant's client sees it, over stdio and over streamable HTTP
(`encode-accession mcp --http PORT`), driven by the SDK's own client against a local portal
on loopback and a tracker database of 20,000 experiments: tools that describe themselves,
resources and prompts, 20 accessions tracked in one call with progress, bounded replies.

(No __init__.py here: a package named `mcp` under tests/ would shadow the SDK.)
"""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest
import synthetic_collection as synthetic
from accounts import CONSORTIUM_ENV
from conftest import time_limit
from tracker.conftest import consortium_keys, synthetic_portal  # noqa: F401 (autouse keys)

from encode_accession.cli.mcp import TOOLS
from encode_accession.cli.mcp.server import package_version
from encode_accession.database.sqlite import connect
from encode_accession.tracker.identifiers import REFERENCE_TYPES

COLLECTION = 20_000
REPLY_MAX = 64 * 1024
ENCODE_ACCESSION = Path(sys.executable).with_name("encode-accession")
# Parameters whose values are a closed set, and the enum each must publish.
ENUMS = {("encode_export_data", "format"): {"csv", "tsv", "json"},
         ("encode_get_citations", "export_format"): {"json", "bibtex", "ris"},
         ("encode_list_tracked", "match"): {"exact", "contains"},
         ("encode_link_reference", "reference_type"): {*REFERENCE_TYPES, "preprint_doi"}}
READ_ONLY = {"encode_list_tracked", "encode_summarize_collection", "encode_compare_experiments",
             "encode_get_references", "encode_search_experiments", "encode_get_facets",
             "encode_get_provenance"}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[dict]]]:
    yield from synthetic_portal(tmp_path_factory, 20)


@pytest.fixture(scope="module")
def big_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tracker database holding 20,000 experiments (accessions unlike the portal's)."""
    path = tmp_path_factory.mktemp("collection") / "tracker.db"
    with closing(connect(path)) as conn:
        synthetic.clone_collection(conn, COLLECTION, first=1_000_000, templates=100,
                                   raw="subset")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def session_over(transport: str, url: str, db: Path, home: Path):
    """An initialized ClientSession and the server's initialize result."""
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client
    from mcp.client.streamable_http import streamable_http_client

    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), **CONSORTIUM_ENV}
    args = ["mcp", "--server", url, "--db", str(db)]
    with open(home / f"{transport}.log", "w") as log:
        if transport == "stdio":
            params = StdioServerParameters(command=str(ENCODE_ACCESSION), args=args, env=env,
                                           cwd=str(home))
            async with stdio_client(params, errlog=log) as (read, write), \
                    ClientSession(read, write) as session:
                yield session, await session.initialize()
            return
        port = free_port()
        server = subprocess.Popen([str(ENCODE_ACCESSION), *args, "--http", str(port)],
                                  env=env, cwd=home, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + time_limit(30)
            while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
                assert server.poll() is None, (home / f"{transport}.log").read_text()
                assert time.monotonic() < deadline, "the HTTP server did not start"
                await asyncio.sleep(0.1)
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams, \
                    ClientSession(*streams[:2]) as session:
                yield session, await session.initialize()
        finally:
            server.terminate()
            server.wait(timeout=time_limit(20))


def text_of(result: Any) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def wire_size(result: Any) -> int:
    return len(result.model_dump_json(by_alias=True, exclude_none=True).encode())


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_an_assistant_sees_described_tools_resources_prompts_progress_and_bounded_replies(
        transport: str, portal: tuple[str, list[dict]], big_collection: Path,
        tmp_path: Path) -> None:
    url, experiments = portal
    db = tmp_path / "tracker.db"
    shutil.copy(big_collection, db)
    export_path = tmp_path / "collection.csv"
    accessions = [e["accession"] for e in experiments]

    async def script() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        async with session_over(transport, url, db, tmp_path) as (session, init):
            seen["init"] = init
            seen["tools"] = (await session.list_tools()).tools
            seen["templates"] = (await session.list_resource_templates()).resource_templates
            seen["prompts"] = (await session.list_prompts()).prompts
            progress: list[tuple[float, float | None, str | None]] = []

            async def on_progress(done: float, total: float | None, message: str | None
                                  ) -> None:
                progress.append((done, total, message))

            seen["batch"] = await session.call_tool(
                "encode_track_experiments", {"accessions": accessions},
                progress_callback=on_progress)
            seen["progress"] = progress
            seen["resource"] = await session.read_resource(
                f"encode://experiments/{accessions[0]}")
            seen["summary"] = await session.read_resource("encode://collection/summary")
            seen["prompt"] = await session.get_prompt(
                "reference_collection", {"tissue": "pancreas"})
            seen["huge_page"] = await session.call_tool("encode_list_tracked",
                                                        {"limit": 10**9})
            seen["export"] = await session.call_tool(
                "encode_export_data", {"format": "csv", "output_path": str(export_path)})
            seen["inline_export"] = await session.call_tool("encode_export_data",
                                                            {"format": "csv"})
            seen["bad_date"] = await session.call_tool(
                "encode_search_experiments", {"date_released_from": "2020-13-45"})
        return seen

    seen = asyncio.run(asyncio.wait_for(script(), time_limit(240)))

    # Every tool describes itself: title, annotations, described parameters, enums.
    assert seen["init"].server_info.version == package_version() != ""
    tools = {t.name: t for t in seen["tools"]}
    assert sorted(tools) == sorted(TOOLS)
    for name, info in tools.items():
        assert info.title and info.annotations is not None, name
        assert info.annotations.read_only_hint is (name in READ_ONLY), name
        assert info.annotations.idempotent_hint is not None, name
        assert info.annotations.open_world_hint is not None, name
        assert "Example:" in (info.description or ""), name
        assert info.output_schema and "reply_bytes" in info.output_schema["properties"], name
        for parameter, schema in info.input_schema["properties"].items():
            assert schema.get("description"), (name, parameter)
    assert tools["encode_untrack_experiment"].annotations.destructive_hint is True
    assert tools["encode_track_experiment"].annotations.destructive_hint is False
    for (name, parameter), values in ENUMS.items():
        assert set(tools[name].input_schema["properties"][parameter]["enum"]) == values

    # Resources and prompts.
    templates = {t.uri_template for t in seen["templates"]}
    assert "encode://experiments/{accession}" in templates
    (contents,) = seen["resource"].contents
    assert f'"accession": "{accessions[0]}"' in contents.text and '"publications"' in contents.text
    assert '"collection_total": 20020' in seen["summary"].contents[0].text
    assert {p.name for p in seen["prompts"]} >= {"reference_collection", "combinable",
                                                 "cite_collection"}
    prompt_text = seen["prompt"].messages[0].content.text
    assert "pancreas" in prompt_text and "encode_track_experiments" in prompt_text

    # 20 accessions in one call, a progress notification after each.
    batch = seen["batch"]
    assert not batch.is_error, text_of(batch)
    assert (batch.structured_content["tracked"], batch.structured_content["failed"]) == (20, 0)
    assert [p[0] for p in seen["progress"]] == list(range(1, 21))
    assert {p[1] for p in seen["progress"]} == {20}
    assert all(m and m.split()[0] in accessions for _, _, m in seen["progress"])

    # A limit of 10**9 is clamped, with a notice; the reply stays bounded.
    page = seen["huge_page"]
    assert not page.is_error, text_of(page)
    assert page.structured_content["limit"] == 200
    assert any("clamped to 200" in n for n in page.structured_content["notices"])
    assert page.structured_content["next_offset"] == page.structured_content["count"]
    assert page.structured_content["total"] == COLLECTION + 20
    assert wire_size(page) < REPLY_MAX

    # The 20,020-experiment export goes to the file named, the reply is a link to it.
    export = seen["export"]
    assert not export.is_error, text_of(export)
    assert wire_size(export) < REPLY_MAX
    (link,) = [c for c in export.content if c.type == "resource_link"]
    assert link.uri == export.structured_content["resource_uri"] and link.mime_type == "text/csv"
    assert link.size == export_path.stat().st_size
    with export_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == export.structured_content["items"] == COLLECTION + 20
    # Without a path the same export is not inlined: a link to a resource, truncated said.
    inline = seen["inline_export"]
    assert inline.structured_content["truncated"] and "data" not in inline.structured_content
    assert inline.structured_content["resource_uri"].startswith("encode://export/csv")
    assert wire_size(inline) < REPLY_MAX

    # An impossible date is a tool error that names it, not an empty result.
    assert seen["bad_date"].is_error and "2020-13-45" in text_of(seen["bad_date"])
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tracked_experiments").fetchone()[0] == 20020
