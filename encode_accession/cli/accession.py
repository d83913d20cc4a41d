"""``accession`` and ``encode-accession accession``: the reference tool's command, run by the
Snakemake workflow.

Labs keep their command lines: every flag of accession 4.8.4's ``get_parser`` with its meaning
and default (``-m/--accession-metadata``, ``-l/--metadata-list``, ``-p/--pipeline-type``,
``-d/--dry-run``, ``-f/--force``, ``-s/--server``, ``-a/--annotation-accession``,
``--no-log-file``, ``--log-file-path`` (``accession.log``), ``--lab``, ``--award``,
``-v/--version``, and its ``info`` subcommand), plus the long spellings of its first releases
(``--accession-steps STEPS.json``). ``-m`` is a metadata.json, a workflow id or a Caper label:
ids and labels are fetched from ``--cromwell-server``, else from the server of Caper's
``~/.caper/default.conf``, as the reference finds it. Each run is planned in this process
(:func:`plan_runs`), then one call of the workflow's Snakefile through Snakemake's API with a
config built from the flags, into its own results folder (``results/<workflow id>``),
recorded where ``info`` looks. Snakemake's own output goes to the log file; the terminal
shows the jobs' lines, the progress, and last, what failed and why.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import yaml

from encode_accession import __version__
from encode_accession.core import resources
from encode_accession.core.errors import InputError
from encode_accession.database.sqlite import default_db_path
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.metadata.cromwell_server import caper_server, resolve_metadata
from encode_accession.run import layout

PORTALS = ("prod", "dev")
DEFAULT_LOG = "accession.log"  # the reference's --log-file-path default


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """accession 4.8.4's flags (with its early long spellings) and this workflow's own."""
    source = cmd.add_mutually_exclusive_group()
    source.add_argument("-m", "--accession-metadata", "--metadata", dest="metadata",
                        help="metadata.json, or a workflow id or Caper label (from "
                             "--cromwell-server, else Caper's ~/.caper/default.conf)")
    source.add_argument("-l", "--metadata-list", type=Path,
                        help="a file with one metadata path, workflow id or label per line; "
                             "each is accessioned, a failed one does not stop the others")
    cmd.add_argument("-p", "--pipeline-type", "--pipeline", dest="pipeline",
                     help="pipeline family or variant (atac, tf_chip, mirna, ...)")
    cmd.add_argument("--accession-steps", "--steps", dest="steps",
                     help="a steps file (the reference's *_steps.json or this project's YAML)")
    cmd.add_argument("-d", "--dry-run", action="store_true",
                     help="only the preflight, and its report; posts nothing (has precedence "
                          "over -f)")
    cmd.add_argument("-f", "--force", action="store_true",
                     help="post even when planned files' md5s are already on the portal")
    cmd.add_argument("-s", "--server", default="dev",
                     help="prod, dev, a host name or URL, or local[:PATH] (default dev)")
    cmd.add_argument("-a", "--annotation-accession", dest="annotation",
                     help="the Annotation segway, genophase and megamap runs accession to")
    cmd.add_argument("--no-log-file", action="store_true",
                     help="write no log file (Snakemake keeps its own in .snakemake/log/)")
    cmd.add_argument("--log-file-path", default=DEFAULT_LOG,
                     help=f"the log file, appended to (default {DEFAULT_LOG})")
    cmd.add_argument("--lab", default=os.environ.get("DCC_LAB"),
                     help="submitting lab, name or @id (default $DCC_LAB)")
    cmd.add_argument("--award", default=os.environ.get("DCC_AWARD"),
                     help="award, name or @id (default $DCC_AWARD)")
    cmd.add_argument("-j", "--jobs", "--cores", dest="jobs", type=int, default=2,
                     help="jobs run at once (default 2)")
    cmd.add_argument("--cromwell-server", help="Cromwell/Caper server URL for ids and labels "
                                               "(default: Caper's ~/.caper/default.conf)")
    cmd.add_argument("--results", help="results folder (default results/<workflow id>)")
    cmd.add_argument("-C", "--directory", type=Path, default=Path.cwd(),
                     help="working directory of the workflow (default: here)")
    cmd.set_defaults(handler=accession_command)


def add_info_arguments(info: argparse.ArgumentParser) -> None:
    """The reference's ``info`` subcommand (also ``encode-accession info``)."""
    info.add_argument("--ids", "-i", nargs="+", default=[],
                      help="workflow ids (or prefixes), experiment accessions or @ids, labels "
                           "key=value or caper-str-label values")
    info.add_argument("--date", "-d", help="MM, MM/DD, MM/DD/YY[YY], or a range A-B, -B, A-")
    where = info.add_mutually_exclusive_group()
    where.add_argument("--db", help="database holding the run record (default "
                                    "$ENCODE_TRACKER_DB or ~/.encode_connector/tracker.db)")
    where.add_argument("--results", help="a run's results folder: read the database its "
                                         "config named (e.g. the demo's demo/)")
    info.set_defaults(handler=info_command)


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "accession", help="accession a finished run (the reference `accession` tool's flags)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(cmd)
    add_info_arguments(commands.add_parser("info", help="accessioning runs recorded on this "
                                                        "machine"))
    demo = commands.add_parser(
        "demo", help="accession the bundled demo run into a local portal, in demo/")
    demo.add_argument("-C", "--directory", type=Path, default=Path.cwd(),
                      help="where demo/ goes (default: here)")
    demo.add_argument("-j", "--jobs", "--cores", dest="jobs", type=int, default=2)
    demo.set_defaults(handler=demo_command)


