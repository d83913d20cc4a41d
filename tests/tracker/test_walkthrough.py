"""The walkthrough a new user would try, end to end through the CLI against the local portal
on loopback HTTP: facets for pancreas, search histone ChIP-seq on pancreas, track five with
notes, list, summarize, export CSV, cite as BibTeX and RIS, compare two, link a reference."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from .conftest import Portal


def test_walkthrough(run_cli, portal: Portal, tmp_path: Path) -> None:
    pancreas = [e for e in portal.experiments
                if "pancreas" in e["biosample_ontology"]["organ_slims"]]
    histone = [e for e in pancreas if e["assay_title"] == "Histone ChIP-seq"]
    assert len(histone) >= 5

    # 1. What is there for pancreas?
    facets = run_cli("facets", "assay", "--organ", "pancreas")
    assert facets.code == 0, facets.err
    assert f"{len(pancreas)} experiments on {portal.url} where organ=pancreas" in facets.out
    for assay, count in Counter(e["assay_title"] for e in pancreas).items():
        noun = "experiment" if count == 1 else "experiments"
        assert f"  {assay}: {count} {noun}" in facets.out
    assert f"Histone ChIP-seq: {len(histone)} experiments" in facets.out

    # 2. Histone ChIP-seq on pancreas.
    found = run_cli("search", "--assay", "Histone ChIP-seq", "--organ", "pancreas",
                    "--format", "json").json()
    assert found["total"] == len(histone)
    accessions = [e["accession"] for e in found["experiments"]][:5]
    assert {e["assay_title"] for e in found["experiments"]} == {"Histone ChIP-seq"}
    text = run_cli("search", "--assay", "Histone ChIP-seq", "--organ", "pancreas", "--limit", "3")
    assert f"{len(histone)} experiments on {portal.url}" in text.out and "(showing 1-3)" in text.out

    # 3. Track five, with notes.
    for i, accession in enumerate(accessions):
        tracked = run_cli("track", accession, "--notes", f"pancreas candidate {i}")
        assert tracked.code == 0, tracked.err
        assert tracked.out.startswith(f"{accession}: tracked (Histone ChIP-seq")

    # 4. List, filtered exactly.
    listed = run_cli("list")
    assert listed.code == 0 and "5 experiments" in listed.out
    assert all(a in listed.out for a in accessions)
    rows = run_cli("list", "--organ", "pancreas", "--format", "json").json()
    assert sorted(r["accession"] for r in rows) == sorted(accessions)
    assert run_cli("list", "--organ", "pancrea", "--format", "json").json() == []

    # 5. Summarize.
    summary = run_cli("summarize")
    assert "5 tracked experiments" in summary.out and "  Histone ChIP-seq: 5" in summary.out
    assert "  pancreas: 5" in summary.out and "  Homo sapiens: 5" in summary.out

    # 6. Export CSV and read it back.
    out = tmp_path / "exports" / "pancreas.csv"
    exported = run_cli("export", "--format", "csv", "--output", str(out))
    assert exported.code == 0 and "wrote 5 experiments" in exported.err
    with out.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 5 and {r["notes"] for r in table} == \
        {f"pancreas candidate {i}" for i in range(5)}

    # 7. Cite as BibTeX and RIS.
    bibtex = run_cli("citations", "--format", "bibtex").out
    keys = re.findall(r"^@\w+\{([^,]+),$", bibtex, flags=re.MULTILINE)
    assert len(keys) == len(set(keys)) and set(accessions) <= set(keys)
    assert "@article{encode2020expanded," in bibtex
    ris = run_cli("citations", "--format", "ris", accessions[0]).out
    assert ris.startswith("TY  - ") and ris.count("TY  - ") == ris.count("ER  - ") >= 2

    # 8. Compare two.
    compared = run_cli("compare", accessions[0], accessions[1])
    assert compared.code == 0
    first_line = compared.out.splitlines()[0]
    assert first_line == f"{accessions[0]} vs {accessions[1]}: compatible with caveats"
    assert "target differs" in compared.out

    # 9. Link a cross-reference and read them back.
    assert run_cli("link", accessions[0], "geo_accession", "gse99999").code == 0
    refs = run_cli("references", accessions[0], "--format", "json").json()
    assert {"reference_type": "geo_accession", "reference_id": "GSE99999"} in \
        [{k: r[k] for k in ("reference_type", "reference_id")} for r in refs]
