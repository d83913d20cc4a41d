"""Reports over a mixed database: accessioned pipeline files (step runs, docker images,
lab), a user file with two versions and a file made from the older one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prov.model import PROV_TYPE, ProvAgent, ProvDerivation, ProvDocument
from rocrate.rocrate import ROCrate

from encode_accession.provenance import (
    check,
    load_graph,
    log_derived,
    record_accessioned_files,
    write_report,
)

from .conftest import write
from .test_accessioned import BAM, PEAKS

ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def build(conn, tmp_path: Path) -> tuple[Path, Path]:
    record_accessioned_files(conn, [BAM, PEAKS])
    table = write(tmp_path / "peaks_table.tsv", "v1\n")
    log_derived(conn, table, ["TSTFF200PKS"], tool="summarise", parameters={"top": 10})
    plot = write(tmp_path / "plot data.tsv", "p\n")  # a space: ids must stay valid URIs
    log_derived(conn, plot, [str(table)], tool="plot", tool_version="1")
    table.write_text("v2\n")
    log_derived(conn, table, ["TSTFF200PKS"], tool="summarise", parameters={"top": 20})
    return table, plot


def test_an_older_source_version_makes_a_file_stale(conn, tmp_path: Path) -> None:
    table, plot = build(conn, tmp_path)
    checked = check(load_graph(conn))
    (stale,) = [f for f in checked.findings if f.code == "stale"]
    assert stale.message == f"{plot}: made from v1 of {table}, which is now v2"
    assert sorted(checked.states.values()).count("superseded by v2") == 1


def test_mixed_reports_are_reproducible_and_dated_from_the_records(conn, tmp_path: Path
                                                                   ) -> None:
    table, plot = build(conn, tmp_path)
    first = write_report(conn, tmp_path / "one")
    second = write_report(conn, tmp_path / "two")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    recorded = {r[0] for r in conn.execute("SELECT recorded_at FROM file_versions UNION "
                                           "SELECT recorded_at FROM provenance_activities")}
    for path in first:
        times = set(ISO_TIME.findall(path.read_text()))
        assert times and times <= recorded, (path.name, times - recorded)


def test_prov_and_crate_carry_agents_images_and_versions(conn, tmp_path: Path) -> None:
    table, plot = build(conn, tmp_path)
    html_path, prov_path, crate_path = write_report(conn, tmp_path / "report")

    doc = ProvDocument.deserialize(source=str(prov_path), format="json")
    agents = {str(next(iter(r.get_attribute("prov:label")))): r for r in doc.get_records()
              if isinstance(r, ProvAgent)}
    assert {"encodedcc/atac-seq-pipeline:v2.2.2", "encode-processing-pipeline", "summarise",
            "plot 1"} == set(agents)
    lab_type = next(iter(agents["encode-processing-pipeline"].get_attribute(PROV_TYPE)))
    assert str(lab_type) == "prov:Organization"
    revisions = [r for r in doc.get_records() if isinstance(r, ProvDerivation)
                 and r.get_attribute(PROV_TYPE)]
    assert len(revisions) == 1

    crate = ROCrate(crate_path.parent)
    assert crate.get(f"{table.as_uri()}#v1")["creativeWorkStatus"] == "superseded by v2"
    assert crate.get(plot.as_uri())["sha256"]
    assert crate.get(BAM["uri"])["md5"] == BAM["md5"]
    (image,) = crate.get_by_type("ContainerImage")
    assert (image["name"], image["tag"]) == ("encodedcc/atac-seq-pipeline", "v2.2.2")
    step = next(a for a in crate.get_by_type("CreateAction")
                if a.get("identifier") == PEAKS["step_run"])
    assert step["containerImage"] is image and step["agent"]["name"] == BAM["lab"]
    assert [e.id for e in step["result"]] == [PEAKS["uri"]]
    summarise = [a for a in crate.get_by_type("CreateAction") if a["name"] == "summarise"]
    values = sorted(p["value"] for a in summarise for p in a["object"]
                    if p.type == "PropertyValue")
    assert values == ["10", "20"]

    html = html_path.read_text()
    assert "superseded by v2" in html and "stale" in html and "not checked (remote)" in html
    assert html.count('<g class="node') == 3 + 2 + 3  # accessions, pipeline files, local


@pytest.mark.parametrize("where", ["a_file", "under_a_file"])
def test_report_to_a_bad_output_is_one_message(run_cli, tmp_path: Path, where: str) -> None:
    blocker = write(tmp_path / "a_file", "x")
    target = blocker if where == "a_file" else blocker / "report"
    result = run_cli("report", "--output", str(target))
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"error: {target}: --output: cannot write here")
    assert "(fix: " in result.err and result.err.count("\n") == 1
    assert blocker.read_text() == "x"
