"""Citations for tracked experiments as BibTeX, RIS or CSL-JSON. Pure: rows in, text out.

Each publication is cited once however many experiments use it, followed by one dataset
entry per experiment (ENCODE asks for the accessions to be cited too). Reference managers
are strict in different ways, so:
- BibTeX (written by pybtex): keys are unique case-insensitively (BibTeX compares keys that
  way), special characters are escaped and words with inner capitals (DNA, ChIP-seq,
  H3K27ac) are braced so styles do not lower-case them; url and doi stay verbatim.
- RIS (written by rispy): records start with `TY  - ` and end with `ER  - `, one tag per
  line, one AU per author in "Family, Given" form.
- The JSON is CSL-JSON, which Zotero, Mendeley and citeproc read.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

FORMATS = ("bibtex", "ris", "json")
CONSORTIUM = "ENCODE Project Consortium"
_CORPORATE = {"consortium", "project", "group", "network", "initiative", "collaboration",
              "committee", "team", "institute", "center", "centre", "laboratory", "atlas"}
_STOPWORDS = {"a", "an", "the", "of", "on", "in", "for", "and", "to", "at", "by", "with"}


@dataclass(frozen=True)
class Name:
    family: str | None = None
    given: str | None = None
    literal: str | None = None  # a consortium or other group

    def inverted(self) -> str:
        """"Family, Given" (RIS); a group name as it is."""
        if self.literal:
            return self.literal
        return f"{self.family}, {self.given}" if self.given else self.family or ""


@dataclass(frozen=True)
class Citation:
    key: str
    kind: str  # "article" or "dataset"
    title: str
    authors: tuple[Name, ...]
    author_count: int
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    abstract: str | None = None
    note: str | None = None
    organization: str | None = None


def parse_name(text: str) -> Name:
    """PubMed-style "Van Nostrand EL" -> family "Van Nostrand", given "E. L."; group names
    ("ENCODE Project Consortium") stay whole; "Jane Q. Doe" -> family "Doe"."""
    words = text.split()
    if not words:
        return Name(literal=text)
    if any(w.lower().strip(".,") in _CORPORATE for w in words):
        return Name(literal=" ".join(words))
    initials = words[-1].replace(".", "")
    if len(words) >= 2 and re.fullmatch(r"[A-Z]{1,4}", initials):
        return Name(" ".join(words[:-1]), " ".join(f"{c}." for c in initials))
    if len(words) == 1:
        return Name(words[0])
    return Name(words[-1], " ".join(words[:-1]))


# -- building citations ------------------------------------------------------------------

def build(publications: Iterable[Mapping[str, Any]],
          experiments: Iterable[Mapping[str, Any]]) -> list[Citation]:
    """Citations with unique keys: publications (as store.publications_of gives them)
    first, then one dataset entry per experiment row."""
    citations = [_publication(p) for p in publications]
    citations += [_dataset(e) for e in experiments]
    return _unique_keys(citations)


def _publication(pub: Mapping[str, Any]) -> Citation:
    authors = tuple(parse_name(a) for a in pub.get("authors") or ())
    doi, pmid = pub.get("doi"), pub.get("pmid")
    experiments = pub.get("experiments") or []
    return Citation(
        key=_key_base(authors, pub.get("year"), pub.get("title") or ""),
        kind="article", title=pub.get("title") or "(untitled)", authors=authors,
        author_count=max(pub.get("author_count") or 0, len(authors)), year=pub.get("year"),
        journal=pub.get("journal"), volume=pub.get("volume"), issue=pub.get("issue"),
        pages=pub.get("pages"), doi=doi, pmid=pmid,
        url=f"https://doi.org/{doi}" if doi else
        (f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None),
        abstract=pub.get("abstract"),
        note=f"Cited for ENCODE experiment(s) {', '.join(experiments)}" if experiments else None,
    )


def _dataset(exp: Mapping[str, Any]) -> Citation:
    accession = exp["accession"]
    what = " ".join(p for p in (exp.get("target"), exp.get("assay_title")) if p) or "Experiment"
    on = f" on {exp['biosample']}" if exp.get("biosample") else ""
    released = str(exp.get("date_released") or "")
    return Citation(
        key=accession, kind="dataset", title=f"{what}{on} ({accession})",
        authors=(Name(literal=CONSORTIUM),), author_count=1,
        year=int(released[:4]) if released[:4].isdigit() else None,
        url=exp.get("url"), note=f"ENCODE experiment {accession}",
        organization=exp.get("lab_title") or exp.get("lab"),
    )


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", ascii_text)


def _key_base(authors: Sequence[Name], year: int | None, title: str) -> str:
    first = authors[0] if authors else Name(literal="anonymous")
    who = (first.family or (first.literal or "anonymous").split()[0])
    word = next((w for w in re.findall(r"[^\W_]+", title)
                 if w.lower() not in _STOPWORDS and not w.isdigit()), "")
    return (_fold(who).lower() or "anonymous") + str(year or "") + _fold(word).lower()


def _unique_keys(citations: list[Citation]) -> list[Citation]:
    used: set[str] = set()
    unique = []
    for citation in citations:
        key, suffix = citation.key, 0
        while key.lower() in used:
            suffix += 1
            key = citation.key + _letters(suffix)
        used.add(key.lower())
        unique.append(replace(citation, key=key))
    return unique


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ... 25 -> z, 26 -> ba: the first entry keeps the plain key."""
    out = ""
    while n:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out


