"""Exports read back as written: csv module always, pandas and R when installed."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest
import synthetic_collection as synthetic

from encode_accession.provenance import log_derived
from encode_accession.tracker import export_tracked, extract, store

# The header a user's scripts read, written out here (not the code's own list), so a column
# renamed, dropped or moved is a failing test, not a silent change.
COLUMNS = (
    "accession", "assay_title", "target", "biosample", "biosample_summary", "biosample_type",
    "organism", "organ", "life_stage", "status", "date_released", "lab", "lab_title", "award",
    "award_title", "assembly", "replication_type", "description", "url", "notes",
    "tracked_at", "updated_at", "pmids", "publication_count", "reference_count",
    "derived_file_count",
)


@pytest.fixture
def tracked(conn) -> list[dict]:
    experiments = synthetic.sample_experiments(14, seed=1)  # index 6 and 13: tricky text
    for i, obj in enumerate(experiments):
        notes = 'says "hi", then\ttabs\nand lines' if i == 3 else None
        store.save_tracked(conn, extract.tracked_experiment(obj, portal_url="https://x"), notes)
    return experiments


def exported(conn, fmt: str) -> str:
    out = io.StringIO(newline="")
    export_tracked(conn, out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_delimited_exports_read_back_exactly(conn, tracked: list[dict], fmt: str) -> None:
    text = exported(conn, fmt)
    rows = list(csv.reader(io.StringIO(text, newline=""),
                           delimiter="," if fmt == "csv" else "\t"))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(tracked) + 1
    by_acc = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    tricky = by_acc[tracked[6]["accession"]]
    assert tricky["description"] == synthetic.TRICKY_DESCRIPTION
    assert by_acc[tracked[3]["accession"]]["notes"] == 'says "hi", then\ttabs\nand lines'
    first = by_acc[tracked[0]["accession"]]
    assert first["organ"] == "; ".join(sorted(tracked[0]["biosample_ontology"]["organ_slims"]))
    assert first["lab_title"] == tracked[0]["lab"]["title"]  # contains a comma
    assert first["lab"] == tracked[0]["lab"]["@id"]


def test_exports_count_publications_references_and_derived_files(conn, tracked: list[dict],
                                                                  tmp_path) -> None:
    first = tracked[0]
    made = tmp_path / "made.bed"
    made.write_text("x\n")
    log_derived(conn, made, [first["files"][0]["accession"]])  # from one of its files
    other = tmp_path / "other.bed"
    other.write_text("y\n")
    log_derived(conn, other, [first["accession"], str(made)])  # from it, and from the first
    rows = {r["accession"]: r for r in json.loads(exported(conn, "json"))}
    row = rows[first["accession"]]
    pmids = sorted(r[0] for r in conn.execute(
        "SELECT pmid FROM publications WHERE experiment_accession = ? AND pmid IS NOT NULL",
        (first["accession"],)))
    assert pmids and row["pmids"] == pmids
    assert row["publication_count"] == len(store.publications_of(conn, [first["accession"]]))
    assert row["reference_count"] == len(store.references_of(conn, first["accession"])) > 0
    assert row["derived_file_count"] == 2
    assert rows[tracked[1]["accession"]]["derived_file_count"] == 0
    csv_row = next(r for r in csv.DictReader(io.StringIO(exported(conn, "csv")))
                   if r["accession"] == first["accession"])
    assert csv_row["pmids"] == "; ".join(pmids) and csv_row["derived_file_count"] == "2"


def test_json_export_keeps_lists_and_column_order(conn, tracked: list[dict]) -> None:
    rows = json.loads(exported(conn, "json"))
    assert len(rows) == len(tracked) and tuple(rows[0]) == COLUMNS
    assert isinstance(rows[0]["organism"], list)


def test_empty_exports_are_still_valid(conn) -> None:
    assert json.loads(exported(conn, "json")) == []
    assert exported(conn, "csv") == ",".join(COLUMNS) + "\n"


def test_pandas_reads_the_csv_and_tsv(conn, tracked: list[dict]) -> None:
    pandas = pytest.importorskip("pandas")
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        frame = pandas.read_csv(io.StringIO(exported(conn, fmt)), sep=sep,
                                keep_default_na=False)
        assert list(frame.columns) == list(COLUMNS) and len(frame) == len(tracked)
        assert synthetic.TRICKY_DESCRIPTION in set(frame["description"])


R_CHECK = """
args <- commandArgs(trailingOnly = TRUE)
c <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = character(0), encoding = "UTF-8")
t <- read.delim(args[2], stringsAsFactors = FALSE, na.strings = character(0), encoding = "UTF-8")
stopifnot(identical(dim(c), dim(t)), identical(names(c), names(t)),
          all(c$description == t$description), all(c$notes == t$notes))
cat(nrow(c), "\\n", sep = "")
cat(names(c), sep = ",")
cat("\\n")
cat(c$description[grepl("^Replicate 2", c$description)][1])
"""


def test_r_reads_the_csv_and_tsv(conn, tracked: list[dict], tmp_path) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("R is not installed")
    paths = []
    for fmt in ("csv", "tsv"):
        path = tmp_path / f"tracked.{fmt}"
        path.write_text(exported(conn, fmt), encoding="utf-8", newline="")
        paths.append(str(path))
    script = tmp_path / "check.R"
    script.write_text(R_CHECK)
    done = subprocess.run([rscript, str(script), *paths], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    count, names, description = done.stdout.split("\n", 2)
    assert int(count) == len(tracked) and names.split(",") == list(COLUMNS)
    assert description == synthetic.TRICKY_DESCRIPTION
