"""Biosample summaries as the portal words them: phrases per biosample, then one sentence.

Pure functions over plain facts (no store), following encoded's `types/biosample.py`
(`generate_summary_dictionary`, `generate_modification_summary`,
`construct_biosample_summary`) and `types/shared_biosample.py`
(`biosample_summary_information`): the portal's exact wording, spacing and ordering quirks
included, since tools compare these strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Phrases = dict[str, str]
Modification = tuple[str, dict[str, Any]]

BIOSAMPLE_PARTS = ("organism_name", "genotype_strain", "sex_stage_age", "synchronization",
                   "disease_term_name", "term_phrase", "modifications_list", "originated_from",
                   "treatments_phrase", "post_nucleic_acid_delivery_time",
                   "post_differentiation_time", "pulse_chase_time", "preservation_method",
                   "depleted_in", "phase", "fractionated")
EXPERIMENT_PARTS = ("organism_name", "genotype_strain", "disease_term_name",
                    "experiment_term_phrase", "phase", "fractionated", "sex_stage_age",
                    "post_nucleic_acid_delivery_time", "post_differentiation_time",
                    "synchronization", "modifications_list", "originated_from",
                    "treatments_phrase", "depleted_in", "pulse_chase_time")
SIMPLE_PARTS = ("sex_stage_age", "organoid_summary", "disease_term_name", "treatments_phrase",
                "genotype_strain", "strain_background", "modifications_list", "depleted_in",
                "phase", "fractionated", "synchronization")
_COMMA_LED = ("preservation_method", "post_nucleic_acid_delivery_time",
              "post_differentiation_time", "pulse_chase_time")
_NEGATIONS = {
    "phase": "unspecified phase", "disease_term_name": "without disease",
    "fractionated": "unspecified fraction", "synchronization": "not synchronized",
    "treatments_phrase": "not treated", "depleted_in": "not depleted",
    "post_nucleic_acid_delivery_time": "without nucleic acid delivery",
    "post_differentiation_time": "not differentiated", "pulse_chase_time": "not pulse-chased",
    "preservation_method": "not preserved",
}
_FRACTIONS = {
    "nucleus": "nuclear fraction", "cytosol": "cytosolic fraction",
    "chromatin": "chromatin fraction", "membrane": "membrane fraction",
    "mitochondria": "mitochondrial fraction", "nuclear matrix": "nuclear matrix fraction",
    "nucleolus": "nucleolus fraction", "nucleoplasm": "nucleoplasmic fraction",
    "polysome": "polysomic fraction",
    "insoluble cytoplasmic fraction": "insoluble cytoplasmic fraction",
}
_WHOLE_ORGANISM = ("whole organisms", "whole organism")
_CRISPR_CATEGORIES = ("CRISPRa", "CRISPR cutting", "CRISPR dCas", "CRISPRi")


def pluralize(value: Any, units: str) -> str:
    """encoded `pluralize`: `1 day`, `2 days`, and plural for anything not a number."""
    try:
        single = float(value) == 1
    except (TypeError, ValueError):
        single = False
    return f"{value} {units}" if single else f"{value} {units}s"


def _timed(props: dict[str, Any], name: str) -> str | None:
    value, units = props.get(name), props.get(f"{name}_units")
    return pluralize(value, units) if value is not None and units is not None else None


@dataclass
class Sample:
    """What a biosample's summary is made of: its object frame (`props`, calculated values
    such as age and sex included) and the objects it links to, already read."""

    props: dict[str, Any]
    organism: dict[str, Any] | None = None
    donor: dict[str, Any] | None = None
    term_name: str | None = None
    classification: str | None = None
    treatments: list[dict[str, Any]] = field(default_factory=list)
    originated_from_term: str | None = None  # its originated_from's biosample term name
    has_originated_from: bool = False
    modifications: list[Modification] = field(default_factory=list)
    preservation_method: str | None = None


def _organism_phrases(sample: Sample, out: Phrases) -> None:
    name = (sample.organism or {}).get("scientific_name")
    if not name:
        return
    out["organism_name"] = name
    donor = sample.donor
    if name == "Homo sapiens" or donor is None:
        return
    if str(donor.get("strain_name", "unknown")).lower() != "unknown":
        out["genotype_strain"] = "strain " + donor["strain_name"]
    genotype = donor.get("genotype")
    if genotype and genotype.lower() != "unknown" and "Drosophila" not in name:
        out["genotype_strain"] += f" ({genotype.removesuffix('.')})"
    background = donor.get("strain_background")
    out["strain_background"] = background if background and background.lower() != "unknown" \
        else out["genotype_strain"]


def _term_phrase(term_name: str, sample_type: str) -> str:
    """The term name without words the classification already says, then the
    classification (`liver tissue`, `K562 cell line`)."""
    seen = set(sample_type.split(" "))
    phrase = ""
    for word in term_name.split(" "):
        if word not in seen and word + "s" not in seen:
            seen.add(word)
            phrase += " " + word
    phrase += " " + sample_type
    if phrase.startswith(" of"):
        phrase = " " + phrase[3:]
    return phrase[1:]


def _treatment(treatment: dict[str, Any]) -> str:
    amount, amount_units = treatment.get("amount"), treatment.get("amount_units")
    duration, duration_units = treatment.get("duration"), treatment.get("duration_units")
    details = treatment.get("treatment_type_details")
    return "".join((
        f"{amount} {amount_units} " if amount and amount_units else "",
        f"{treatment['treatment_term_name']} " if treatment.get("treatment_term_name") else "",
        f"({details}) " if details else "",
        f"for {pluralize(duration, duration_units)}" if duration and duration_units else ""))


def _synchronization(props: dict[str, Any]) -> str:
    phrase = ""
    post = _timed(props, "post_synchronization_time")
    if post:
        phrase = f"{post} post synchronization"
    stage = props.get("synchronization")
    if stage is not None:
        if stage.startswith("puff"):
            phrase += " at " + stage
        elif stage == "egg bleaching":
            phrase += " using " + stage
        else:
            phrase += f" at {stage} stage"
    return phrase


def _sex_stage_age(out: Phrases, sex: str | None, stage: str | None,
                   age_display: str | None) -> str:
    phrase = ("mixed sex" if sex == "mixed" else sex) if sex else ""
    if stage:
        phrase += (" " + stage).replace("embryonic", "embryo")
    if age_display:
        phrase += f" ({age_display})"
    return phrase


def modification_summary(method: str, mod: dict[str, Any]) -> str:
    """encoded `generate_modification_summary`: one genetic modification in words."""
    target = mod.get("target_gene") or mod.get("target")
    if method in ("stable transfection", "transient transfection") and target:
        words = ("transiently" if method == "transient transfection" else "stably") + \
            " expressing"
        if mod.get("tags"):
            tagged = set()
            for tag in mod["tags"]:
                text = ""
                if tag.get("location") in ("N-terminal", "C-terminal", "internal"):
                    text += f" {tag['location']} {tag.get('name')}-tagged"
                text += " " + target
                if tag.get("promoter"):
                    text += f" under {tag['promoter']} promoter"
                tagged.add(text)
            return (words + " " + ", ".join(sorted(tagged)).strip()).strip()
        return f"{words} {target}".strip()
    if method in ("CRISPR (sgRNA)", "CRISPR (pgRNA)") and \
            mod.get("category") in _CRISPR_CATEGORIES:
        return f"genetically modified using {mod['category']} {method.split(' ')[1]}"
    words = "expressing RNAi" if method == "RNAi" else \
        f"genetically modified ({mod.get('category')}) using {method}"
    if mod.get("target_gene"):
        words += f" targeting {_short_organism(mod.get('organism'))} {mod['target_gene']}"
    if mod.get("target"):
        words += f" targeting {mod['target']}"
    if mod.get("gene"):
        words += f" inserting {_short_organism(mod.get('organism'))} {mod['gene']}"
    return words.strip()


def _short_organism(name: Any) -> str:
    """`Homo sapiens` -> `H. sapiens` (and `H. sapiens` stays)."""
    parts = str(name or "").split(" ")
    return f"{parts[0][:1]}. {parts[1]}" if len(parts) > 1 else str(name or "")


def _modifications(modifications: list[Modification], experiment: bool) -> str:
    summaries = {modification_summary(method, mod) for method, mod in modifications}
    if not experiment:
        return ", ".join(sorted(summaries))
    modified = [s.split("modified ", 1)[1] for s in summaries
                if s.startswith("genetically modified")]
    others = [s for s in summaries if not s.startswith("genetically modified")]
    joined = ", ".join(sorted(modified + others))
    return "genetically modified " + joined if modified else joined


def phrases(sample: Sample, *, experiment: bool = False) -> Phrases:
    """encoded `generate_summary_dictionary`: each part of the sentence for one biosample;
    `experiment` words it for an experiment's summary (mixed sex left out)."""
    props = sample.props
    out: Phrases = dict.fromkeys(
        ("organism_name", "genotype_strain", "term_phrase", "phase", "disease_term_name",
         "fractionated", "sex_stage_age", "synchronization", "originated_from",
         "treatments_phrase", "post_nucleic_acid_delivery_time", "post_differentiation_time",
         "pulse_chase_time", "depleted_in", "modifications_list", "strain_background",
         "preservation_method", "experiment_term_phrase"), "")
    _organism_phrases(sample, out)
    age, age_units = props.get("age"), props.get("age_units")
    age_display = pluralize(age, age_units) if age is not None and age_units is not None \
        else None
    stage = props.get("life_stage") if props.get("life_stage") not in (None, "unknown") \
        else None
    sex = props.get("sex") if props.get("sex") not in (None, "unknown") else None
    if experiment and sex == "mixed":
        sex = None
    if sample.preservation_method is not None:
        out["preservation_method"] = "preserved by " + sample.preservation_method
    sample_type = sample.classification \
        if sample.classification not in (None, *_WHOLE_ORGANISM) else None
    term_name = ""
    if sample.term_name is not None:
        term_name = "whole organisms" if sample.term_name == "multi-cellular organism" \
            else sample.term_name
    if sample_type is not None:
        out["sample_type"] = sample_type
    out["experiment_term_phrase"] = term_name
    out["term_phrase"] = _term_phrase(term_name, sample_type or "")
    if props.get("disease_term_name") is not None:
        out["disease_term_name"] = f"with {', '.join(map(str, props['disease_term_name']))};"
    if props.get("depleted_in_term_name"):
        out["depleted_in"] = "depleted in " + ", ".join(map(str, props["depleted_in_term_name"]))
    if props.get("phase") is not None:
        out["phase"] = props["phase"] + " phase"
    out["fractionated"] = _FRACTIONS.get(props.get("subcellular_fraction_term_name") or "", "")
    out["synchronization"] = _synchronization(props)
    post_treatment = _timed(props, "post_treatment_time")
    if delivery := _timed(props, "post_nucleic_acid_delivery_time"):
        out["post_nucleic_acid_delivery_time"] = f"{delivery} post-nucleic acid delivery time"
    if differentiation := _timed(props, "post_differentiation_time"):
        out["post_differentiation_time"] = f"{differentiation} post differentiation"
    if props.get("pulse_chase_time") is not None and \
            props.get("pulse_chase_time_units") is not None:
        out["pulse_chase_time"] = (f"subjected to a {props['pulse_chase_time']} "
                                   f"{props['pulse_chase_time_units']} pulse-chase")
    if sample_type not in ("cell line", "organoid"):
        out["sex_stage_age"] = _sex_stage_age(out, sex, stage, age_display)
    if sample_type == "organoid":
        organoid = f"{sample.term_name} {sample_type}" if sample.term_name else ""
        out["organoid_summary"] = f"{organoid} {out['post_differentiation_time']}"
    treatments = [t for t in map(_treatment, sample.treatments) if t]
    if treatments:
        lead = f"{post_treatment} after the sample was " if post_treatment else ""
        out["treatments_phrase"] = lead + "treated with " + (
            treatments[0] if len(treatments) == 1 else ", ".join(t.strip() for t in treatments))
    if sample.has_originated_from and sample.originated_from_term is not None:
        out["originated_from"] = "" if sample.originated_from_term == sample.term_name \
            else f"originated from {sample.originated_from_term}"
    if sample.modifications:
        out["modifications_list"] = _modifications(sample.modifications, experiment)
    return out


