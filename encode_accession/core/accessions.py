"""What an ENCODE accession looks like, so a mistyped one is caught where it is typed.

The portal mints accessions for nine kinds of object (the `accessionType` of its schemas:
AB, AN, BS, DO, FF, GM, LB, PL, SR) as ENC + kind + 3 digits + 3 letters; its test objects
(and the local portal's) as TST + kind + 6 digits or 3 digits + 3 letters. Anything else
(ENCXX001AAA, ENCFF0001AAA, ENCFF001AA) is not an accession, whatever it resembles.
"""

from __future__ import annotations

import re

# kind -> what it is, for messages ("ENCFF... is a file accession")
KINDS = {
    "SR": "a dataset", "FF": "a file", "BS": "a biosample", "DO": "a donor", "LB": "a library",
    "AB": "an antibody", "AN": "an analysis", "PL": "a pipeline", "GM": "a genetic modification",
}
ACCESSION = re.compile(rf"^(?:ENC(?P<enc>{'|'.join(KINDS)})[0-9]{{3}}[A-Z]{{3}}"
                       rf"|TST(?P<tst>{'|'.join(KINDS)})[0-9]{{3}}(?:[0-9]{{3}}|[A-Z]{{3}}))$")
# Shaped like one (ENC/TST, two letters, six characters) but of no kind the portal mints.
LOOKALIKE = re.compile(r"^(ENC|TST)[A-Z]{2}[0-9]{3}([0-9]{3}|[A-Z]{3})$")


def kind_of(accession: str) -> str | None:
    """The two-letter kind (FF, SR, ...) of a well-formed accession, else None."""
    match = ACCESSION.match(accession)
    return (match.group("enc") or match.group("tst")) if match else None


def is_accession(text: str) -> bool:
    return ACCESSION.match(text) is not None
