"""The tracker command group as the main CLI will mount it: options, JSON output, errors."""

from __future__ import annotations

import argparse
import json
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from encode_accession.cli import main as cli
from encode_accession.cli import tracker as tracker_cli
from encode_accession.tracker import connect

from .conftest import Portal

COMMANDS = ("track", "list", "citations", "compare", "summarize", "export", "link", "unlink",
            "references", "search", "facets")


def mounted_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="encode-accession")
    commands = parser.add_subparsers(title="commands")
    commands.add_parser("plan")  # another group already there, as in the main CLI
    tracker_cli.register(commands)
    return parser


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_server_and_db(command: str) -> None:
    positional = {"track": ["ENCSR000AAA"], "compare": ["ENCSR000AAA", "ENCSR000AAB"],
                  "link": ["ENCSR000AAA", "pmid", "1"], "unlink": ["ENCSR000AAA", "pmid", "1"],
                  "references": ["ENCSR000AAA"],
                  "facets": ["assay"]}.get(command, [])
    args = mounted_parser().parse_args([command, *positional])
    assert args.server == "prod" and args.db is None and callable(args.handler)
    args = mounted_parser().parse_args([command, *positional, "--server", "dev",
                                        "--db", "x.db"])
    assert args.server == "dev" and args.db == Path("x.db")


def test_the_db_defaults_to_the_environment_variable(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("ENCODE_TRACKER_DB", str(tmp_path / "env.db"))
    err = StringIO()
    with redirect_stderr(err):  # a command that reads names the database and creates nothing
        assert cli.main(["summarize", "--format", "json"]) == 1
    assert f"{tmp_path / 'env.db'}: no database here" in err.getvalue()
    assert not (tmp_path / "env.db").exists()
    connect(tmp_path / "env.db").close()
    out = StringIO()
    with redirect_stdout(out):
        assert cli.main(["summarize", "--format", "json"]) == 0
    assert json.loads(out.getvalue()) == {"total": 0, "collection_total": 0, "filters": {},
                                          "match": "exact", "totals": {
        "experiments": 0, "publications": 0, "references": 0, "derived_files": 0}, "by": {
        "assay": {}, "target": {}, "organism": {}, "organ": {}, "biosample_type": {},
        "status": {}, "lab": {}}}


@pytest.mark.parametrize(("args", "message"), [
    (["track", "ENCFF001AAA"], "is a file accession"),
    (["track", "ENCSR000ZZZ"], "was not found on"),
    (["compare", "ENCSR000AAA", "ENCSR000AAB"], "ENCSR000AAA: is not tracked"),
    (["references", "ENCSR000AAA"], "is not tracked"),
    (["citations", "ENCSR000AAA"], "is not tracked"),
    (["facets", "colour"], "is not a field the tracker knows"),
    (["search", "--limit", "0"], "is not a positive number"),
])
def test_errors_are_one_line_with_exit_status_one(run_cli, args: list[str],
                                                  message: str) -> None:
    result = run_cli(*args)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("error: ") and message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_malformed_reference_ids_are_refused(run_cli, portal: Portal) -> None:
    accession = portal.experiments[2]["accession"]
    assert run_cli("track", accession).code == 0
    result = run_cli("link", accession, "pmid", "PMC123")
    assert result.code == 1 and "is not well formed" in result.err


def test_json_outputs_parse(run_cli, portal: Portal) -> None:
    first, second = (e["accession"] for e in portal.experiments[3:5])
    tracked = run_cli("track", first, second, "--format", "json").json()
    assert [t["accession"] for t in tracked] == [first, second]
    assert tracked[0]["created"] is True
    comparison = run_cli("compare", first, second, "--format", "json").json()
    assert comparison["verdict"] in ("compatible", "compatible with caveats", "incompatible")
    assert [f["field"] for f in comparison["fields"]][:3] == ["organism", "assembly", "assay"]
    facets = run_cli("facets", "organism", "--format", "json").json()
    assert facets["field"] == "replicates.library.biosample.donor.organism.scientific_name"
    assert sum(t["count"] for t in facets["terms"]) >= len(portal.experiments)
    csl = run_cli("citations", first, "--format", "json").json()
    assert csl[-1]["id"] == first


def test_module_entry_point_prints_help_without_a_command() -> None:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert cli.main([]) == 2
    assert "track" in out.getvalue() and "citations" in out.getvalue()


def test_list_filters_by_biosample_exactly(run_cli, portal: Portal) -> None:
    some = portal.experiments[:12]
    terms = {e["accession"]: e["biosample_ontology"]["term_name"] for e in some}
    assert {"heart", "heart left ventricle"} <= set(terms.values())
    assert run_cli("track", *terms).code == 0
    rows = run_cli("list", "--biosample", "heart", "--format", "json").json()
    assert [r["accession"] for r in rows] == sorted(a for a, t in terms.items() if t == "heart")


def test_a_damaged_database_is_a_one_line_error(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database" * 100)
    err = StringIO()
    with redirect_stderr(err):
        assert cli.main(["list", "--db", str(damaged)]) == 1
    assert err.getvalue().startswith(f"error: tracker database {damaged}: ")
    assert err.getvalue().count("\n") == 1


def test_list_shows_a_page_and_says_on_stderr_how_to_see_more(run_cli, portal: Portal) -> None:
    some = sorted(e["accession"] for e in portal.experiments[:5])
    assert run_cli("track", *some).code == 0
    page = run_cli("list", "--limit", "2", "--offset", "1", "--format", "json")
    assert [r["accession"] for r in page.json()] == some[1:3]
    assert page.err == "showing 2-3 of 5 experiments; --offset 3 for more, --limit 0 for all\n"
    everything = run_cli("list", "--limit", "0", "--format", "json")
    assert [r["accession"] for r in everything.json()] == some and everything.err == ""
    bad = run_cli("list", "--limit", "-1")
    assert bad.code == 1 and "--limit" in bad.err and "Traceback" not in bad.err
