"""Checking and normalising what users type: experiment accessions and external reference ids.

A wrong identifier is caught here, before any request or write, with a message that says
what the identifier is and what to give instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from encode_accession.core.accessions import KINDS, kind_of
from encode_accession.core.errors import InputError

REFERENCE_TYPES = ("pmid", "doi", "geo_accession", "nct_id", "biorxiv_doi", "dbgap")
_REFERENCE_FORMS: dict[str, tuple[re.Pattern[str], str]] = {
    "pmid": (re.compile(r"^[1-9][0-9]{0,8}$"), "digits, e.g. 32728249"),
    "doi": (re.compile(r"^10\.[0-9]{4,9}/\S+$"), "10.<prefix>/<suffix>, e.g. 10.1038/nature11247"),
    "biorxiv_doi": (re.compile(r"^10\.1101/\S+$"), "10.1101/<suffix>"),
    "geo_accession": (re.compile(r"^(GSE|GSM|GPL|GDS)[0-9]+$"), "GSE/GSM/GPL/GDS + digits"),
    "nct_id": (re.compile(r"^NCT[0-9]{8}$"), "NCT + 8 digits, e.g. NCT01234567"),
    "dbgap": (re.compile(r"^phs[0-9]{6}(\.v[0-9]+(\.p[0-9]+)?)?$"), "phs + 6 digits[.vN[.pN]]"),
}
_PREFIXES = re.compile(r"^(pmid:|doi:|geo:|https?://(dx\.)?doi\.org/)", re.IGNORECASE)


def experiment_accession(text: str) -> str:
    """The accession in `text` (also accepted: an @id or portal URL), upper-cased.

    Anything that cannot be an experiment (a file, biosample, ...) is refused here; a
    dataset accession (ENCSR) may still be a series, which only the portal can tell.
    """
    candidate = text.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    kind = kind_of(candidate)
    if kind is None:
        raise InputError("accession", text, "is not an ENCODE accession",
                         "give an experiment accession such as ENCSR000AKS")
    if kind != "SR":
        raise InputError("accession", text,
                         f"is {KINDS[kind]} accession ({candidate[:5]}...); only experiments "
                         "can be tracked",
                         "give an experiment accession (ENCSR...); for a file, its `dataset`")
    return candidate


def reference_id(reference_type: str, value: str) -> str:
    """The canonical id for a reference type (prefixes such as `PMID:` or a doi.org URL are
    removed; GEO, NCT and dbGaP ids are upper/lower-cased as the registries write them)."""
    if reference_type not in REFERENCE_TYPES:
        raise InputError("reference type", reference_type, "is not a known reference type",
                         f"use one of: {', '.join(REFERENCE_TYPES)}")
    cleaned = _PREFIXES.sub("", value.strip())
    if reference_type in ("geo_accession", "nct_id"):
        cleaned = cleaned.upper()
    elif reference_type in ("dbgap", "doi", "biorxiv_doi"):
        cleaned = cleaned.lower()
    pattern, form = _REFERENCE_FORMS[reference_type]
    if not pattern.match(cleaned):
        raise InputError(f"{reference_type} id", value, "is not well formed", f"use {form}")
    return cleaned


# Preprint servers as the portal's `publication.journal` names them; arXiv ids are also a
# form of `publication.identifiers` (pattern `[0-9]{4}.[0-9]{4}` in the portal's
# publication schema, ENCODE-DCC/encoded src/encoded/schemas/publication.json).
PREPRINT_SERVERS = frozenset({"biorxiv", "medrxiv", "arxiv", "research square", "chemrxiv",
                              "preprints", "ssrn"})
_ARXIV_ID = re.compile(r"^[0-9]{4}\.[0-9]{4,5}$")


def is_preprint(journal: str | None, identifiers: Iterable[str] = ()) -> bool:
    """Whether a publication is a preprint, from its own data: the journal is a preprint
    server, or it carries an arXiv id. Never from the DOI prefix: 10.1101 is Cold Spring
    Harbor's, shared by bioRxiv, medRxiv, Genome Research and Genes & Development."""
    name = " ".join((journal or "").lower().replace("-", " ").split()).removesuffix(".org")
    return name in PREPRINT_SERVERS or any(_ARXIV_ID.match(str(i)) for i in identifiers)


def doi_type(doi: str, *, preprint: bool) -> str:
    """`biorxiv_doi` for a bioRxiv/medRxiv preprint's DOI (registrant 10.1101), else `doi`."""
    return "biorxiv_doi" if preprint and doi.startswith("10.1101/") else "doi"