def reference_parser() -> argparse.ArgumentParser:
    """The ``accession`` executable's command line: the reference's, ``info`` included."""
    parser = argparse.ArgumentParser(
        prog="accession", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("-v", "--version", action="version",
                        version=f"%(prog)s {__version__} (encode-accession)")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    sub = parser.add_subparsers(title="subcommands", dest="subcommand_name")
    add_info_arguments(sub.add_parser("info", help="accessioning runs recorded on this "
                                                   "machine, as a table"))
    return parser


def run() -> int:
    """The ``accession`` console script (the same command as ``encode-accession accession``)."""
    from encode_accession.cli.main import run_handler

    args = reference_parser().parse_args()
    status = run_handler(args)
    gc.freeze()  # no final collection over Snakemake's objects at exit
    return status


def accession_command(args: argparse.Namespace) -> int:
    if not args.metadata and not args.metadata_list:
        raise InputError("command line", "-m/--accession-metadata", "no run given",
                         "pass -m METADATA.json (or a workflow id or Caper label), or -l LIST")
    if not args.pipeline and not args.steps:
        raise InputError("command line", "-p/--pipeline-type", "no pipeline given",
                         "pass -p PIPELINE (atac, tf_chip, mirna, ...) or --accession-steps FILE")
    for key in ("lab", "award"):
        if not getattr(args, key):
            raise InputError("command line", f"--{key}", "not given and $DCC_"
                             f"{key.upper()} is not set", f"pass --{key} or export DCC_"
                             f"{key.upper()}")
    items = [args.metadata] if args.metadata else read_metadata_list(args.metadata_list)
    log = None if args.no_log_file else Path(args.log_file_path)
    runs: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    for item in items:  # a bad item is reported and left out; the others still run
        try:
            config = build_config(args, item)
        except InputError as e:
            print(f"error: {item}: {e.message}", file=sys.stderr)
            failed.append(item)
            continue
        runs[config["results"]] = config
    ok = run_workflow(runs, args, log) if runs else set()
    failed += [c["metadata"] for rundir, c in runs.items() if rundir not in ok]
    if len(items) > 1:
        print(f"accessioned {len(items) - len(failed)} of {len(items)} runs"
              + "".join(f"\nfailed: {item}" for item in failed), file=sys.stderr)
    return 1 if failed else 0


def demo_command(args: argparse.Namespace) -> int:
    """The installed workflow with no config: the bundled demo, into ``demo/``."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import OutputSettings, ResourceSettings

    workdir = args.directory.resolve()
    with SnakemakeApi(OutputSettings()) as api:
        try:
            workflow = api.workflow(snakefile=resources.SNAKEFILE, workdir=workdir,
                                    resource_settings=ResourceSettings(cores=args.jobs))
            workflow.dag().execute_workflow()
        except Exception as e:
            api.print_exception(e)
            return 1
    db = workdir / "demo" / "tracker.db"
    print(f"The demo is in {workdir / 'demo'}; its run record: encode-accession info --db {db}",
          file=sys.stderr)
    return 0


def info_command(args: argparse.Namespace) -> int:
    """The run record as the reference's ``info`` table; a database that does not exist is
    one message (a command that reads creates nothing)."""
    from contextlib import closing

    from encode_accession.accession import runs
    from encode_accession.database.sqlite import connect_existing

    db_path = args.db
    if args.results:
        from encode_accession.accession.verify import recorded_database

        db_path = recorded_database(args.results)
    with closing(connect_existing(db_path)) as db:
        print(runs.format_tsv(runs.query(db, args.ids, args.date)))
    return 0


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
    cromwell = args.cromwell_server
    if not cromwell and not Path(metadata).exists() and "://" not in metadata:
        cromwell = caper_server()  # a workflow id or label, as the reference finds it
        if cromwell:
            print(f"encode-accession: {metadata} is not a file: fetching its metadata from "
                  f"the Cromwell server {cromwell} (Caper's ~/.caper/default.conf)",
                  file=sys.stderr)
    if cromwell:
        config["cromwell_server"] = cromwell
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


def run_workflow(runs: dict[str, dict[str, Any]], args: argparse.Namespace,
                 log: Path | None) -> set[str]:
    """Every run (config by results folder) in one Snakemake DAG (the preflights only with
    --dry-run), concurrently, a failed run not stopping the others; returns the results
    folders of the runs that got through. Snakemake's own output goes to ``log`` (and its
    .snakemake/log/), not the terminal, which ends with each failed job's one-line message."""
    from snakemake.api import SnakemakeApi
    from snakemake.scheduling.greedy import SchedulerSettings as GreedySchedulerSettings
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        ExecutionSettings,
        OutputSettings,
        ResourceSettings,
        SchedulingSettings,
    )

    workdir = args.directory.resolve()
    planned = {}
    for rundir, config in runs.items():
        try:
            plan_runs(config, workdir)
        except (InputError, SystemExit) as stop:  # the Snakefile's config checks, in its words
            print(stop.message if isinstance(stop, InputError) else stop, file=sys.stderr)
            continue
        planned[rundir] = config
        layout.clear_failures(workdir / rundir)
    if not planned:
        return set()
    configfile = write_config(batch_config(planned), workdir)
    targets = {f"{rundir}/{layout.PREFLIGHT}" for rundir in planned} if args.dry_run else set()
    os.environ[layout.FAILURES_SHOWN_BY_CALLER] = "accession"
    failure: Exception | None = None
    with snakemake_output(log), SnakemakeApi(OutputSettings()) as api:
        try:
            workflow = api.workflow(
                snakefile=resources.SNAKEFILE, workdir=workdir,
                config_settings=ConfigSettings(configfiles=[configfile],
                                               replace_workflow_config=True),
                resource_settings=ResourceSettings(cores=args.jobs))
            # greedy: every job is local and asks one core, so Snakemake's ILP scheduler
            # (a solver process per round of a batch) would choose as the greedy one does
            workflow.dag(dag_settings=DAGSettings(targets=targets)).execute_workflow(
                execution_settings=ExecutionSettings(keep_going=True),
                scheduling_settings=SchedulingSettings(scheduler="greedy"),
                scheduler_settings=GreedySchedulerSettings())
        except Exception as e:  # Snakemake's errors: in its own words, into the log
            api.print_exception(e)
            failure = e
    target = layout.PREFLIGHT if args.dry_run else layout.SUMMARY
    done = {rundir for rundir in planned if (workdir / rundir / target).exists()
            and not layout.failures(workdir / rundir)}
    if args.dry_run:
        from encode_accession.accession.dryrun import preflight_report

        for rundir in sorted(done):
            print(preflight_report(workdir / rundir), file=sys.stderr)
    if len(planned) > 1:
        from encode_accession.accession.batch import batch_table

        print(batch_table({str(workdir / r): {"name": Path(r).name} for r in planned}),
              file=sys.stderr)
    if failure is None and done == set(planned):
        return done
    messages = [m for rundir in planned for m in layout.failures(workdir / rundir)]
    where = f" (details: {log})" if log else ""
    if not messages:  # Snakemake stopped before a job could say why
        first = (str(failure).strip().splitlines() or ["a job failed"])[0] if failure \
            else "a job failed"
        messages = [f"encode-accession: the workflow stopped: {first}"]
    print("\n".join(messages) + where, file=sys.stderr)
    return done


