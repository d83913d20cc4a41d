"""``encode-accession accession``: the reference tool's command, run by the Snakemake workflow.

Users of ENCODE's ``accession`` tool keep their command line: the flags and meanings of its
``accession/__main__.py:get_parser`` (4.8.4), plus the long spellings of its first releases
(``--accession-steps STEPS.json``). ``-s`` is the server, ``-l`` a file listing metadata,
``-a`` the Annotation accession (segway, genophase, megamap); lab and award are ``--lab`` and
``--award`` only, as there. Each run is planned in this process (:func:`plan_runs`), then
one call of the repository's Snakefile through Snakemake's Python API with a config built
from the flags, into its own results folder (``results/<workflow id>`` by default),
recorded where ``encode-accession info`` looks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import default_db_path
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.metadata.cromwell_server import resolve_metadata
from encode_accession.run import layout

SNAKEFILE = Path(__file__).resolve().parents[2] / "Snakefile"
PORTALS = ("prod", "dev")


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "accession", help="accession a finished run (the reference `accession` tool's flags)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("-m", "--accession-metadata", "--metadata", dest="metadata",
                        help="metadata.json, or a workflow id or Caper label "
                             "(with --cromwell-server)")
    source.add_argument("-l", "--metadata-list", type=Path,
                        help="a file with one metadata path, workflow id or label per line; "
                             "each is accessioned, a failed one does not stop the others")
    kind = cmd.add_mutually_exclusive_group(required=True)
    kind.add_argument("-p", "--pipeline-type", "--pipeline", dest="pipeline",
                      help="pipeline family or variant (atac, tf_chip, mirna, ...)")
    kind.add_argument("--accession-steps", "--steps", dest="steps",
                      help="a steps file (the reference's *_steps.json or this project's YAML)")
    cmd.add_argument("-s", "--server", default="dev",
                     help="prod, dev, a host name or URL, or local[:PATH] (default dev)")
    cmd.add_argument("--lab", default=os.environ.get("DCC_LAB"),
                     help="submitting lab, name or @id (default $DCC_LAB)")
    cmd.add_argument("--award", default=os.environ.get("DCC_AWARD"),
                     help="award, name or @id (default $DCC_AWARD)")
    cmd.add_argument("-a", "--annotation-accession", dest="annotation",
                     help="the Annotation segway, genophase and megamap runs accession to")
    cmd.add_argument("-d", "--dry-run", action="store_true",
                     help="only the preflight (lab, award, md5 duplicates); posts nothing")
    cmd.add_argument("-f", "--force", action="store_true",
                     help="post even when planned files' md5s are already on the portal")
    cmd.add_argument("-j", "--jobs", "--cores", dest="jobs", type=int, default=2,
                     help="jobs run at once (default 2)")
    cmd.add_argument("--cromwell-server", help="Cromwell/Caper server URL for ids and labels")
    cmd.add_argument("--results", help="results folder (default results/<workflow id>)")
    cmd.add_argument("-C", "--directory", type=Path, default=Path.cwd(),
                     help="working directory of the workflow (default: here)")
    cmd.add_argument("--snakefile", type=Path, default=SNAKEFILE, help=argparse.SUPPRESS)
    cmd.set_defaults(handler=_accession)


def _accession(args: argparse.Namespace) -> int:
    for key in ("lab", "award"):
        if not getattr(args, key):
            raise InputError("command line", f"--{key}", "not given and $DCC_"
                             f"{key.upper()} is not set", f"pass --{key} or export DCC_"
                             f"{key.upper()}")
    if not args.snakefile.exists():
        raise InputError(str(args.snakefile), "", "the workflow's Snakefile is not installed",
                         "run from a clone of the repository (pip install -e .)")
    items = [args.metadata] if args.metadata else read_metadata_list(args.metadata_list)
    failed = []
    for item in items:
        try:
            ok = run_workflow(build_config(args, item), args)
        except InputError as e:
            print(f"error: {e.message}", file=sys.stderr)
            ok = False
        if not ok:
            failed.append(item)
    if len(items) > 1:
        print(f"accessioned {len(items) - len(failed)} of {len(items)} runs"
              + "".join(f"\nfailed: {item}" for item in failed), file=sys.stderr)
    return 1 if failed else 0


def read_metadata_list(path: Path) -> list[str]:
    """One metadata path, id or label per line; blank lines skipped (the reference's rules)."""
    try:
        lines = path.read_text().splitlines()
    except OSError as e:
        raise InputError(str(path), "", f"cannot read the metadata list ({e.strerror})") from None
    items = []
    for number, line in enumerate(lines, 1):
        tokens = line.split()
        if len(tokens) > 1:
            raise InputError(str(path), f"line {number}", "more than one item on a line",
                             "write one metadata path, workflow id or label per line")
        items += tokens
    if not items:
        raise InputError(str(path), "", "the metadata list is empty")
    return items


def server_value(server: str) -> str:
    """The reference's ``-s``: ``prod``/``dev``, else a host name (https); URLs and
    ``local[:PATH]`` pass unchanged."""
    if server in PORTALS or "://" in server or server.split(":")[0] == "local":
        return server
    return f"https://{server}"


def build_config(args: argparse.Namespace, metadata: str) -> dict[str, Any]:
    """The workflow config a command line means; the metadata is fetched first when it is a
    workflow id or label, so the results folder can be named after the workflow id."""
    workdir = args.directory.resolve()
    config: dict[str, Any] = {
        "server": server_value(args.server), "lab": args.lab, "award": args.award,
        "force": args.force, "tracker_db": str(default_db_path()),
    }
    if args.cromwell_server:
        config["cromwell_server"] = args.cromwell_server
    config["pipeline" if args.pipeline else "steps"] = args.pipeline or _absolute(args.steps)
    if args.annotation:
        config["annotation"] = args.annotation
    staging = {**config, "metadata": _absolute(metadata),
               "results": str(workdir / (args.results or "results"))}
    local = resolve_metadata(staging)  # a path, or the file fetched from the Cromwell server
    workflow_id = load_metadata(local).id
    config["metadata"] = local
    config["results"] = args.results or f"results/{workflow_id}"
    return config


def run_workflow(config: dict[str, Any], args: argparse.Namespace) -> bool:
    """One Snakemake run of the workflow (the preflight only with --dry-run); False when it
    failed, after Snakemake printed why."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
    )

    workdir = args.directory.resolve()
    targets = {f"{config['results']}/{layout.PREFLIGHT}"} if args.dry_run else set()
    configfile = write_config(config, workdir)
    try:
        plan_runs(config, workdir)
    except SystemExit as stop:  # the Snakefile's own config checks, in their words
        print(stop, file=sys.stderr)
        return False
    with SnakemakeApi(OutputSettings()) as api:
        try:
            workflow = api.workflow(
                snakefile=args.snakefile, workdir=workdir,
                config_settings=ConfigSettings(configfiles=[configfile],
                                               replace_workflow_config=True),
                resource_settings=ResourceSettings(cores=args.jobs))
            workflow.dag(dag_settings=DAGSettings(targets=targets)).execute_workflow()
        except Exception as e:  # Snakemake's errors: it prints them in its own words
            api.print_exception(e)
            return False
    return True


def plan_runs(config: dict[str, Any], workdir: Path) -> None:
    """Plan here, as the Snakefile's plan checkpoint would: the same functions on the same
    config (a copy: the Snakefile layers its own). Snakemake then finds each plan up to date,
    runs no plan job and builds its DAG once (~0.5 s a run). Bad input stops here, with one
    message, before Snakemake starts."""
    from encode_accession.planning.config import check_config, run_settings
    from encode_accession.run.layout import check_results_server
    from encode_accession.run.planfile import write_plan_file

    config = dict(config)
    check_config(config)
    runs = run_settings(config)  # receipts folders relative to the workflow's workdir
    check_results_server({str(workdir / rundir): s for rundir, s in runs.items()})
    for rundir, settings in runs.items():
        # through JSON, as the rule hands the settings to the plan job
        write_plan_file(workdir / rundir / layout.PLAN, json.loads(json.dumps(settings)))


def write_config(config: dict[str, Any], workdir: Path) -> Path:
    """The config as a file in the run's results folder: the record of what the command ran,
    and a config file as Snakemake expects one, replacing the workflow's default (demo)
    config entirely so no demo value leaks into a real run."""
    path = workdir / config["results"] / "accession.config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _absolute(value: str) -> str:
    """Paths relative to where the command was run, since the workflow runs in -C."""
    path = Path(value)
    return str(path.resolve()) if path.exists() else value
