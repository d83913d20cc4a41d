"""Biosample, BiosampleType and Library: encoded `types/biosample.py`, `biosample_type.py`
and `__init__.py` `Library`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from encode_accession.localportal.calculated import summary
from encode_accession.localportal.calculated.registry import calculated
from encode_accession.localportal.store import Item

if TYPE_CHECKING:
    from encode_accession.localportal.frames import RenderContext

HUMAN = "Homo sapiens"
_DEPLETED_IN_TISSUE = {
    "head": "UBERON:0000033", "limb": "UBERON:0002101", "salivary gland": "UBERON:0001044",
    "male accessory sex gland": "UBERON:0010147", "testis": "UBERON:0000473",
    "female gonad": "UBERON:0000992", "digestive system": "UBERON:0001007",
    "arthropod fat body": "UBERON:0003917", "antenna": "UBERON:0000972",
    "adult maxillary segment": "FBbt:00003016",
    "female reproductive system": "UBERON:0000474",
    "male reproductive system": "UBERON:0000079",
}
_SUBCELLULAR = {
    "nucleus": "GO:0005634", "cytosol": "GO:0005829", "chromatin": "GO:0000785",
    "membrane": "GO:0016020", "mitochondria": "GO:0005739", "nuclear matrix": "GO:0016363",
    "nucleolus": "GO:0005730", "nucleoplasm": "GO:0005654", "polysome": "GO:0005844",
    "insoluble cytoplasmic fraction": "NTR:0002594",
}
_NUCLEIC_ACIDS = {"DNA": "SO:0000352", "RNA": "SO:0000356",
                  "polyadenylated mRNA": "SO:0000871", "miRNA": "SO:0000276",
                  "protein": "SO:0000104", "capped mRNA": "SO:0000862"}
_DEPLETED_IN_LIBRARY = {"rRNA": "SO:0000252", "polyadenylated mRNA": "SO:0000871",
                        "capped mRNA": "SO:0000862"}
UNKNOWN_TERM = "Term ID unknown"


def _is_human(item: Item, ctx: RenderContext) -> bool:
    return ctx.linked_prop(item.props.get("organism"), "scientific_name") == HUMAN


def _donor(item: Item, ctx: RenderContext) -> dict[str, Any] | None:
    donor = ctx.item(item.props.get("donor"))
    return ctx.object_frame(donor) if donor else None


@calculated("Biosample", "sex")
def _sex(item: Item, ctx: RenderContext) -> str:
    """encoded `Biosample.sex`: the donor's for human samples, else model_organism_sex."""
    if _is_human(item, ctx):
        return (_donor(item, ctx) or {}).get("sex", "unknown")
    return item.props.get("model_organism_sex", "unknown")


def _age_field(name: str) -> Any:
    def value(item: Item, ctx: RenderContext) -> Any:
        """encoded `Biosample.age`/`age_units`: the collection age, else the donor's for
        human samples, else the model organism's."""
        collected = item.props.get(f"sample_collection_{name}")
        if collected is not None:
            return collected
        missing = "unknown" if name == "age" else None
        if _is_human(item, ctx):
            return (_donor(item, ctx) or {}).get(name, missing)
        return item.props.get(f"model_organism_{name}", missing)
    return value


calculated("Biosample", "age")(_age_field("age"))
calculated("Biosample", "age_units")(_age_field("age_units"))


@calculated("Biosample", "health_status")
def _health_status(item: Item, ctx: RenderContext) -> str | None:
    if _is_human(item, ctx):
        return (_donor(item, ctx) or {}).get("health_status")
    return item.props.get("model_organism_health_status")


@calculated("Biosample", "life_stage")
def _life_stage(item: Item, ctx: RenderContext) -> str:
    """encoded `Biosample.life_stage`: the donor's for human samples, else the first of the
    mouse, fly and worm stages."""
    if _is_human(item, ctx):
        donor = _donor(item, ctx)
        return donor.get("life_stage", "unknown") if donor is not None else "unknown"
    return next((item.props[k] for k in ("mouse_life_stage", "fly_life_stage",
                                         "worm_life_stage") if k in item.props), "unknown")


@calculated("Biosample", "synchronization")
def _synchronization(item: Item, ctx: RenderContext) -> str | None:
    for key in ("mouse_synchronization_stage", "fly_synchronization_stage",
                "worm_synchronization_stage"):
        if item.props.get(key) is not None:
            return item.props[key]
    return (_donor(item, ctx) or {}).get("synchronization")


