"""Can two tracked experiments be analysed together? Pure: two experiment rows in, a verdict
with its reasons out.

Some differences make a combined analysis meaningless (other organism, no shared genome
assembly, another assay); others are caveats the analyst must handle (biosample, target,
life stage, lab batch effects, replication). A value missing on either side cannot be
checked, which is a caveat too, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

COMPATIBLE = "compatible"
CAVEATS = "compatible with caveats"
INCOMPATIBLE = "incompatible"


@dataclass(frozen=True)
class Rule:
    field: str
    label: str
    blocking: bool  # a difference makes the pair incompatible
    why: str  # what a difference means for a combined analysis


RULES = (
    Rule("organism", "organism", True, "reads come from different genomes"),
    Rule("assembly", "assembly", True,
         "no shared genome assembly: coordinates cannot be overlaid without lifting over"),
    Rule("assay_title", "assay", True, "different assays measure different things"),
    Rule("target", "target", False,
         "different targets: compare or integrate the signals, do not pool them"),
    Rule("biosample", "biosample", False,
         "different biosamples: differences may be biological, not technical"),
    Rule("life_stage", "life stage", False,
         "different life stages: developmental effects confound the comparison"),
    Rule("replication_type", "replication type", False,
         "different replication designs: replicate-based statistics are not comparable"),
    Rule("lab", "lab", False, "different labs: expect batch effects; correct for them"),
)


@dataclass(frozen=True)
class FieldComparison:
    field: str
    a: Any
    b: Any
    status: str  # same | overlaps | differs | unknown
    severity: str  # ok | caveat | blocker


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    verdict: str
    fields: tuple[FieldComparison, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _values(value: Any) -> set[str]:
    if value is None or value == "":
        return set()
    items = value if isinstance(value, list | tuple) else [value]
    return {str(v).casefold() for v in items if v not in (None, "")}


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "(none)"
    return "(none)" if value in (None, "") else str(value)


def _compare_field(rule: Rule, a: Any, b: Any) -> tuple[FieldComparison, str | None]:
    left, right = _values(a), _values(b)
    if not left and not right:
        status = "same" if rule.field == "target" else "unknown"  # no target on both: fine
    elif not left or not right:
        status = "differs" if rule.field == "target" else "unknown"
    elif left == right:
        status = "same"
    elif left & right:
        status = "overlaps"
    else:
        status = "differs"
    if status == "same":
        return FieldComparison(rule.label, a, b, status, "ok"), None
    if status == "unknown":
        return (FieldComparison(rule.label, a, b, status, "caveat"),
                f"{rule.label} unknown for one or both ({_shown(a)} vs {_shown(b)}): "
                "check it before combining")
    if status == "overlaps":
        shared = sorted(v for v in _values(a) & _values(b))
        return (FieldComparison(rule.label, a, b, status, "caveat"),
                f"{rule.label} partly shared ({_shown(a)} vs {_shown(b)}): restrict the "
                f"combined analysis to {', '.join(shared)}")
    severity = "blocker" if rule.blocking else "caveat"
    return (FieldComparison(rule.label, a, b, status, severity),
            f"{rule.label} differs ({_shown(a)} vs {_shown(b)}): {rule.why}")


def compare(a: Mapping[str, Any], b: Mapping[str, Any],
            rules: Sequence[Rule] = RULES) -> Comparison:
    """Field by field; the verdict is the worst severity found."""
    fields, reasons = [], []
    for rule in rules:
        field, reason = _compare_field(rule, a.get(rule.field), b.get(rule.field))
        fields.append(field)
        if reason:
            reasons.append(reason)
    severities = {f.severity for f in fields}
    verdict = INCOMPATIBLE if "blocker" in severities else \
        CAVEATS if "caveat" in severities else COMPATIBLE
    return Comparison(a["accession"], b["accession"], verdict, tuple(fields), tuple(reasons))
