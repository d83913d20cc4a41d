"""BibTeX that parses (unique keys, balanced braces, escaped specials), RIS that reference
managers import (TY first, ER last, `XX  - ` lines), and CSL-JSON. The BibTeX and RIS are
written by pybtex and rispy; here they are read back by hand (braces counted, lines
matched) and by the same libraries, as a reference manager would."""

from __future__ import annotations

import json
import re

import pytest
import synthetic_collection as synthetic

from encode_accession.tracker import citations
from encode_accession.tracker.citations import Name, parse_name


def pub(title: str, authors: list[str], year: int = 2020, **extra) -> dict:
    return {"title": title, "authors": authors, "author_count": len(authors), "year": year,
            "journal": "Nature", "experiments": ["ENCSR000AAA"], **extra}


def experiment(accession: str) -> dict:
    return {"accession": accession, "assay_title": "Histone ChIP-seq", "target": "H3K27ac",
            "biosample": "body of pancreas", "date_released": "2016-05-01",
            "lab": "Bradley Bernstein, Broad",
            "url": f"https://www.encodeproject.org/experiments/{accession}/"}


def bibtex_entries(text: str) -> list[tuple[str, str, str]]:
    """(type, key, body) per entry, checking braces balance as BibTeX reads them."""
    entries = []
    for match in re.finditer(r"@(\w+)\{([^,\s]+),\n", text):
        depth, i = 1, match.end()
        while depth:
            if text[i] == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        entries.append((match.group(1), match.group(2), text[match.end():i - 1]))
    return entries


def test_keys_are_unique_even_for_the_same_author_year_and_title_word() -> None:
    pubs = [pub("Enhancers of the heart", ["Smith J"], pmid=str(i)) for i in range(30)]
    pubs.append(pub("ENHANCERS everywhere", ["SMITH J"]))
    cites = citations.build(pubs, [experiment("ENCSR000AAA"), experiment("ENCSR000AAB")])
    keys = [c.key for c in cites]
    assert len({k.lower() for k in keys}) == len(keys) == 33
    assert keys[:3] == ["smith2020enhancers", "smith2020enhancersb", "smith2020enhancersc"]
    assert keys[-2:] == ["ENCSR000AAA", "ENCSR000AAB"]
    parsed = bibtex_entries(citations.to_bibtex(cites))
    assert [k for _, k, _ in parsed] == keys


def test_special_characters_are_escaped_and_braces_balance() -> None:
    title = r"50% of {enhancers} & H3K27ac_high sites cost $0 #1 ~ ^ \ done"
    text = citations.to_bibtex(citations.build(
        [pub(title, ["Müller A", "van der Berg JA", "ENCODE Project Consortium"])], []))
    ((kind, key, body),) = bibtex_entries(text)
    assert kind == "article" and key == "muller2020enhancers"
    title_field = re.search(r'title = "(.*)",\n', body).group(1)
    for raw, escaped in (("%", r"\%"), ("&", r"\&"), ("$", r"\$"), ("#", r"\#"),
                         ("{enhancers}", r"\{enhancers\}"), ("_", r"\_"),
                         ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")):
        assert escaped in title_field, raw
    assert "{H3K27ac\\_high}" in title_field  # inner capitals protected from lower-casing
    assert 'author = "Müller, A. and van der Berg, J. A. and {ENCODE Project Consortium}"' \
        in body


def test_more_than_ten_authors_end_with_and_others() -> None:
    many = pub("Big paper", [f"Author{i} A" for i in range(10)])
    many["author_count"] = 25
    text = citations.to_bibtex(citations.build([many], []))
    assert 'Author9, A. and others"' in text
    ris = citations.to_ris(citations.build([many], []))
    assert ris.count("\nAU  - ") == 10 and "First 10 of 25 authors listed" in ris


def test_ris_records_have_the_structure_importers_expect() -> None:
    cites = citations.build(
        [pub("A title\nwith a newline", ["Smith J"], pmid="123", doi="10.1038/x",
             pages="699-710", volume="583")],
        [experiment("ENCSR000AAA")])
    text = citations.to_ris(cites)
    records = [r for r in text.split("\n\n") if r.strip()]
    assert len(records) == 2
    for record in records:
        lines = record.strip("\n").split("\n")
        assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
        assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines)
    article, dataset = records
    assert "TY  - JOUR" in article and "TI  - A title with a newline" in article
    assert "SP  - 699\nEP  - 710" in article and "DO  - 10.1038/x" in article
    assert "AU  - Smith, J." in article and "AN  - PMID:123" in article
    assert "TY  - DATA" in dataset and "UR  - https://www.encodeproject.org/" in dataset


def test_csl_json_names_types_and_dates() -> None:
    items = json.loads(citations.render(citations.build(
        [pub("T", ["ENCODE Project Consortium", "Moore JE"], doi="10.1/x")],
        [experiment("ENCSR000AAA")]), "json"))
    article, dataset = items
    assert article["type"] == "article-journal" and article["issued"] == {"date-parts": [[2020]]}
    assert article["author"] == [{"literal": "ENCODE Project Consortium"},
                                 {"family": "Moore", "given": "J. E."}]
    assert article["DOI"] == "10.1/x" and dataset["type"] == "dataset"
    assert dataset["id"] == "ENCSR000AAA" and dataset["publisher"] == "ENCODE Portal"


@pytest.mark.parametrize(("text", "name"), [
    ("Van Nostrand EL", Name("Van Nostrand", "E. L.")),
    ("ENCODE Project Consortium", Name(literal="ENCODE Project Consortium")),
    ("Jane Q. Doe", Name("Doe", "Jane Q.")), ("Cher", Name("Cher")),
])
def test_names(text: str, name: Name) -> None:
    assert parse_name(text) == name


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown citation format"):
        citations.render([], "endnote")


def sample_citations() -> list[citations.Citation]:
    pubs = [pub(p["title"], p["authors"].split(", "), int(p["date_published"][:4]),
                doi=p["identifiers"][-1].removeprefix("doi:"))
            for p in synthetic.PUBLICATIONS]
    return citations.build(pubs, [experiment("ENCSR000AAA"), experiment("ENCSR000AAB")])


def test_urls_and_dois_are_written_verbatim() -> None:
    cites = citations.build([pub("T", ["Smith J"], doi="10.1000/a_b%c")],
                            [{**experiment("ENCSR000AAA"), "url": "https://x.org/a_b/"}])
    text = citations.to_bibtex(cites)
    assert 'doi = "10.1000/a_b%c"' in text and 'url = "https://doi.org/10.1000/a_b%c"' in text
    assert 'url = "https://x.org/a_b/"' in text


def test_pybtex_reads_the_bibtex(tmp_path) -> None:
    from pybtex import database as pybtex_database

    cites = sample_citations()
    path = tmp_path / "cites.bib"
    path.write_text(citations.to_bibtex(cites), encoding="utf-8")
    parsed = pybtex_database.parse_file(str(path))
    assert list(parsed.entries) == [c.key for c in cites]
    for cite in cites:
        entry = parsed.entries[cite.key]
        assert entry.fields["year"] == str(cite.year)
        names = [str(p).strip("{}") for p in entry.persons["author"]]
        assert names[:len(cite.authors)] == [a.inverted() for a in cite.authors]


def test_rispy_reads_the_ris() -> None:
    import rispy

    records = rispy.loads(citations.to_ris(sample_citations()))
    assert len(records) == len(synthetic.PUBLICATIONS) + 2
    assert records[0]["type_of_reference"] == "JOUR" and records[-1]["type_of_reference"] == "DATA"
