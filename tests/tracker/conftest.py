"""Tracker test fixtures: a local portal served over real HTTP on loopback, loaded with
synthetic experiments (and the real ENCSR416YFB export when ../shared is present), read with
a consortium member's keys from the environment (a tenth of the synthetic experiments are
in progress: the portal shows those to their awards' viewing groups only)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import synthetic_collection as synthetic
from accounts import CONSORTIUM, CONSORTIUM_ENV
from cli_run import CliResult, run_main

from encode_accession.localportal import LocalPortal, PortalApp, load_objects
from encode_accession.localportal.server import create_server
from encode_accession.tracker import connect

REPO = Path(__file__).resolve().parents[2]
REAL_EXPERIMENT = REPO.parent / "shared" / "fixtures" / "ENCSR416YFB_experiment_embedded.json"
PORTAL_EXPERIMENTS = 40


@dataclass
class Portal:
    url: str
    portal: LocalPortal
    experiments: list[dict[str, Any]]

    def load(self, objects: Any) -> None:
        load_objects(self.portal, objects)




def serve(db_path: Path, objects: list[dict[str, Any]]
          ) -> tuple[str, LocalPortal, Callable[[], None]]:
    """A local portal on a free loopback port in a background thread (request logging off:
    hundreds of requests per test)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    portal = LocalPortal(db_path, seed_demo=False)
    load_objects(portal, [*CONSORTIUM, *objects])
    server, url, _ = create_server(PortalApp(portal), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
    return url, portal, stop


def synthetic_portal(factory: pytest.TempPathFactory, count: int, seed: int = 7
                     ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """For a module fixture: a loopback portal holding `count` synthetic experiments (and
    the software they link to), its URL and the experiments."""
    experiments = synthetic.sample_experiments(count, seed=seed)
    url, _, stop = serve(factory.mktemp("portal") / "portal.sqlite",
                         [*synthetic.software_versions(), *experiments])
    yield url, experiments
    stop()


@pytest.fixture(autouse=True)
def consortium_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every client and command of a test reads as the consortium member (tests of reading
    anonymously, or of where keys come from, set the environment themselves)."""
    for name, value in CONSORTIUM_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    experiments = synthetic.sample_experiments(PORTAL_EXPERIMENTS, seed=7)
    objects = [*synthetic.software_versions(), *experiments]
    url, local, stop = serve(tmp_path_factory.mktemp("portal") / "portal.sqlite", objects)
    if REAL_EXPERIMENT.exists():
        load_objects(local, json.loads(REAL_EXPERIMENT.read_text()))
    yield Portal(url, local, experiments)
    stop()


@pytest.fixture
def real_experiment_path() -> Path:
    if not REAL_EXPERIMENT.exists():
        pytest.skip("shared fixture not available: ENCSR416YFB_experiment_embedded.json")
    return REAL_EXPERIMENT


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tracker" / "tracker.db"


@pytest.fixture
def conn(db_path: Path):
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def run_cli(portal: Portal, db_path: Path) -> Callable[..., CliResult]:
    """`encode-accession <args>` through the main command line, against the loopback portal
    and the test database (which exists, empty unless a test fills it: commands that only
    read refuse a database that does not)."""
    connect(db_path).close()

    def run(*args: str) -> CliResult:
        return run_main(*args, "--server", portal.url, "--db", str(db_path))
    return run
