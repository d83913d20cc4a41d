"""Compatibility verdicts for combined analysis."""

from __future__ import annotations

from encode_accession.tracker.compare import CAVEATS, COMPATIBLE, INCOMPATIBLE, compare


def row(accession: str, **changes) -> dict:
    base = {"accession": accession, "organism": ["Homo sapiens"], "assembly": ["GRCh38"],
            "assay_title": "Histone ChIP-seq", "target": "H3K27ac", "biosample": "pancreas",
            "life_stage": ["adult"], "replication_type": "isogenic",
            "lab": "Bradley Bernstein, Broad"}
    return {**base, **changes}


def by_field(result) -> dict:
    return {f.field: (f.status, f.severity) for f in result.fields}


def test_identical_designs_are_compatible() -> None:
    result = compare(row("ENCSR000AAA"), row("ENCSR000AAB"))
    assert result.verdict == COMPATIBLE and result.reasons == ()
    assert len(result.fields) == 8


def test_another_organism_or_assembly_or_assay_is_incompatible() -> None:
    for changes, field in (({"organism": ["Mus musculus"]}, "organism"),
                           ({"assembly": ["mm10"]}, "assembly"),
                           ({"assay_title": "ATAC-seq", "target": None}, "assay")):
        result = compare(row("ENCSR000AAA"), row("ENCSR000AAB", **changes))
        assert result.verdict == INCOMPATIBLE
        assert by_field(result)[field] == ("differs", "blocker")
        assert result.reasons[0].startswith(f"{field} differs")


def test_other_differences_are_caveats_with_reasons() -> None:
    result = compare(row("ENCSR000AAA"),
                     row("ENCSR000AAB", target="H3K4me3", lab="Bing Ren, UCSD",
                         life_stage=["child"]))
    assert result.verdict == CAVEATS
    fields = by_field(result)
    assert fields["target"] == fields["lab"] == fields["life stage"] == ("differs", "caveat")
    assert any("batch effects" in r for r in result.reasons)
    assert any("H3K27ac vs H3K4me3" in r for r in result.reasons)


def test_shared_assembly_is_a_caveat_and_names_what_to_use() -> None:
    result = compare(row("ENCSR000AAA", assembly=["GRCh38", "hg19"]), row("ENCSR000AAB"))
    assert by_field(result)["assembly"] == ("overlaps", "caveat")
    assert any("restrict the combined analysis to grch38" in r.lower() for r in result.reasons)


def test_missing_values_are_never_a_silent_pass() -> None:
    result = compare(row("ENCSR000AAA", organism=[]), row("ENCSR000AAB"))
    assert by_field(result)["organism"] == ("unknown", "caveat")
    assert result.verdict == CAVEATS
    no_targets = compare(row("ENCSR000AAA", target=None), row("ENCSR000AAB", target=None))
    assert by_field(no_targets)["target"] == ("same", "ok")