@calculated("Biosample", "disease_term_name")
def _disease_term_name(item: Item, ctx: RenderContext) -> list[str] | None:
    """encoded `Biosample.disease_term_name`: the ontology's names of disease_term_id (the
    portal refuses an id its ontology lacks; here such an id is left out)."""
    ids = item.props.get("disease_term_id")
    if ids is None:
        return None
    return [term["name"] for i in ids if (term := ctx.ontology.term(i)) and "name" in term]


@calculated("Biosample", "model_organism_donor_modifications")
def _donor_modifications(item: Item, ctx: RenderContext) -> list[str] | None:
    return ctx.linked_prop(item.props.get("donor"), "genetic_modifications")


@calculated("Biosample", "applied_modifications")
def _applied_modifications(item: Item, ctx: RenderContext) -> list[str]:
    """encoded `get_applied_modifications`: the biosample's and its donor's."""
    own = item.props.get("genetic_modifications")
    donors = ctx.prop(item, "model_organism_donor_modifications")
    if own is not None and donors is not None:
        return sorted(set(own + donors))
    return own if own is not None else donors if donors is not None else []


@calculated("Biosample", "age_display")
def _age_display(item: Item, ctx: RenderContext) -> str | None:
    props = item.props
    collected = props.get("sample_collection_age")
    if collected is not None:
        if collected == "unknown":
            return ""
        if props.get("sample_collection_age_units") is not None:
            return summary.pluralize(collected, props["sample_collection_age_units"])
    synchronized = props.get("post_synchronization_time")
    if synchronized is not None and props.get("post_synchronization_time_units") is not None:
        return summary.pluralize(synchronized, props["post_synchronization_time_units"])
    donor = _donor(item, ctx) if props.get("donor") is not None else None
    if donor is not None and "age" in donor and "age_units" in donor:
        return "" if donor["age"] == "unknown" else summary.pluralize(donor["age"],
                                                                      donor["age_units"])
    if props.get("model_organism_age") is not None and \
            props.get("model_organism_age_units") is not None:
        return summary.pluralize(props["model_organism_age"], props["model_organism_age_units"])
    return None


@calculated("Biosample", "depleted_in_term_id")
def _biosample_depleted_in(item: Item, ctx: RenderContext) -> list[str] | None:
    names = item.props.get("depleted_in_term_name")
    return [_DEPLETED_IN_TISSUE.get(n, UNKNOWN_TERM) for n in names] if names else None


@calculated("Biosample", "subcellular_fraction_term_id")
def _subcellular_term_id(item: Item, ctx: RenderContext) -> str | None:
    name = item.props.get("subcellular_fraction_term_name")
    return _SUBCELLULAR.get(name, UNKNOWN_TERM) if name else None


@calculated("Biosample", "origin_batch")
def _origin_batch(item: Item, ctx: RenderContext) -> str | None:
    """encoded `Biosample.origin_batch` (and `is_part_of`): for cell lines and cells, the
    last biosample up the part_of chain that is still of the same biosample type."""
    ontology = item.props.get("biosample_ontology")
    if ctx.linked_prop(ontology, "classification") not in (
            "cell line", "in vitro differentiated cells", "primary cell"):
        return None
    if item.props.get("part_of") is None:
        return item.at_id
    parent = ctx.item(item.props["part_of"])
    if parent is None or "biosample_ontology" not in parent.props:
        return None
    current, checked = item.at_id, set()
    while parent is not None:
        if parent.props.get("biosample_ontology") != ontology:
            return current
        if "part_of" not in parent.props:
            return parent.at_id
        current = parent.at_id
        if current in checked:
            return current
        checked.add(current)
        parent = ctx.item(parent.props["part_of"])
    return current


@calculated("Biosample", "perturbed")
def _biosample_perturbed(item: Item, ctx: RenderContext) -> bool:
    """encoded `Biosample.perturbed`: a perturbing modification, or a treatment whose purpose
    is perturbation (or unsaid)."""
    treated = any(ctx.stored(t).get("purpose") in (None, "", "perturbation")
                  for t in item.props.get("treatments", []))
    modified = any(ctx.linked_prop(m, "perturbation")
                   for m in ctx.prop(item, "applied_modifications") or [])
    return bool(modified or treated)


