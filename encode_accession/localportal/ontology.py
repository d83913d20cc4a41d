"""The ontology facts calculated properties read: assay terms, preferred assay names, and the
slims and names of ontology terms.

The real portal reads `registry['ontology']`, an `ontology.json` that encoded's
`commands/generate_ontology.py` builds from UBERON, CL, EFO and OBI (term id -> name,
preferred_name, organs, systems, cells, developmental, synonyms, assay, category, types,
objectives...). It is not part of encoded's repository, so the local portal holds the terms
someone loads (`portal load --ontology FILE`) in its database, one row per term, and answers
an unknown term as encoded does: no slims. What of it is encoded's own code ships here as
data (`ontology_facts.json`): `types/assay_data.py` `assay_terms` (assay_term_name -> OBI
id), generate_ontology's `preferred_name` (OBI id -> the name `assay_title` shows) and
`commands/ntr_terms.py` (the portal's own NTR assay and biosample terms, which every
ontology.json includes).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.localportal.store import Store

FACTS = Path(__file__).resolve().parent / "ontology_facts.json"
_PREFIX = "ontology/"
SLIM_KEYS = ("organs", "systems", "cells", "developmental", "synonyms", "assay", "category",
             "types", "objectives")


@cache
def _facts() -> dict[str, dict[str, Any]]:
    return json.loads(FACTS.read_text())


def assay_term_id(assay_term_name: Any) -> str | None:
    """encoded `CalculatedAssayTermID.assay_term_id`: the OBI id of an assay name."""
    return _facts()["assay_terms"].get(assay_term_name) if isinstance(assay_term_name, str) \
        else None


def preferred_name(term_id: str | None) -> str:
    """generate_ontology's preferred name of an assay term ('' when it has none)."""
    return _facts()["preferred_names"].get(term_id or "", "")


class Ontology:
    """The loaded terms of one portal database, read once per term per request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._terms: dict[str, dict[str, Any] | None] = {}

    def term(self, term_id: Any) -> dict[str, Any] | None:
        if not isinstance(term_id, str):
            return None
        if term_id not in self._terms:
            blob = self.store.get_blob(_PREFIX + term_id)
            self._terms[term_id] = json.loads(blob[1]) if blob else \
                _facts()["ntr_terms"].get(term_id)
        return self._terms[term_id]

    def slims(self, term_id: Any, key: str) -> list[str]:
        """encoded `BiosampleType._get_ontology_slims`: the term's distinct slims of one kind,
        none for a term the ontology lacks."""
        term = self.term(term_id)
        return sorted(set(term.get(key) or ())) if term else []


def load_ontology(store: Store, path: str | Path) -> int:
    """Store every term of an `ontology.json` in encoded's format; returns how many."""
    source = str(path)
    try:
        terms = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(source, "--ontology", f"cannot read: {exc.strerror}",
                         "give encoded's ontology.json (generate-ontology output)") from None
    except json.JSONDecodeError as exc:
        raise InputError(source, f"line {exc.lineno}", f"not valid JSON: {exc.msg}",
                         "give encoded's ontology.json unchanged") from None
    if not isinstance(terms, dict) or not all(isinstance(v, dict) for v in terms.values()):
        raise InputError(source, "--ontology", "is not an object of term id -> term",
                         "give encoded's ontology.json (generate-ontology output)")
    with store.write():
        for term_id, term in terms.items():
            store.put_blob(_PREFIX + term_id, "application/json", json.dumps(term).encode())
    return len(terms)
