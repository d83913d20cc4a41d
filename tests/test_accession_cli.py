"""The `accession` command's flags (the reference tool's, incl. its early long spellings) and
the config they become; the end-to-end run is in tests/e2e/test_accession_command.py."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import import_module

import pytest

from encode_accession.cli.accession import build_config, read_metadata_list, server_value
from encode_accession.cli.main import BUILT_IN, REGISTERED, build_parser, main
from encode_accession.core.errors import InputError
from encode_accession.demo.run import WORKFLOW_ID, write_demo_run


def parse(*argv: str):
    return build_parser().parse_args(["accession", *argv])


@pytest.mark.parametrize(("given", "server"), [
    ("dev", "dev"), ("prod", "prod"), ("test.encodedcc.org", "https://test.encodedcc.org"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"), ("local:p.sqlite", "local:p.sqlite")])
def test_server_is_prod_dev_or_a_host(given, server):
    assert server_value(given) == server


def test_short_and_long_spellings_mean_the_same(tmp_path):
    metadata = str(write_demo_run(tmp_path / "run"))
    short = parse("-m", metadata, "-p", "atac", "-s", "prod", "--lab", "l", "--award", "a",
                  "-f", "-d", "-a", "TSTSR000001", "-j", "3", "-C", str(tmp_path))
    long = parse("--accession-metadata", metadata, "--pipeline-type", "atac", "--server",
                 "prod", "--lab", "l", "--award", "a", "--force", "--dry-run",
                 "--annotation-accession", "TSTSR000001", "--cores", "3",
                 "--directory", str(tmp_path))
    assert vars(short) == vars(long)


def test_the_config_names_the_results_folder_after_the_workflow(tmp_path):
    metadata = str(write_demo_run(tmp_path / "run"))
    args = parse("-m", metadata, "--accession-steps", "atac", "-s", "dev", "--lab", "/labs/l/",
                 "--award", "a", "-C", str(tmp_path))
    config = build_config(args, metadata)
    assert config["results"] == f"results/{WORKFLOW_ID}"
    assert config["steps"] == "atac" and "pipeline" not in config
    assert config["metadata"] == metadata and config["force"] is False


def test_missing_lab_is_one_message_naming_the_flag_and_the_variable(monkeypatch, capsys,
                                                                     tmp_path):
    monkeypatch.delenv("DCC_LAB", raising=False)
    monkeypatch.delenv("DCC_AWARD", raising=False)
    assert main(["accession", "-m", "m.json", "-p", "atac", "--award", "a"]) == 1
    assert "--lab: not given and $DCC_LAB is not set" in capsys.readouterr().err


def test_a_metadata_list_has_one_item_per_line(tmp_path):
    listing = tmp_path / "runs.txt"
    listing.write_text("a.json\n\nb-label\n")
    assert read_metadata_list(listing) == ["a.json", "b-label"]
    listing.write_text("a.json b.json\n")
    with pytest.raises(InputError, match="line 1: more than one item"):
        read_metadata_list(listing)
    listing.write_text("\n")
    with pytest.raises(InputError, match="empty"):
        read_metadata_list(listing)


def test_python_dash_m_is_the_command_and_plan_has_no_dash_s():
    done = subprocess.run([sys.executable, "-m", "encode_accession", "plan", "--help"],
                          capture_output=True, text=True, check=True)
    assert "--steps" in done.stdout and "-s," not in done.stdout


def test_the_command_table_names_every_command_its_modules_add():
    """cli.REGISTERED decides which module a command line imports; a command missing from it
    would still parse (all modules are added then) but its module's imports would be lost
    to laziness, and a stale name would import the wrong module."""
    for module, names in REGISTERED.items():
        parser = argparse.ArgumentParser()
        commands = parser.add_subparsers()
        import_module(f"encode_accession.cli.{module}").register(commands)
        assert tuple(commands.choices) == names, module


def test_a_command_imports_only_the_module_that_adds_it():
    parser = build_parser("accession")
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {*BUILT_IN, "accession"}
    assert {"list", "portal", "mcp", "accession", *BUILT_IN} <= set(
        next(a for a in build_parser(None)._actions
             if isinstance(a, argparse._SubParsersAction)).choices)
