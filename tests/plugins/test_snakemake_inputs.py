"""The example analysis of docs/encode-inputs-example (two ENCODE peak files -> intersect ->
merge -> table), run by real Snakemake against `portal serve` over HTTP: downloads are
md5-checked and cached, a second run does nothing, and rule encode_provenance records the
lineage back to both accessions and writes a report that does not change between runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml
from cli_run import run_main
from conftest import REPO, time_limit

EXAMPLE = REPO / "docs" / "encode-inputs-example"
REPORT = ("report.html", "provenance.json", "ro-crate-metadata.json")


def analysis(tmp_path: Path, portal, *peaks: str) -> Path:
    work = tmp_path / "analysis"
    shutil.copytree(EXAMPLE, work)
    config = yaml.safe_load((work / "config.yaml").read_text())
    config.update(peaks=list(peaks), server=portal.url, tracker_db=str(tmp_path / "lineage.db"))
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def snakemake(work: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-j", "2", "--configfile", "config.yaml",
         "--storage-encode-cache", str(work.parent / "cache"), *args],
        cwd=work, env=env, capture_output=True, text=True, timeout=time_limit(300))


def provenance(tmp_path: Path, target: Path) -> dict:
    result = run_main("provenance", str(target), "--format", "json",
                      "--db", str(tmp_path / "lineage.db"))
    assert result.code == 0, result.err
    return result.json()


def test_the_example_runs_on_two_encode_files_and_records_their_lineage(
        tmp_path, served_portal, plugin_path):
    rep1, rep2 = (served_portal.files[n]["accession"] for n in ("rep1", "rep2"))
    work = analysis(tmp_path, served_portal, rep1, rep2)
    before = len(served_portal.downloads())

    first = snakemake(work, plugin_path)
    assert first.returncode == 0, (first.stdout + first.stderr)[-5000:]
    table = (work / "results" / "peak_table.tsv").read_text()
    assert table == "chrom\tregions\tbases\nchr1\t1\t160\nchr2\t1\t100\n"
    assert len(served_portal.downloads()) - before == 2  # one download per file
    report = {name: (work / "results" / "provenance" / name).read_bytes() for name in REPORT}

    # a second run asks the portal's metadata, downloads nothing and runs nothing
    second = snakemake(work, plugin_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Nothing to be done" in second.stdout + second.stderr
    assert len(served_portal.downloads()) - before == 2

    # snakemake --report includes the provenance report
    reported = snakemake(work, plugin_path, "--report", "report.zip")
    assert reported.returncode == 0, reported.stderr[-3000:]
    with zipfile.ZipFile(work / "report.zip") as archive:
        names = {Path(n).name for n in archive.namelist()}
    assert set(REPORT) <= names, names

    # the final table's lineage: table <- merge <- intersect <- both ENCODE files
    found = provenance(tmp_path, work / "results" / "peak_table.tsv")
    upstream = [found["nodes"][key] for key in found["upstream"]]
    assert sorted(n["accession"] for n in upstream if n.get("accession")) == sorted([rep1, rep2])
    made_by = {found["activities"][str(n["activity"])]["rule"] for n in upstream
               if n["kind"] == "file" and not n.get("accession")}
    assert made_by == {"intersect", "merge"}, made_by  # the two intermediate rules
    assert found["activities"][str(found["nodes"][found["roots"][0]]["activity"])]["rule"] \
        == "table"
    assert found["problems"] == []

    # every job again (the cache serves the inputs): the same records, the same report
    forced = snakemake(work, plugin_path, "--forceall")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert len(served_portal.downloads()) - before == 2
    for name, data in report.items():
        assert (work / "results" / "provenance" / name).read_bytes() == data, name

    # an intermediate edited by hand is flagged
    (work / "results" / "merged.bed").write_text("chr1\t100\t999\n")
    flagged = provenance(tmp_path, work / "results" / "peak_table.tsv")
    modified = [f for f in flagged["problems"] if f["code"] == "modified"]
    assert [found["nodes"][f["node"]]["location"] for f in modified] == \
        [str(work / "results" / "merged.bed")], flagged["problems"]


def test_a_tampered_download_fails_the_run_naming_the_accession(
        tmp_path, served_portal, plugin_path):
    posted = served_portal.add_file("tampered-run", "chr7\t1\t100\n")
    served_portal.tamper(posted["accession"], b"not the bytes the portal's md5sum is of")
    work = analysis(tmp_path, served_portal, served_portal.files["rep1"]["accession"],
                    posted["accession"])
    failed = snakemake(work, plugin_path)
    assert failed.returncode != 0
    assert f"encode://{posted['accession']}: md5sum: the 39 bytes downloaded from " \
           f"{served_portal.url} have md5" in failed.stderr, failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr
    assert not (work / "results" / "intersect.bed").exists()


def test_a_revoked_input_stops_the_run_before_any_job(tmp_path, served_portal, plugin_path):
    revoked = served_portal.add_file("revoked-run", "chr8\t1\t100\n")
    served_portal.client(admin=True).patch(revoked["@id"], {"status": "revoked"})
    work = analysis(tmp_path, served_portal, revoked["accession"],
                    served_portal.files["rep2"]["accession"])
    before = len(served_portal.downloads())
    failed = snakemake(work, plugin_path)
    assert failed.returncode != 0
    assert f"encode://{revoked['accession']}: {served_portal.url}: is revoked (fix: ENCODE " \
           "withdrew this file" in failed.stderr, failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr
    assert len(served_portal.downloads()) == before
