"""Glue between the Snakefile and the package: the config, layered and split into runs.

Kept out of the .smk files so the rules stay thin and this logic is unit-tested.

- **Checks.** The schema validates the config (booleans also as the strings ``--config``
  gives), and the server name is resolved: a misspelt one stops before any job.
- **Layering.** A config that names a run (``metadata`` or ``runs``) is used alone: it never
  inherits the demo's local server, lab or award. A missing ``server``/``lab``/``award`` comes
  from ``$DCC_SERVER``/``$DCC_LAB``/``$DCC_AWARD`` or stops with one message. Only a config
  that names no run is the demo, and then the demo's settings fill what it leaves out.
- **Runs.** Each run accessions into its own folder of receipts: ``results`` for a single
  run, ``results/<name>`` for each entry of a ``runs:`` batch. A folder remembers the server it
  was posted to (in its plan); asking it for another server stops with one message instead of
  "Nothing to be done".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.planning.schemas import load_schema, validate

CONFIG_SCHEMA = "config.schema.yaml"
# Keys a `runs:` entry may set for itself; everything else is shared by the batch.
RUN_KEYS = ("metadata", "pipeline", "steps", "annotation", "replicated", "force", "private")
IDENTITY_KEYS = ("server", "lab", "award")
_BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}
# What a config that names no run accessions: the bundled demo into the embedded portal, all
# of it in demo/ (so results/, the default for real runs, stays free for them).
DEMO = {"pipeline": "atac", "server": "local:demo/local_portal.sqlite", "lab": "encode-awg",
        "award": "DEMO-AWARD", "tracker_db": "demo/tracker.db", "results": "demo"}


def check_config(config: dict[str, Any], environ: dict[str, str] | None = None) -> None:
    """Validate the config, layer it (see the module docstring) and fill in schema defaults;
    bad config exits with one message."""
    environ = dict(os.environ) if environ is None else environ
    _read_command_line_booleans(config)
    try:
        validate(config, CONFIG_SCHEMA, "config")
        if is_demo(config):
            for key, value in DEMO.items():
                config.setdefault(key, value)
        for key in IDENTITY_KEYS:
            if not config.get(key) and environ.get(f"DCC_{key.upper()}"):
                config[key] = environ[f"DCC_{key.upper()}"]
        missing = [k for k in IDENTITY_KEYS if not config.get(k)]
        if missing:
            raise InputError("config", ", ".join(missing), "not set",
                             f"set {', '.join(missing)} in your config or "
                             f"{', '.join('DCC_' + k.upper() for k in missing)} in the "
                             "environment (a config naming a run never falls back to the demo)")
        # a misspelt server stops here, not in a job after every output was hashed
        from encode_accession.portal.servers import resolve_server
        resolve_server(config["server"])
    except InputError as e:
        raise SystemExit(f"encode-accession: invalid configuration:\n{e.message}") from None
    for key, spec in load_schema(CONFIG_SCHEMA)["properties"].items():
        if "default" in spec:
            config.setdefault(key, spec["default"])


def _read_command_line_booleans(config: dict[str, Any]) -> None:
    """``--config force=true`` gives the string "true" (Snakemake reads only True and False
    as booleans), so the schema's booleans take true/false/yes/no as strings too: the
    spellings messages suggest work as printed."""
    for key, spec in load_schema(CONFIG_SCHEMA)["properties"].items():
        types = spec.get("type")
        value = config.get(key)
        if "boolean" in (types if isinstance(types, list) else [types]) and \
                isinstance(value, str) and value.lower() in _BOOLEAN_WORDS:
            config[key] = _BOOLEAN_WORDS[value.lower()]


def is_demo(config: dict[str, Any]) -> bool:
    return not config.get("metadata") and not config.get("runs")


def run_settings(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every run of a checked config, by its receipts folder: the settings its jobs use.

    Settings are plain JSON (they reach the plan job on its command line and are stored in
    the plan); they never hold a secret.
    """
    shared = {k: v for k, v in config.items()
              if k not in (*RUN_KEYS, "runs", "track", "provenance")}
    results = config["results"]
    if not config.get("runs"):
        entries = {Path(results).name or "run": {k: config[k] for k in RUN_KEYS if k in config}}
        folders = {next(iter(entries)): results}
    else:
        entries = config["runs"]
        folders = {name: f"{results}/{name}" for name in entries}
    settings = {}
    for name, entry in entries.items():
        run = {**shared, **{k: config[k] for k in RUN_KEYS if k in config and k != "metadata"},
               **entry, "name": name, "rundir": folders[name]}
        if not run.get("metadata"):
            run["metadata"] = None  # the demo: the plan job writes the demo run
        if not run.get("pipeline") and not run.get("steps"):
            raise SystemExit(f"encode-accession: invalid configuration:\nconfig: runs.{name}: "
                             "neither pipeline nor steps is set (fix: name the run's pipeline)")
        settings[folders[name]] = run
    return settings


def local_metadata(run: dict[str, Any]) -> list[str]:
    """The run's metadata.json as a rule input when it is a local file (an upstream rule may
    make it); cloud URIs and the demo are read by the plan job itself."""
    metadata = run.get("metadata")
    if not metadata or "://" in metadata:
        return []
    if run.get("cromwell_server") and not metadata.endswith(".json"):
        return []  # a workflow id or Caper label, fetched by the plan job
    return [metadata]




def metadata_is_here(run: dict[str, Any]) -> bool:
    """Whether a run can be planned before any rule runs: its metadata.json is a local file
    that exists, or it is the demo (whose run is bundled). Cloud URIs, Cromwell ids and
    labels, and metadata an upstream rule has yet to make are planned by the plan job."""
    if not run.get("metadata"):
        return True
    local = local_metadata(run)
    return bool(local) and Path(local[0]).is_file()