def _modifications(ctx: RenderContext, links: list[str], *, experiment: bool
                   ) -> list[summary.Modification]:
    """(method, facts) per applied modification, as encoded's summary code reads them;
    `experiment` reads them as `biosample_summary_information` does (no tags)."""
    mods = [ctx.stored(m) for m in links]
    guides = next((m["guide_type"] for m in reversed(mods) if "guide_type" in m), "")
    found: list[summary.Modification] = []
    for mod in mods:
        facts: dict[str, Any] = {"category": mod.get("category")}
        target = ctx.stored(mod.get("modified_site_by_target_id")) \
            if mod.get("modified_site_by_target_id") else None
        if target is not None:
            genes = target.get("genes") or []
            if genes:
                gene = ctx.stored(genes[0])
                facts["target_gene"] = gene.get("symbol")
                facts["organism"] = ctx.stored(gene.get("organism")).get("scientific_name")
            else:
                facts["target"] = target.get("label")
        if not experiment and mod.get("introduced_tags"):
            facts["tags"] = [{"location": t.get("location"), "name": t.get("name"),
                              "promoter": ctx.stored(t["promoter_used"]).get("label")
                              if t.get("promoter_used") else None}
                             for t in mod["introduced_tags"]]
        if mod.get("introduced_gene"):
            gene = ctx.stored(mod["introduced_gene"])
            facts["gene"] = gene.get("symbol")
            facts["organism"] = ctx.stored(gene.get("organism")).get("scientific_name")
        if "method" in mod:
            method = f"CRISPR ({guides})" if mod["method"] == "CRISPR" and guides \
                else mod["method"]
            found.append((method, facts))
        else:
            for delivery in mod.get("nucleic_acid_delivery_method", []):
                method = f"transduction ({mod['MOI']} MOI)" \
                    if delivery == "transduction" and "MOI" in mod else delivery
                found.append((method, facts))
    return found


def sample(item: Item, ctx: RenderContext, *, experiment: bool = False,
           originated_from: bool = True) -> summary.Sample:
    """The facts of `item`'s summary: its object frame and what it links to."""
    frame = ctx.object_frame(item)
    ontology = ctx.stored(frame.get("biosample_ontology"))
    origin = ctx.item(frame.get("originated_from")) if originated_from else None
    organism, donor = ctx.item(frame.get("organism")), ctx.item(frame.get("donor"))
    return summary.Sample(
        props=frame,
        organism=ctx.object_frame(organism) if organism else None,
        donor=ctx.object_frame(donor) if donor else None,
        term_name=ontology.get("term_name"), classification=ontology.get("classification"),
        treatments=[ctx.object_frame(t) for t in map(ctx.item, frame.get("treatments", []))
                    if t is not None],
        has_originated_from=origin is not None,
        originated_from_term=ctx.linked_prop(origin.props.get("biosample_ontology"),
                                             "term_name") if origin else None,
        modifications=_modifications(ctx, ctx.prop(item, "applied_modifications") or [],
                                     experiment=experiment),
        preservation_method=None if experiment else frame.get("preservation_method"))


@calculated("Biosample", "summary")
def _biosample_summary(item: Item, ctx: RenderContext) -> str:
    """encoded `Biosample.summary`."""
    return summary.sentence([summary.phrases(sample(item, ctx))], summary.BIOSAMPLE_PARTS)


@calculated("Biosample", "simple_summary")
def _simple_summary(item: Item, ctx: RenderContext) -> str:
    """encoded `Biosample.simple_summary` (read without part_of and originated_from)."""
    facts = sample(item, ctx, originated_from=False)
    return summary.simple_summary(summary.phrases(facts))


# -- BiosampleType -------------------------------------------------------------------------

@calculated("BiosampleType", "name")
def _biosample_type_name(item: Item, ctx: RenderContext) -> str:
    """encoded `BiosampleType.name`: `<classification>_<term_id>`, spaces and colons as _."""
    name = f"{item.props.get('classification')}_{item.props.get('term_id')}"
    return name.replace(" ", "_").replace(":", "_")


def _slims(key: str) -> Any:
    def slims(item: Item, ctx: RenderContext) -> list[str] | None:
        """encoded `BiosampleType.organ_slims` and friends: the ontology's slims."""
        term_id = item.props.get("term_id")
        return ctx.ontology.slims(term_id, key) if term_id else None
    return slims


for _prop, _key in (("organ_slims", "organs"), ("cell_slims", "cells"),
                    ("developmental_slims", "developmental"), ("system_slims", "systems"),
                    ("synonyms", "synonyms")):
    calculated("BiosampleType", _prop)(_slims(_key))


# -- Library ---------------------------------------------------------------------------------

@calculated("Library", "nucleic_acid_term_id")
def _nucleic_acid_term_id(item: Item, ctx: RenderContext) -> str | None:
    return _NUCLEIC_ACIDS.get(item.props.get("nucleic_acid_term_name") or "")


@calculated("Library", "depleted_in_term_id")
def _library_depleted_in(item: Item, ctx: RenderContext) -> list[str] | None:
    names = item.props.get("depleted_in_term_name")
    return [_DEPLETED_IN_LIBRARY.get(n, UNKNOWN_TERM) for n in names] if names else None
