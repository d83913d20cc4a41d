"""Provenance test fixtures: a tracker database, the provenance commands run in-process
through a parser built with `register()`, and a three-step lineage logged through them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import synthetic_collection as synthetic
from cli_run import CliResult, run_main

from encode_accession.tracker import connect, extract, store

TRACKED_EXPERIMENT = synthetic.sample_experiments(1, seed=3)[0]




@dataclass
class ThreeSteps:
    """ENCODE files -> filtered peaks (two replicates) -> merged peaks -> a figure table."""

    folder: Path
    filtered: tuple[Path, Path]
    merged: Path
    table: Path
    experiment: str  # tracked in the database
    qc_file: str  # a file with QC in the tracked experiment


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def conn(db_path: Path) -> Iterator[Any]:
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def run_cli(db_path: Path) -> Callable[..., CliResult]:
    """`encode-accession <command> <args> --db <test db>` through the main command line (the
    database exists, empty unless a test fills it: commands that only read refuse one that
    does not)."""
    connect(db_path).close()

    def run(*args: str) -> CliResult:
        return run_main(*args, "--db", str(db_path))
    return run


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def three_steps(tmp_path: Path, conn: Any, run_cli: Callable[..., CliResult]) -> ThreeSteps:
    record = extract.tracked_experiment(TRACKED_EXPERIMENT,
                                        portal_url="https://www.encodeproject.org")
    store.save_tracked(conn, record)
    experiment = record.experiment.accession
    work = tmp_path / "analysis"
    rep1 = write(work / "peaks" / "rep1.filtered.bed", "chr1\t10\t20\tp1\t900\n")
    rep2 = write(work / "peaks" / "rep2.filtered.bed", "chr1\t15\t25\tp2\t800\n")
    merged = write(work / "peaks" / "merged.bed", "chr1\t10\t25\n")
    table = write(work / "figures" / "figure2_table.tsv", "region\tscore\nchr1:10-25\t850\n")
    steps = [
        (rep1, ["ENCFF001AAA"], "bedtools", "2.31.0", '{"min_score": 500}'),
        (rep2, ["ENCFF002BBB"], "bedtools", "2.31.0", '{"min_score": 500}'),
        (merged, [str(rep1), str(rep2)], "bedtools merge", "2.31.0", '{"d": 0}'),
        (table, [str(merged), experiment, record.quality_metrics[0].file_accession],
         "make_table.py", "1.0", '{"columns": ["region", "score"]}'),
    ]
    for path, sources, tool, version, parameters in steps:
        result = run_cli("log-derived", str(path), "--sources", *sources, "--tool", tool,
                         "--tool-version", version, "--parameters", parameters)
        assert result.code == 0, result.err
    return ThreeSteps(work, (rep1, rep2), merged, table, experiment,
                      record.quality_metrics[0].file_accession)
