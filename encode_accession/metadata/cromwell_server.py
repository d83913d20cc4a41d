"""A run's metadata.json from a Cromwell (or Caper) server, by workflow id or Caper label.

The reference tool accepts ``-m`` as a file, a workflow id or a Caper label; so does config
``metadata`` when ``cromwell_server`` is set. The server's REST API (Cromwell's
``docs/api/RESTAPI.md``): ``GET /api/workflows/v1/{id}/metadata?expandSubWorkflows=true``
gives the metadata with subworkflows embedded (what Caper writes to ``metadata.json``), and
``GET /api/workflows/v1/query?label=caper-str-label:VALUE`` finds a workflow by the label
Caper puts on every run it submits (``caper submit -s/--str-label``; caper_labels.py).
The fetched document is written to a local file once; everything after reads that file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import requests

from encode_accession.core.errors import InputError

UUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.IGNORECASE)
CAPER_LABEL = "caper-str-label"
CAPER_CONF = Path("~/.caper/default.conf")  # Caper's DEFAULT_CAPER_CONF
CROMWELL_DEFAULTS = {"hostname": "localhost", "port": "8000"}  # Caper's CromwellRestAPI's
TIMEOUT = 60  # seconds per request: metadata of a large run is tens of MB


def caper_server(conf: Path = CAPER_CONF) -> str | None:
    """The Cromwell server Caper's config names (``hostname``, ``port``; Caper's defaults
    where it names none), or None when there is no Caper config: how the reference tool
    finds the server for a workflow id or label given as ``-m``."""
    path = conf.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(path, "", f"cannot read Caper's config ({e.strerror})",
                         "fix its permissions, or pass --cromwell-server URL") from None
    settings = dict(CROMWELL_DEFAULTS)
    for line in text.splitlines():  # key=value lines; '#' comments
        key, sep, value = line.split("#", 1)[0].partition("=")
        if sep and key.strip() in settings and value.strip():
            settings[key.strip()] = value.strip()
    return f"http://{settings['hostname']}:{settings['port']}"


def is_workflow_id(value: str) -> bool:
    return bool(UUID.match(value))


def fetch_metadata(server_url: str, id_or_label: str, dest: Path) -> Path:
    """Write the run's metadata (subworkflows expanded) to ``dest``; returns ``dest``.

    A value that is not a UUID is a Caper label, which must name exactly one workflow.
    """
    base = server_url.rstrip("/")
    workflow_id = id_or_label if is_workflow_id(id_or_label) else _find_by_label(base, id_or_label)
    response = _get(base, f"/api/workflows/v1/{workflow_id}/metadata",
                    {"expandSubWorkflows": "true"})
    if response.status_code in (400, 404):
        raise InputError("config", "metadata",
                         f"workflow {workflow_id} is not known to the Cromwell server {base}",
                         "give the id of a workflow this server ran (caper list shows them)")
    metadata = _json(response, base)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")  # never leave half a file under dest
    partial.write_text(json.dumps(metadata))
    partial.replace(dest)
    return dest


def resolve_metadata(config: dict[str, Any]) -> str:
    """The local metadata path a config means.

    ``metadata`` is used as given when it is a path that exists (or when no
    ``cromwell_server`` is set, so the planner names the missing file); otherwise it is a
    workflow id or Caper label fetched from ``cromwell_server`` into
    ``{results}/metadata/{workflow id}.json``, once: a file already fetched is reused (the
    runs accessioned are finished, so their metadata no longer changes).
    """
    metadata = str(config["metadata"])
    server = config.get("cromwell_server")
    if not server or Path(metadata).exists() or "://" in metadata:
        return metadata
    server = server.rstrip("/")
    workflow_id = metadata if is_workflow_id(metadata) else _find_by_label(server, metadata)
    dest = Path(config.get("results", "results")) / "metadata" / f"{workflow_id}.json"
    return str(dest if dest.exists() else fetch_metadata(server, workflow_id, dest))


def _find_by_label(base: str, label: str) -> str:
    response = _get(base, "/api/workflows/v1/query", {"label": f"{CAPER_LABEL}:{label}"})
    found = _json(response, base).get("results") or []
    ids = sorted({w["id"] for w in found})
    if not ids:
        raise InputError("config", "metadata",
                         f"'{label}' is neither a metadata file nor a workflow id, and no "
                         f"workflow on the Cromwell server {base} has {CAPER_LABEL} '{label}'",
                         "give a metadata.json path, a workflow id, or a Caper label "
                         "(caper list shows them)")
    if len(ids) > 1:
        raise InputError("config", "metadata",
                         f"the Caper label '{label}' names {len(ids)} workflows on {base}: "
                         + ", ".join(ids), "give one of these workflow ids instead")
    return ids[0]


def _get(base: str, path: str, params: dict[str, str]) -> requests.Response:
    try:
        return requests.get(base + path, params=params, timeout=TIMEOUT)
    except requests.RequestException as e:
        raise InputError("config", "cromwell_server",
                         f"cannot reach the Cromwell server {base} ({type(e).__name__})",
                         "start the server (caper server) or correct cromwell_server") from None


def _json(response: requests.Response, base: str) -> dict[str, Any]:
    if not response.ok:
        raise InputError("config", "cromwell_server",
                         f"{base} answered {response.status_code} to {response.request.path_url}",
                         "check that cromwell_server is a Cromwell or Caper server")
    try:
        return response.json()
    except ValueError:
        raise InputError("config", "cromwell_server",
                         f"{base} did not answer JSON to {response.request.path_url}",
                         "check that cromwell_server is a Cromwell or Caper server") from None
