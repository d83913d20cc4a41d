"""A three-step lineage logged through the command line: ENCODE files -> filtered peaks ->
merged peaks -> a figure table. Queried both ways, a modified file flagged, and reports that
read back with prov and rocrate and are byte-identical from run to run."""

from __future__ import annotations

from pathlib import Path

from prov.model import ProvActivity, ProvAgent, ProvDerivation, ProvDocument, ProvEntity
from rocrate.rocrate import ROCrate

from .conftest import ThreeSteps


def test_lineage_goes_back_to_encode_through_every_step(three_steps: ThreeSteps,
                                                        run_cli) -> None:
    result = run_cli("provenance", str(three_steps.table), "--format", "json")
    assert result.code == 0, result.err
    data = result.json()
    nodes = data["nodes"]
    upstream = {nodes[k].get("location") or nodes[k]["accession"] for k in data["upstream"]}
    assert upstream == {str(three_steps.merged), *map(str, three_steps.filtered), "ENCFF001AAA",
                        "ENCFF002BBB", three_steps.experiment, three_steps.qc_file}
    assert data["downstream"] == []
    assert {n["state"] for n in nodes.values() if n["kind"] == "file"} == {"ok"}
    states = {n["accession"]: n["state"] for n in nodes.values() if n["kind"] == "accession"}
    assert states[three_steps.experiment] == "tracked experiment"
    assert states[three_steps.qc_file] == f"file of tracked experiment {three_steps.experiment}"
    assert states["ENCFF001AAA"] == "not in the tracker"
    assert {p["code"] for p in data["problems"]} == {"untracked"}
    assert sorted(p["node"] for p in data["problems"]) == ["a:ENCFF001AAA", "a:ENCFF002BBB"]
    merged = next(n for n in nodes.values() if n.get("location") == str(three_steps.merged))
    activity = data["activities"][str(merged["activity"])]
    assert (activity["tool"], activity["tool_version"], activity["parameters"]) == (
        "bedtools merge", "2.31.0", {"d": 0})


def test_forward_from_an_encode_file_reaches_the_figure(three_steps: ThreeSteps,
                                                        run_cli) -> None:
    result = run_cli("provenance", "ENCFF001AAA")
    assert result.code == 0, result.err
    down = result.out.split("derived from it")[1].split("problems")[0]
    assert str(three_steps.filtered[0]) in down and str(three_steps.table) in down
    assert str(three_steps.filtered[1]) not in down  # made from ENCFF002BBB only
    data = run_cli("provenance", str(three_steps.filtered[1]), "--format", "json").json()
    assert [data["nodes"][k]["location"] for k in data["downstream"]] == [
        str(three_steps.table), str(three_steps.merged)]


def test_a_modified_and_a_missing_file_are_flagged(three_steps: ThreeSteps, run_cli) -> None:
    three_steps.merged.write_text("chr1\t10\t26\n")  # edited after it was logged
    three_steps.filtered[1].unlink()
    data = run_cli("provenance", str(three_steps.table), "--format", "json").json()
    by_location = {n.get("location"): n for n in data["nodes"].values()}
    assert by_location[str(three_steps.merged)]["state"] == "modified"
    assert by_location[str(three_steps.filtered[1])]["state"] == "missing"
    assert by_location[str(three_steps.table)]["state"] == "ok"
    codes = sorted(p["code"] for p in data["problems"])
    assert codes == ["missing", "modified", "untracked", "untracked"]
    text = run_cli("provenance", str(three_steps.table)).out
    assert f"modified  {three_steps.merged}: content changed since it was logged" in text


def test_reports_read_back_and_are_byte_identical(three_steps: ThreeSteps, run_cli,
                                                  tmp_path: Path) -> None:
    three_steps.merged.write_text("changed\n")
    first, second = tmp_path / "report-1", tmp_path / "report-2"
    for folder in (first, second, first):  # twice into one folder, once into another
        result = run_cli("report", "--output", str(folder))
        assert result.code == 0, result.err
    names = sorted(p.name for p in first.iterdir())
    assert names == ["provenance.json", "report.html", "ro-crate-metadata.json"]
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    html = (first / "report.html").read_text()
    assert "<svg" in html and "<style>" in html and "<script" not in html
    assert 'href="http' not in html and 'src="' not in html  # nothing to fetch
    assert str(three_steps.merged) in html and "modified" in html

    doc = ProvDocument.deserialize(source=str(first / "provenance.json"), format="json")
    records = doc.get_records()
    entities = [r for r in records if isinstance(r, ProvEntity)]
    assert len(entities) == 4 + 4  # four files, four source accessions
    assert len([r for r in records if isinstance(r, ProvActivity)]) == 4
    agents = {str(r.get_attribute("prov:label").pop()) for r in records
              if isinstance(r, ProvAgent)}
    assert {"bedtools 2.31.0", "bedtools merge 2.31.0", "make_table.py 1.0"} == agents
    assert len([r for r in records if isinstance(r, ProvDerivation)]) == 2 + 2 + 3
    assert "wasGeneratedBy" in (first / "provenance.json").read_text()

    crate = ROCrate(first)
    conforms = {e["@id"] if isinstance(e, dict) else e.id
                for e in crate.root_dataset["conformsTo"]}
    assert "https://w3id.org/ro/wfrun/workflow/0.6" in conforms
    files = {e.id: e for e in crate.get_by_type("File")}
    merged = files[three_steps.merged.as_uri()]
    assert merged["sha256"] and merged["md5"]
    assert merged["contentSize"] == "11"  # as logged, not as edited since
    actions = crate.get_by_type("CreateAction")
    assert len(actions) == 4 + 1  # one per tool run, one for the whole lineage
    merge = next(a for a in actions if a["name"] == "bedtools merge 2.31.0")
    assert sorted(e.id for e in merge["object"] if e.type == "File") == sorted(
        p.as_uri() for p in three_steps.filtered)
    assert [e.id for e in merge["result"]] == [three_steps.merged.as_uri()]
