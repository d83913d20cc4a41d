"""Calculated properties: the values the portal derives on read instead of storing, one
module per family of types (each registers its functions in `registry` on import)."""

from __future__ import annotations

from encode_accession.localportal.calculated import (  # noqa: F401  (they register)
    analyses,
    biosamples,
    datasets,
    files,
    others,
)
from encode_accession.localportal.calculated.registry import ALWAYS, CALCULATED, REVERSE_LINKS

__all__ = ["ALWAYS", "CALCULATED", "REVERSE_LINKS"]
