"""Tracking over real HTTP from the local portal on loopback: what gets stored, re-tracking,
notes, oversized metadata, the real ENCSR416YFB export, and what cannot be tracked."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import synthetic_collection as synthetic
from accounts import CONSORTIUM_ENV, CONSORTIUM_KEYS

from encode_accession.core.errors import InputError
from encode_accession.portal.client import PortalClient
from encode_accession.portal.errors import PortalAuthError
from encode_accession.tracker import (
    extract,
    get_experiment,
    pipelines_of,
    quality_metrics_of,
    raw_metadata,
    references_of,
    track,
)

from .conftest import Portal, serve

SERIES = {"@id": "/reference-epigenomes/ENCSR999SER/",
          "@type": ["ReferenceEpigenome", "Series", "Dataset", "Item"],
          "accession": "ENCSR999SER", "status": "released",
          "related_datasets": ["/experiments/ENCSR172ICQ/", "/experiments/ENCSR561TUT/"]}


def oversized(base: dict, files: int = 300) -> dict:
    """An experiment whose embedded JSON is well over 512 KB (many files with QC)."""
    obj = copy.deepcopy(base)
    obj["accession"] = "ENCSR900BIG"
    obj["@id"] = "/experiments/ENCSR900BIG/"
    obj["uuid"] = "0b0e4d1c-9a55-4d1e-8f0f-000000000900"
    for replicate in obj["replicates"]:
        replicate["experiment"] = obj["@id"]
        replicate["@id"] = replicate["@id"].rstrip("/") + "-big/"
    template = obj["files"][1]
    obj["files"] = []
    for i in range(files):
        file = copy.deepcopy(template)
        acc = synthetic.accession("FF", 900_000 + i)
        file.update({"@id": f"/files/{acc}/", "accession": acc, "dataset": obj["@id"]})
        metric = file["quality_metrics"][0]
        metric.update({"@id": f"/samtools-flagstats-quality-metrics/big-{i}/",
                       "quality_metric_of": [file["@id"]],
                       "notes_blob": "x" * 1500})
        obj["files"].append(file)
    return obj


@pytest.fixture(scope="module")
def other_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A portal this module may add odd objects to without disturbing the shared one."""
    experiments = synthetic.sample_experiments(3, seed=21)
    objects = [*synthetic.software_versions(), *experiments, SERIES, oversized(experiments[0])]
    url, local, stop = serve(tmp_path_factory.mktemp("other") / "portal.sqlite", objects)
    yield Portal(url, local, experiments)
    stop()


def test_track_stores_the_experiment_and_its_related_rows(conn, portal: Portal) -> None:
    obj = portal.experiments[0]
    client = PortalClient(portal.url)
    result = track(conn, client, obj["accession"], notes="pancreas H3K27ac")
    assert result.created and result.notes == "pancreas H3K27ac"
    assert client.request_counts["GET"] == 2  # the experiment, one search for its software
    row = get_experiment(conn, obj["accession"])
    assert row["assay_title"] == "Histone ChIP-seq" and row["organism"] == ["Homo sapiens"]
    assert row["url"] == f"{portal.url}/experiments/{obj['accession']}/"
    assert row["raw_metadata_dropped"] == []
    raw = raw_metadata(conn, obj["accession"])
    assert raw["accession"] == obj["accession"] and len(raw["files"]) == len(obj["files"])
    (pipeline,) = pipelines_of(conn, obj["accession"])
    assert {s["name"] for s in pipeline["software"]} == {"BWA", "MACS2"}  # fetched by @id
    assert pipeline["analysis_status"] == "released" and pipeline["version"]
    assert len(quality_metrics_of(conn, obj["accession"])) == result.quality_metrics > 0
    kinds = {r["reference_type"] for r in references_of(conn, obj["accession"])}
    assert {"pmid", "doi"} <= kinds


def test_re_tracking_updates_without_duplicates_and_keeps_notes(conn, portal: Portal) -> None:
    client = PortalClient(portal.url)
    accession = portal.experiments[1]["accession"]
    first = track(conn, client, accession, notes="first look")

    def counts() -> dict[str, int]:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("tracked_experiments", "publications", "pipeline_info",
                          "quality_metrics", "external_references", "experiment_terms")}

    before = counts()
    again = track(conn, client, accession)
    assert not again.created and again.notes == "first look"
    assert again.tracked_at == first.tracked_at and counts() == before
    assert track(conn, client, accession, notes="second look").notes == "second look"


def test_oversized_metadata_is_trimmed_and_the_trim_recorded(conn,
                                                              other_portal: Portal) -> None:
    result = track(conn, PortalClient(other_portal.url), "ENCSR900BIG")
    assert result.raw_metadata_trimmed
    row = get_experiment(conn, "ENCSR900BIG")
    assert row["raw_metadata_bytes"] > extract.RAW_LIMIT
    assert "files" in row["raw_metadata_dropped"]
    stored = conn.execute("SELECT length(CAST(raw_metadata AS BLOB)) FROM experiment_raw "
                          "WHERE accession = 'ENCSR900BIG'").fetchone()[0]
    assert 0 < stored <= extract.RAW_LIMIT
    raw = raw_metadata(conn, "ENCSR900BIG")
    assert raw["accession"] == "ENCSR900BIG" and "files" not in raw
    assert raw["biosample_ontology"]["term_name"] == row["biosample"]
    assert result.quality_metrics == 300  # the rows themselves are complete


def test_a_series_is_not_tracked(conn, other_portal: Portal) -> None:
    with pytest.raises(InputError) as err:
        track(conn, PortalClient(other_portal.url), "ENCSR999SER")
    assert "is a ReferenceEpigenome" in err.value.message
    assert "ENCSR172ICQ" in err.value.message
    assert conn.execute("SELECT COUNT(*) FROM tracked_experiments").fetchone()[0] == 0


def test_unknown_and_non_experiment_accessions(conn, other_portal: Portal) -> None:
    client = PortalClient(other_portal.url)
    with pytest.raises(InputError, match="was not found on"):
        track(conn, client, "ENCSR000ZZZ")
    before = dict(client.request_counts)
    with pytest.raises(InputError, match="is a file accession"):
        track(conn, client, "ENCFF001AAA")
    assert dict(client.request_counts) == before  # refused before any request


def test_the_real_encode_experiment_over_http(conn, portal: Portal, real_experiment_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The export is `submitted` (ALLOW_LAB_SUBMITTER_EDIT in encoded's base.py): anonymous
    reads are refused, a member of its award's viewing group (ENCODE4) reads it."""
    for name in CONSORTIUM_ENV:
        monkeypatch.delenv(name)
    with pytest.raises(PortalAuthError, match="HTTP 403: anonymous requests may not"):
        track(conn, PortalClient(portal.url), "ENCSR416YFB")
    member = PortalClient(portal.url, *CONSORTIUM_KEYS)
    result = track(conn, member, "ENCSR416YFB", notes="SAFB knockdown")
    assert (result.assay_title, result.biosample) == ("CRISPR RNA-seq", "HepG2")
    assert result.quality_metrics == 14 and result.pipelines == 1
    row = get_experiment(conn, "ENCSR416YFB")
    assert row["target"] == "SAFB" and row["status"] == "submitted"
    original = json.loads(real_experiment_path.read_text())
    assert raw_metadata(conn, "ENCSR416YFB")["description"] == original["description"]
