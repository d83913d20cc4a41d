"""The `accession` command's flags (accession 4.8.4's, incl. its early long spellings) and
the config they become; the end-to-end runs are in tests/e2e/test_accession_command.py."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from conftest import REPO

from encode_accession import __version__
from encode_accession.cli.accession import (
    build_config,
    read_metadata_list,
    reference_parser,
    server_value,
)
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
    assert set(commands.choices) == {*BUILT_IN, *REGISTERED["accession"]}
    assert {"list", "portal", "mcp", "accession", *BUILT_IN} <= set(
        next(a for a in build_parser(None)._actions
             if isinstance(a, argparse._SubParsersAction)).choices)


# accession 4.8.4's get_parser (accession/__main__.py): every flag, short and long, with its
# default; ours must take each with the same meaning
REFERENCE_FLAGS = [
    (["-m", "m.json"], "metadata", "m.json"), (["--accession-metadata", "m.json"], "metadata",
                                                "m.json"),
    (["-l", "list.txt"], "metadata_list", "list.txt"),
    (["--metadata-list", "list.txt"], "metadata_list", "list.txt"),
    (["-p", "mirna"], "pipeline", "mirna"), (["--pipeline-type", "mirna"], "pipeline", "mirna"),
    (["-d"], "dry_run", True), (["--dry-run"], "dry_run", True),
    (["-f"], "force", True), (["--force"], "force", True),
    (["-s", "prod"], "server", "prod"), (["--server", "prod"], "server", "prod"),
    (["-a", "ENCSR000AAA"], "annotation", "ENCSR000AAA"),
    (["--annotation-accession", "ENCSR000AAA"], "annotation", "ENCSR000AAA"),
    (["--no-log-file"], "no_log_file", True),
    (["--log-file-path", "x.log"], "log_file_path", "x.log"),
    (["--lab", "l"], "lab", "l"), (["--award", "a"], "award", "a"),
]


@pytest.mark.parametrize(("argv", "dest", "value"), REFERENCE_FLAGS)
def test_every_flag_of_the_reference_parses_to_its_meaning(argv, dest, value):
    args = reference_parser().parse_args(argv)
    assert str(getattr(args, dest)) == str(value)


def test_the_reference_defaults_hold(monkeypatch):
    monkeypatch.delenv("DCC_LAB", raising=False)
    args = reference_parser().parse_args([])
    assert (args.server, args.log_file_path, args.no_log_file, args.dry_run, args.force) == \
        ("dev", "accession.log", False, False, False)
    assert args.lab is None and args.subcommand_name is None


def test_the_reference_info_subcommand_takes_ids_and_dates():
    args = reference_parser().parse_args(["info", "-i", "ENCSR000AAA", "abc123", "-d", "4/5-4/6"])
    assert (args.subcommand_name, args.ids, args.date) == ("info", ["ENCSR000AAA", "abc123"],
                                                          "4/5-4/6")


@pytest.mark.parametrize("flag", ["-v", "--version"])
def test_version_prints_the_one_version_string(flag):
    scripts = Path(sys.executable).parent  # the console scripts of the environment under test
    done = subprocess.run([scripts / "accession", flag], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"accession {__version__} " \
        "(encode-accession)"
    done = subprocess.run([scripts / "encode-accession", "--version"], capture_output=True,
                          text=True)
    assert done.stdout.strip() == f"encode-accession {__version__}"


def test_the_version_is_the_changelogs_latest():
    changelog = (REPO / "CHANGELOG.md").read_text()
    first = next(line for line in changelog.splitlines() if line.startswith("## "))
    assert first.startswith(f"## {__version__} ")


def test_no_run_given_is_one_message(capsys, monkeypatch):
    monkeypatch.setenv("DCC_LAB", "l")
    monkeypatch.setenv("DCC_AWARD", "a")
    assert main(["accession", "-p", "atac"]) == 1
    assert "-m/--accession-metadata: no run given" in capsys.readouterr().err