# -- BibTeX ----------------------------------------------------------------------------------
# pybtex writes the file (entries, quoting, person lists, brace checks) and its LaTeX codec
# escapes % & # _; what the codec leaves alone because it is LaTeX markup ({ } $ ^ ~ \) is
# escaped first, since titles and names are plain text, never markup.
_MARKUP = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$",
           "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
VERBATIM = ("doi", "url")  # written as they are: reference managers read them literally
# The only characters pybtex's UTF-8 LaTeX codec rewrites (checked over U+0001-U+2FFF); text
# without them is left as it is, which saves the codec's ~0.1 ms per field (2 s per 20,000
# entries).
_CODEC_REWRITES = frozenset("#%&_~")


def _plain(text: str) -> str:
    """Plain text made safe for pybtex's LaTeX encoding (which then escapes the rest)."""
    return "".join(_MARKUP.get(c, c) for c in text)


def _bibtex_text(text: str) -> str:
    """One line, and words with capitals after their first letter braced so styles do not
    lower-case them (DNA, ChIP-seq, H3K27ac)."""
    out = []
    for token in re.split(r"(\s+)", " ".join(text.split())):
        escaped = _plain(token)
        out.append(f"{{{escaped}}}" if any(c.isupper() for c in token[1:]) else escaped)
    return "".join(out)


def _person(name: Name) -> Any:
    from pybtex.database import Person

    if name.literal:  # a group: one braced name, never split into first and last
        return Person("{" + _plain(name.literal) + "}")
    return Person(_plain(name.inverted()))


def _bibtex_writer() -> Any:
    from pybtex.database.output.bibtex import Writer

    class _Writer(Writer):
        """pybtex's BibTeX writer, leaving the verbatim fields unencoded."""

        def _encode(self, text: str) -> str:
            return str(super()._encode(text)) if _CODEC_REWRITES & set(text) else text

        def _write_field(self, stream: Any, type: str, value: str) -> None:
            if type in VERBATIM:
                stream.write(f",\n    {type} = {self.quote(value)}")
            else:
                super()._write_field(stream, type, value)

    return _Writer(encoding="UTF-8")