def batch_config(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One workflow config for the runs (configs by results folder): a single run as it is,
    several as a ``runs:`` batch sharing the command line's settings, each in its folder."""
    if len(runs) == 1:
        return next(iter(runs.values()))
    from encode_accession.planning.config import RUN_KEYS

    first = next(iter(runs.values()))
    shared = {k: v for k, v in first.items() if k not in RUN_KEYS and k != "results"}
    return {**shared, "results": "results",
            "runs": {Path(rundir).name: {k: c[k] for k in RUN_KEYS if k in c}
                     for rundir, c in runs.items()}}


PROGRESS = re.compile(r"^\d+ of \d+ steps \(\d+%\) done|^Nothing to be done")


class _SnakemakeStream:
    """Where Snakemake's log goes while it runs: every line to the log file, only its
    progress lines to the terminal (its error blocks would bury the one line that says what
    to fix). The jobs write to the terminal themselves."""

    def __init__(self, terminal: TextIO, log: TextIO | None) -> None:
        self.terminal, self.log, self._line = terminal, log, ""

    def write(self, text: str) -> int:
        if self.log:
            self.log.write(text)
        self._line += text
        *lines, self._line = self._line.split("\n")
        for line in lines:
            if PROGRESS.match(line):
                self.terminal.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()
        if self.log:
            self.log.flush()

    def isatty(self) -> bool:  # Snakemake colours only terminals
        return False


@contextmanager
def snakemake_output(log: Path | None) -> Iterator[None]:
    """sys.stderr as :class:`_SnakemakeStream` while Snakemake runs (its log handler writes
    to the sys.stderr it finds when it starts); the log file is appended to, as the
    reference's."""
    terminal = sys.stderr
    handle = log.open("a", encoding="utf-8") if log else None
    sys.stderr = _SnakemakeStream(terminal, handle)
    try:
        yield
    finally:
        sys.stderr = terminal
        if handle:
            handle.close()


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
    path = workdir / config["results"] / ("accession.config.yaml" if "runs" not in config
                                          else "accession.batch.config.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _absolute(value: str) -> str:
    """Paths relative to where the command was run, since the workflow runs in -C."""
    path = Path(value)
    return str(path.resolve()) if path.exists() else value
