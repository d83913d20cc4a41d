"""The ``encode-accession`` command line: thin wrappers over the package's functions.

Bad input exits with status 1 and one message per problem (never a traceback), so the command
is safe to chain in scripts.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from encode_accession import __version__
from encode_accession.core import resources
from encode_accession.core.errors import InputError
from encode_accession.core.failures import describe, internal_error, wants_traceback
from encode_accession.metadata.cromwell import load_metadata
from encode_accession.planning.plan import Plan, PlanOptions, build_plan
from encode_accession.planning.steps import load_steps, resolve_steps
from encode_accession.qc import check_names

# Commands other modules add (module -> its commands, in help order). A command line names
# one, so only that module is imported: the local portal, the MCP SDK or the report's
# templates would cost every other command 0.1-0.4 s. With no such command named (--help, a
# typo), all are added, so help and argparse's error list every command.
REGISTERED = {
    "accession": ("accession", "info", "demo"),
    "tracker": ("track", "untrack", "list", "citations", "compare", "summarize", "export", "link",
                    "unlink", "references", "search", "facets"),
    "provenance": ("log-derived", "provenance", "report"),
    "portal": ("portal",),
    "mcp": ("mcp",),
}
BUILT_IN = ("plan", "steps", "verify", "snakefile", "config-template")


def run() -> int:
    """The ``encode-accession`` executable: :func:`main`, then exit without the interpreter's
    final garbage collection over every imported module's objects (~0.3 s with Snakemake
    or the cloud SDKs loaded; the operating system frees the memory)."""
    status = main()
    gc.freeze()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(next((a for a in argv if not a.startswith("-")), None))
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    return run_handler(args)


def run_handler(args: argparse.Namespace) -> int:
    """Run a parsed command: bad input, a refusal or an outage is one line and status 1
    (``--debug``: the traceback); a pipe closed by the reader (``| head``) ends it quietly."""
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        return 2
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)
    try:
        return handler(args)
    except BrokenPipeError:  # before OSError: the reader is gone, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a command killed by SIGPIPE
    except Exception as e:
        if args.debug or wants_traceback():
            raise
        message = describe(e, server=getattr(args, "server", None)) or \
            internal_error(e, "run again with --debug to see the traceback")
        print(f"error: {message}", file=sys.stderr)
        return 1


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; ``command`` (the one being run) limits the other modules imported
    to the one adding it (:data:`REGISTERED`)."""
    parser = argparse.ArgumentParser(prog="encode-accession", description=__doc__)
    parser.add_argument("--debug", "--verbose", action="store_true",
                        help="log every portal request and show the traceback of a failure "
                             "(also ENCODE_ACCESSION_DEBUG=1)")
    parser.add_argument("-V", "--version", action="version",
                        version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands")

    plan = commands.add_parser("plan", help="show what a run would accession, with derived_from")
    plan.add_argument("--metadata", "-m", required=True, help="Cromwell metadata.json")
    plan.add_argument("--steps", required=True,  # no -s: that is the server in `accession`
                      help="steps file (JSON or YAML) or a pipeline name from accession_rules/")
    plan.add_argument("--format", choices=("table", "json"), default="table")
    replication = plan.add_mutually_exclusive_group()
    replication.add_argument("--replicated", dest="replicated", action="store_true", default=None,
                             help="the dataset has 2+ biological replicates")
    replication.add_argument("--unreplicated", dest="replicated", action="store_false",
                             help="skip steps that require replication")
    plan.set_defaults(handler=_plan)

    steps = commands.add_parser("steps", help="accessioning steps files")
    steps_commands = steps.add_subparsers(title="steps commands")
    validate = steps_commands.add_parser("validate", help="check steps files against the schema")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(handler=_validate_steps)

    verify = commands.add_parser(
        "verify", help="re-check a run's uploaded files against the portal's checks")
    verify.add_argument("results", help="the run's results folder (with plan.json)")
    verify.add_argument("--timeout", type=float, default=0,
                        help="seconds to wait for files still being checked (default: 0)")
    verify.set_defaults(handler=_verify)

    snakefile = commands.add_parser(
        "snakefile", help="where the installed workflow is (for `module ...: snakefile:`)")
    snakefile.add_argument("--profile", metavar="NAME",
                           help="print the path of a bundled Snakemake profile instead (slurm)")
    snakefile.set_defaults(handler=_snakefile)
    template = commands.add_parser(
        "config-template", help="print the config template (encode-accession config-template"
                                " > my-run.yaml)")
    template.set_defaults(handler=_config_template)

    wanted = [m for m, names in REGISTERED.items() if command in names]
    if not wanted and command not in BUILT_IN:
        wanted = list(REGISTERED)
    for module in wanted:
        import_module(f".{module}", __package__).register(commands)
    return parser


def _plan(args: argparse.Namespace) -> int:
    steps = load_steps(resolve_steps(args.steps))
    check_names(steps)
    plan = build_plan(load_metadata(args.metadata), steps, PlanOptions(replicated=args.replicated))
    if args.format == "json":
        json.dump(plan.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print(format_plan_table(plan))
    return 0


def format_plan_table(plan: Plan) -> str:
    rows = [("id", "step", "output_type", "format", "parents (planned/portal)")]
    for f in plan.files.values():
        planned = sum(1 for p in f.parents if p.planned_id)
        fmt = " ".join(filter(None, (f.spec.file_format, f.spec.file_format_type)))
        rows.append((f.id, f.step.rule, f.spec.output_type, fmt,
                     f"{planned}/{len(f.parents) - planned}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"\n{len(plan.files)} files in {len(plan.steps)} steps for workflow "
                 f"{plan.workflow.id}; {len(plan.portal_inputs)} parents to find on the portal")
    lines.extend(f"skipped: {reason}" for reason in plan.skipped)
    return "\n".join(lines)


def _snakefile(args: argparse.Namespace) -> int:
    if args.profile:
        profile = resources.PROFILES / args.profile
        if not profile.is_dir():
            known = ", ".join(sorted(p.name for p in resources.PROFILES.iterdir()))
            raise InputError("--profile", args.profile, "is not a bundled profile",
                             f"choose one of: {known}")
        print(profile)
    else:
        print(resources.SNAKEFILE)
    return 0


def _config_template(args: argparse.Namespace) -> int:
    sys.stdout.write(resources.CONFIG_TEMPLATE.read_text())
    return 0


def _verify(args: argparse.Namespace) -> int:
    from encode_accession.accession.verify import format_verification, verify_run

    result = verify_run(args.results, timeout=args.timeout)
    print(format_verification(result))
    return 0 if not result.pending and not result.failed else 1


def _validate_steps(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        try:
            steps = load_steps(name, notify=False)
            check_names(steps)
        except InputError as e:
            failed += 1
            print(e.message, file=sys.stderr)
        else:
            print(f"{name}: ok ({len(steps.steps)} steps)")
            for where, old, new in steps.translated:
                print(f"  {where}: '{old}' (accession 4.8.4) read as '{new}'")
            if steps.facts.source:
                print(f"  pipeline facts (reference_input...) from {steps.facts.source}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
