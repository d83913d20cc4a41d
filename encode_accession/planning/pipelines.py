"""Which steps file fits a run: the pipeline variant, chosen from the run's workflow inputs.

Users name a pipeline *family* (``tf_chip``, ``hic``, ``long_read_rna``...) and the run itself
says which variant of it ran, as in the reference ``accession`` tool: the number of long-read
spike-ins, whether ChIP BAMs were redacted, whether Hi-C was intact and called loops, TADs
and delta. Choosing by hand is easy to get wrong and the wrong steps file either fails to plan
or, worse, posts file names of private data. A name that already is a variant is used as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.metadata.cromwell import Workflow
from encode_accession.planning.steps import load_steps, resolve_steps

# One steps file per variant: accession_rules/<name>.yaml (the reference's <name>_steps.json).
VARIANTS = (
    "atac", "bulk_rna", "bulk_rna_no_kallisto", "bulk_rna_pbam", "chip_map_only", "control_chip",
    "control_chip_pbam", "diploidify", "dnase", "dnase_no_footprints", "dnase_starch_from_bam",
    "genophase", "hic", "hic_intact", "hic_intact_low_contact", "hic_low_contact",
    "histone_chip", "histone_chip_pbam", "histone_chip_peak_call_only",
    "long_read_rna_no_spikeins", "long_read_rna_one_spikein",
    "long_read_rna_two_or_more_spikeins", "megamap", "mint_chip", "mint_chip_peak_call_only",
    "mirna", "segway", "tf_chip", "tf_chip_bwa_control_fastqs", "tf_chip_pbam",
    "tf_chip_peak_call_only", "wgbs",
)
HIC_CALL_INPUTS = ("no_call_loops", "no_call_tads", "no_delta")


@dataclass(frozen=True)
class Variant:
    """The chosen steps file and what accessioning it implies."""

    steps_name: str  # accession_rules/<steps_name>.yaml
    private: bool  # redacted-BAM variants: no file names reach the portal (private_filenames)
    needs_annotation: bool  # the dataset is an Annotation from the config (annotation_dataset)
    reason: str  # which variant and why, for the user


def choose_variant(name: str, workflow: Workflow) -> Variant:
    """The variant of pipeline ``name`` that produced ``workflow``; whether it is private or
    posts to an Annotation is read from its bundled steps file (its pipeline facts).

    Raises :class:`InputError` for an unknown name or contradictory Hi-C inputs.
    """
    chooser = FAMILIES.get(name)
    if chooser is not None:
        steps_name, why = chooser(name, workflow)
    elif name in VARIANTS:
        steps_name, why = name, "named directly"
    else:
        raise InputError("config", "pipeline", f"unknown pipeline '{name}'",
                         f"use one of: {', '.join(known_names())}")
    facts = load_steps(resolve_steps(steps_name)).facts
    return Variant(steps_name=steps_name, private=facts.private_filenames,
                   needs_annotation=facts.annotation_dataset,
                   reason=f"steps {steps_name}: {why}")


def known_names() -> list[str]:
    """Every name :func:`choose_variant` accepts: families and variants."""
    return sorted({*FAMILIES, *VARIANTS})


def _long_read_rna(family: str, workflow: Workflow) -> tuple[str, str]:
    spikeins = workflow.workflow_input("spikeins")
    count = 0 if spikeins is None else 1 if isinstance(spikeins, str) else len(spikeins)
    suffix = {0: "no_spikeins", 1: "one_spikein"}.get(count, "two_or_more_spikeins")
    return f"{family}_{suffix}", f"the workflow input spikeins lists {count} file(s)"


def _chip(family: str, workflow: Workflow) -> tuple[str, str]:
    if _flag(workflow.workflow_input("redact_nodup_bam")):
        return (f"{family}_pbam", "the workflow input redact_nodup_bam is true: the BAMs are "
                                  "redacted, so file names stay private")
    return family, "the workflow input redact_nodup_bam is not true"


def _hic(family: str, workflow: Workflow) -> tuple[str, str]:
    """Intact or in situ, and low contact when loops, TADs and delta were all skipped.

    The three skip switches must agree: a run that called some but not all of them matches
    no steps file. An absent switch counts as false, its WDL default.
    """
    raw = {key: workflow.workflow_input(key) for key in HIC_CALL_INPUTS}
    skipped = {key: _flag(value) for key, value in raw.items()}
    if len(set(skipped.values())) > 1:
        values = ", ".join(f"{k}={_show(v)}" for k, v in raw.items())
        raise InputError(workflow.source, "inputs",
                         f"the Hi-C inputs {', '.join(HIC_CALL_INPUTS)} must all be equal to "
                         f"choose a steps file; this run has {values}",
                         "give `steps` explicitly (hic, hic_intact, hic_low_contact or "
                         "hic_intact_low_contact) if this run is what you want to accession")
    intact = _flag(workflow.workflow_input("intact"))
    low_contact = next(iter(skipped.values()))
    steps_name = family + "_intact" * intact + "_low_contact" * low_contact
    why = (f"intact is {_show(intact)}; no_call_loops, no_call_tads and no_delta are all "
           f"{_show(low_contact)}")
    return steps_name, why


FAMILIES: dict[str, Callable[[str, Workflow], tuple[str, str]]] = {
    "long_read_rna": _long_read_rna,
    "tf_chip": _chip,
    "histone_chip": _chip,
    "control_chip": _chip,
    "hic": _hic,
}


def _flag(value: Any) -> bool:
    """A WDL Boolean input; JSON true, or the string "true" some input files carry."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _show(value: Any) -> str:
    if value is None:
        return "absent"
    return str(value).lower() if isinstance(value, bool) else repr(value)