def _sentence(parts_of: Phrases, keys: Sequence[str]) -> str:
    """encoded `generate_sentence`: the non-empty parts in order, some led by a comma."""
    sentence = ""
    for key in keys:
        text = parts_of.get(key, "")
        if text == "":
            continue
        if key in _COMMA_LED:
            sentence = f"{sentence.strip()}, {text.strip()} "
        else:
            sentence += text.strip() + " "
    return sentence.strip()


def _negated(keys: Sequence[str]) -> str:
    negations = [_NEGATIONS[k] for k in keys if k in _NEGATIONS]
    return ", ".join(negations) if negations else "NONE"


def sentence(all_phrases: list[Phrases], keys: Sequence[str]) -> str:
    """encoded `construct_biosample_summary`: one biosample's parts in order; for several,
    the parts they share once and the differing middle joined with `and`."""
    keys = list(keys)
    differing = [i for i, key in enumerate(keys)
                 if len({p.get(key, "") for p in all_phrases}) > 1]
    if not differing:
        text = _sentence(all_phrases[0], keys)
    else:
        low, high = differing[0], differing[-1]
        prefix = _sentence(all_phrases[0], keys[:low]) if low else ""
        suffix = _sentence(all_phrases[0], keys[high + 1:]) if high + 1 < len(keys) else ""
        middle = sorted({_sentence(p, keys[low:high + 1]) or _negated(keys[low:high + 1])
                         for p in all_phrases})
        text = " and ".join(middle)
        if prefix:
            text = (prefix.strip() if middle[0].startswith(",") else prefix.strip() + " ") + text
        if suffix:
            text += ", " + suffix
    words = text.split(" ")
    if words[-1] in ("transiently", "stably"):
        text = " ".join(words[:-1])
    text = text.removesuffix(";")
    return text.replace(" percent", "%").replace(".0 ", " ").replace(" ;", ";")


