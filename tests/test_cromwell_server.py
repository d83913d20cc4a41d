"""Metadata by workflow id or Caper label from a Cromwell server (a real HTTP server on
loopback answering Cromwell's REST endpoints from the real runs in ../shared/fixtures)."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import shared_fixture
from services import serve_cromwell

from encode_accession.core.errors import InputError
from encode_accession.metadata.cromwell_server import fetch_metadata, resolve_metadata
from encode_accession.planning.config import local_metadata
from encode_accession.planning.setup import setup_run

REPLICATED_ID = "ff2a61b1-8708-407f-a075-6a262d7d1ca0"  # caper-str-label ENCSR715NEZ_final_run


@pytest.fixture
def runs() -> list[dict]:
    return [json.loads(shared_fixture(f"cromwell/{name}").read_text())
            for name in ("mirna_replicated_metadata.json", "mirna_unreplicated_metadata.json")]


def test_a_workflow_id_is_fetched_with_subworkflows_expanded(runs, tmp_path):
    with serve_cromwell(runs) as (url, seen):
        dest = fetch_metadata(url, REPLICATED_ID, tmp_path / "m.json")
    assert json.loads(dest.read_text()) == runs[0]
    assert seen == [f"/api/workflows/v1/{REPLICATED_ID}/metadata?expandSubWorkflows=true"]


def test_a_caper_label_is_found_by_query_then_fetched(runs, tmp_path):
    with serve_cromwell(runs) as (url, seen):
        dest = fetch_metadata(url, "ENCSR715NEZ_final_run", tmp_path / "m.json")
    assert json.loads(dest.read_text())["id"] == REPLICATED_ID
    assert seen[0] == "/api/workflows/v1/query?label=caper-str-label:ENCSR715NEZ_final_run"


def test_an_unknown_id_names_the_server_and_the_id(runs, tmp_path):
    unknown = "00000000-0000-4000-8000-000000000000"
    with serve_cromwell(runs) as (url, _), pytest.raises(InputError, match="not known") as e:
        fetch_metadata(url, unknown, tmp_path / "m.json")
    assert unknown in e.value.message and url in e.value.message
    assert not (tmp_path / "m.json").exists()


def test_a_label_of_two_workflows_is_ambiguous_and_lists_both(runs, tmp_path):
    runs[1]["labels"]["caper-str-label"] = runs[0]["labels"]["caper-str-label"]
    with serve_cromwell(runs) as (url, _), pytest.raises(InputError, match="names 2") as e:
        fetch_metadata(url, "ENCSR715NEZ_final_run", tmp_path / "m.json")
    assert runs[0]["id"] in e.value.message and runs[1]["id"] in e.value.message


def test_an_unknown_label_says_what_metadata_may_be(runs, tmp_path):
    with serve_cromwell(runs) as (url, _), pytest.raises(InputError, match="no workflow"):
        fetch_metadata(url, "no-such-label", tmp_path / "m.json")


def test_an_unreachable_server_is_one_message_naming_the_key(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(InputError, match="cannot reach the Cromwell server") as e:
        fetch_metadata(url, REPLICATED_ID, tmp_path / "m.json")
    assert e.value.key == "cromwell_server"


def test_resolve_fetches_once_into_results_and_keeps_existing_paths(runs, tmp_path):
    config = {"metadata": "ENCSR715NEZ_final_run", "results": str(tmp_path / "results")}
    with serve_cromwell(runs) as (url, seen):
        config["cromwell_server"] = url
        path = resolve_metadata(config)
        assert path == str(tmp_path / "results" / "metadata" / f"{REPLICATED_ID}.json")
        config["metadata"] = REPLICATED_ID
        assert resolve_metadata(config) == path  # already fetched: no second download
        assert sum("/metadata" in s for s in seen) == 1
        config["metadata"] = path  # an existing file is used as it is
        assert resolve_metadata(config) == path
        assert len(seen) == 2


def test_a_config_naming_a_label_plans_the_fetched_run(runs, tmp_path):
    with serve_cromwell(runs) as (url, _):
        run = {"metadata": "ENCSR715NEZ_final_run", "cromwell_server": url,
               "pipeline": "mirna", "results": str(tmp_path / "results")}
        assert local_metadata(run) == []  # not a rule input: the plan job fetches it
        setup = setup_run(run)
    assert setup.plan.workflow.id == REPLICATED_ID and setup.plan.files