def to_bibtex(citations: Iterable[Citation]) -> str:
    from pybtex.database import BibliographyData, Entry

    data = BibliographyData()
    for c in citations:
        authors = [_person(a) for a in c.authors]
        if c.author_count > len(c.authors):
            authors.append(_person(Name("others")))
        fields = [
            ("title", _bibtex_text(c.title)),
            ("journal", c.journal and _bibtex_text(c.journal)), ("year", c.year and str(c.year)),
            ("volume", c.volume and _plain(c.volume)),
            ("number", c.issue and _plain(c.issue)),
            ("pages", c.pages and _plain(c.pages).replace("-", "--")),
            ("doi", c.doi and _verbatim(c.doi)), ("pmid", c.pmid and _plain(c.pmid)),
            ("url", c.url and _verbatim(c.url)),
            ("organization", c.organization and _bibtex_text(c.organization)),
            ("howpublished", "ENCODE Portal" if c.kind == "dataset" else None),
            ("abstract", c.abstract and _bibtex_text(c.abstract)),
            ("note", c.note and _bibtex_text(c.note)),
        ]
        data.add_entry(c.key, Entry("article" if c.kind == "article" else "misc",
                                    fields=[(k, v) for k, v in fields if v],
                                    persons={"author": authors}))
    return str(_bibtex_writer().to_string(data))


def _verbatim(text: str) -> str:
    return text.replace("{", "").replace("}", "")


# -- RIS -------------------------------------------------------------------------------------
# rispy writes the records (TY first, ER last, one `XX  - ` line per value, lists repeated).

def _ris_writer() -> Any:
    from rispy import RisWriter

    class _Writer(RisWriter):
        """RIS as reference managers import it: no `1.` counter line before each record."""

        def set_header(self, count: int) -> str:
            return ""

    return _Writer(skip_unknown_tags=True)


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def ris_record(c: Citation) -> dict[str, Any]:
    """One citation as rispy's fields (empty ones left out)."""
    first, _, last = (c.pages or "").partition("-")
    more = c.author_count - len(c.authors)
    notes = [c.note, f"First {len(c.authors)} of {c.author_count} authors listed"
             if more > 0 else None]
    record = {
        "type_of_reference": "JOUR" if c.kind == "article" else "DATA",
        "authors": [_one_line(a.inverted()) for a in c.authors],
        "title": c.title, "secondary_title": c.journal, "year": c.year, "volume": c.volume,
        "number": c.issue, "start_page": first, "end_page": last, "doi": c.doi,
        "accession_number": f"PMID:{c.pmid}" if c.pmid else None,
        "urls": [c.url] if c.url else [],
        "name_of_database": "ENCODE Portal" if c.kind == "dataset" else None,
        "publisher": c.organization, "abstract": c.abstract,
        "notes": [_one_line(n) for n in notes if n], "id": c.key,
    }
    return {k: (v if isinstance(v, list) or k == "type_of_reference" else _one_line(v))
            for k, v in record.items() if v not in (None, "", [])}


def to_ris(citations: Iterable[Citation]) -> str:
    return str(_ris_writer().formats([ris_record(c) for c in citations]))


# -- CSL-JSON --------------------------------------------------------------------------------

def to_csl_json(citations: Iterable[Citation]) -> list[dict[str, Any]]:
    items = []
    for c in citations:
        item: dict[str, Any] = {
            "id": c.key, "type": "article-journal" if c.kind == "article" else "dataset",
            "title": c.title,
            "author": [{"literal": a.literal} if a.literal else
                       {k: v for k, v in (("family", a.family), ("given", a.given)) if v}
                       for a in c.authors],
            "container-title": c.journal, "volume": c.volume, "issue": c.issue,
            "page": c.pages, "DOI": c.doi, "PMID": c.pmid, "URL": c.url,
            "abstract": c.abstract, "note": c.note,
            "publisher": "ENCODE Portal" if c.kind == "dataset" else None,
            "issued": {"date-parts": [[c.year]]} if c.year else None,
        }
        items.append({k: v for k, v in item.items() if v not in (None, "", [])})
    return items


def render(citations: Sequence[Citation], fmt: str) -> str:
    if fmt == "bibtex":
        return to_bibtex(citations)
    if fmt == "ris":
        return to_ris(citations)
    if fmt == "json":
        return json.dumps(to_csl_json(citations), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown citation format {fmt!r}; use one of {FORMATS}")