def simple_summary(sample_phrases: Phrases) -> str:
    """encoded `Biosample.simple_summary`: the short parts, each once, space-joined."""
    picked: list[str] = []
    for key in SIMPLE_PARTS:
        text = sample_phrases.get(key, "")
        if text and text not in picked:
            picked.append(text)
    return " ".join(picked).strip(" ;")


def experiment_keys(samples: list[Sample]) -> list[str]:
    """encoded `CalculatedBiosampleSummary`'s sentence parts for these biosamples:
    differentiated cells drop sex and age, tissues and organoids add their classification,
    and the last biosample decides whether `originated from` is said."""
    keys = list(EXPERIMENT_PARTS)
    classifications = {s.classification for s in samples}
    if "in vitro differentiated cells" in classifications:
        keys.remove("sex_stage_age")
    if classifications & {"tissue", "organoid"}:
        keys.insert(4, "sample_type")
    last = samples[-1]
    if last.has_originated_from and last.originated_from_term == last.term_name:
        keys.remove("originated_from")
    return keys


def experiment_summary(samples: list[Sample]) -> str | None:
    """An experiment's `biosample_summary` over its distinct biosamples (None for none)."""
    if not samples:
        return None
    all_phrases = [phrases(s, experiment=True) for s in samples]
    keys = experiment_keys(samples)
    if "sex_stage_age" not in keys:
        for p in all_phrases:
            if p["disease_term_name"]:
                p["disease_term_name"] = "from a donor " + p["disease_term_name"]
    return sentence(all_phrases, keys)
