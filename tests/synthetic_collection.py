"""Realistic synthetic ENCODE experiments in the portal's embedded frame, for the local
portal, the tests, the benchmark and a try-it-yourself demo.

Shapes follow the real portal (see the ENCSR416YFB fixture): replicates.library.biosample
with organism, donor and life_stage; biosample_ontology with classification and
organ_slims; target, lab and award objects; references with PMID/doi identifiers; analyses;
files with analysis_step_version -> analysis_step -> pipelines and embedded quality_metrics;
GEO dbxrefs. Values are plausible, not real records: accessions are made up; the first three
publications are real ENCODE papers (author lists shortened), the others are invented to
exercise special characters, non-ASCII names and preprint DOIs (do not cite them).
Generation is deterministic for a given count and seed.

The first eight experiments are Histone ChIP-seq on human pancreas, so the walkthrough
("facets for pancreas, search histone ChIP-seq on pancreas") always finds something.
`python tests/synthetic_collection.py 40 > sample.json` writes objects that
`portal serve --load sample.json` imports.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import uuid
from dataclasses import dataclass
from typing import Any

_NS = uuid.UUID("6f1c1a52-6d0e-4d1e-9a55-2f0f3b1b7c11")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
WALKTHROUGH_COUNT = 8

HUMAN = {"@id": "/organisms/human/", "@type": ["Organism", "Item"], "name": "human",
         "scientific_name": "Homo sapiens", "taxon_id": "9606", "status": "released"}
MOUSE = {"@id": "/organisms/mouse/", "@type": ["Organism", "Item"], "name": "mouse",
         "scientific_name": "Mus musculus", "taxon_id": "10090", "status": "released"}


@dataclass(frozen=True)
class Biosample:
    term_name: str
    term_id: str
    classification: str
    organ_slims: tuple[str, ...]
    system_slims: tuple[str, ...] = ()


HUMAN_BIOSAMPLES = (
    Biosample("body of pancreas", "UBERON:0001150", "tissue",
              ("endocrine gland", "exocrine gland", "pancreas"),
              ("digestive system", "endocrine system")),
    Biosample("pancreas", "UBERON:0001264", "tissue",
              ("endocrine gland", "exocrine gland", "pancreas"),
              ("digestive system", "endocrine system")),
    Biosample("heart left ventricle", "UBERON:0002084", "tissue", ("heart",),
              ("circulatory system",)),
    Biosample("right atrium auricular region", "UBERON:0006631", "tissue", ("heart",),
              ("circulatory system",)),
    Biosample("liver", "UBERON:0002107", "tissue", ("endocrine gland", "exocrine gland", "liver"),
              ("digestive system", "endocrine system")),
    Biosample("transverse colon", "UBERON:0001157", "tissue",
              ("colon", "intestine", "large intestine"), ("digestive system",)),
    Biosample("Peyer's patch", "UBERON:0001211", "tissue",
              ("immune organ", "intestine", "small intestine"),
              ("digestive system", "immune system")),
    Biosample("upper lobe of left lung", "UBERON:0008952", "tissue", ("lung",),
              ("respiratory system",)),
    Biosample("adrenal gland", "UBERON:0002369", "tissue", ("adrenal gland", "endocrine gland"),
              ("endocrine system",)),
    Biosample("K562", "EFO:0002067", "cell line", ("blood", "bodily fluid"),
              ("immune system",)),
    Biosample("HepG2", "EFO:0001187", "cell line",
              ("endocrine gland", "epithelium", "exocrine gland", "liver"),
              ("digestive system", "endocrine system")),
    Biosample("GM12878", "EFO:0002784", "cell line", ("blood", "bodily fluid"),
              ("immune system",)),
    Biosample("keratinocyte", "CL:0000312", "primary cell", ("epithelium", "skin of body"),
              ("integumental system",)),
    Biosample("hepatocyte", "CL:0000182", "in vitro differentiated cells",
              ("epithelium", "liver"), ("digestive system",)),
)
MOUSE_BIOSAMPLES = (
    Biosample("forebrain", "UBERON:0001890", "tissue", ("brain",), ("central nervous system",)),
    Biosample("liver", "UBERON:0002107", "tissue", ("endocrine gland", "exocrine gland", "liver"),
              ("digestive system", "endocrine system")),
    Biosample("heart", "UBERON:0000948", "tissue", ("heart",), ("circulatory system",)),
    Biosample("limb", "UBERON:0002101", "tissue", ("limb",), ("skeletal system",)),
    Biosample("pancreas", "UBERON:0001264", "tissue",
              ("endocrine gland", "exocrine gland", "pancreas"),
              ("digestive system", "endocrine system")),
)
CELL_LINE_DONORS = {  # term_name -> (sex, age, life_stage)
    "K562": ("female", "53", "adult"), "HepG2": ("male", "15", "child"),
    "GM12878": ("female", "53", "adult"),
}


@dataclass(frozen=True)
class Assay:
    term_name: str
    title: str
    targets: tuple[tuple[str, tuple[str, ...]], ...]  # (label, investigated_as)
    pipeline: str
    software: tuple[tuple[str, str, str], ...]  # (name, title, version)
    output: tuple[str, str, str]  # file_format, file_type, output_type
    metric: tuple[str, str]  # @type, collection
    nucleic_acid: str = "DNA"


_HISTONE = ("histone", "broad histone mark")
ASSAYS = (
    Assay("ChIP-seq", "Histone ChIP-seq",
          (("H3K27ac", _HISTONE), ("H3K4me3", ("histone", "narrow histone mark")),
           ("H3K4me1", _HISTONE), ("H3K27me3", _HISTONE), ("H3K36me3", _HISTONE),
           ("H3K9me3", _HISTONE)),
          "Histone ChIP-seq 2", (("bwa", "BWA", "0.7.17"), ("macs2", "MACS2", "2.2.4")),
          ("bigBed", "bigBed narrowPeak", "replicated peaks"),
          ("ChipAlignmentEnrichmentQualityMetric", "chip-alignment-enrichment-quality-metrics")),
    Assay("ChIP-seq", "TF ChIP-seq",
          (("CTCF", ("transcription factor",)), ("POLR2A", ("transcription factor",)),
           ("EP300", ("transcription factor", "chromatin remodeler")),
           ("REST", ("transcription factor",))),
          "TF ChIP-seq 2", (("bwa", "BWA", "0.7.17"), ("spp", "SPP", "1.14"),
                            ("idr", "IDR", "2.0.4.2")),
          ("bigBed", "bigBed narrowPeak", "conservative IDR thresholded peaks"),
          ("ChipReplicationQualityMetric", "chip-replication-quality-metrics")),
    Assay("ATAC-seq", "ATAC-seq", (), "ATAC-seq (replicated peaks)",
          (("bowtie2", "Bowtie 2", "2.3.4.3"), ("macs2", "MACS2", "2.2.4")),
          ("bigBed", "bigBed narrowPeak", "pseudoreplicated peaks"),
          ("AtacPeakEnrichmentQualityMetric", "atac-peak-enrichment-quality-metrics")),
    Assay("DNase-seq", "DNase-seq", (), "DNase-seq pipeline",
          (("bwa", "BWA", "0.7.17"), ("hotspot2", "hotspot2", "2.1.1")),
          ("bigBed", "bigBed narrowPeak", "peaks"),
          ("HotspotQualityMetric", "hotspot-quality-metrics")),
    Assay("RNA-seq", "total RNA-seq", (), "Bulk RNA-seq",
          (("star", "STAR", "2.5.1b"), ("rsem", "RSEM", "1.2.31")),
          ("tsv", "tsv", "gene quantifications"),
          ("StarQualityMetric", "star-quality-metrics"), "RNA"),
    Assay("polyA plus RNA-seq", "polyA plus RNA-seq", (), "Bulk RNA-seq",
          (("star", "STAR", "2.5.1b"), ("rsem", "RSEM", "1.2.31")),
          ("tsv", "tsv", "gene quantifications"),
          ("StarQualityMetric", "star-quality-metrics"), "polyadenylated mRNA"),
    Assay("whole-genome shotgun bisulfite sequencing", "WGBS", (), "WGBS paired-end pipeline",
          (("bismark", "Bismark", "0.20.0"),),
          ("bed", "bed bedMethyl", "methylation state at CpG"),
          ("BismarkQualityMetric", "bismark-quality-metrics")),
)
LABS = (
    ("bradley-bernstein", "Bradley Bernstein, Broad"),
    ("michael-snyder", "Michael Snyder, Stanford"),
    ("john-stam", "John Stamatoyannopoulos, UW"), ("barbara-wold", "Barbara Wold, Caltech"),
    ("bing-ren", "Bing Ren, UCSD"), ("thomas-gingeras", "Thomas Gingeras, CSHL"),
    ("joseph-ecker", "Joseph Ecker, Salk"),
)
AWARDS = (("U54HG006991", "ENCODE3"), ("UM1HG009411", "ENCODE4"), ("U54HG004558", "ENCODE2"))
PUBLICATIONS = (
    {"title": "Expanded encyclopaedias of DNA elements in the human and mouse genomes",
     "authors": "ENCODE Project Consortium, Moore JE, Purcaro MJ, Pratt HE, Epstein CB, "
                "Shoresh N, Adrian J, Kawli T, Davis CA, Dobin A, Kaul R, Halow J, "
                "Van Nostrand EL, Freese P, Gorkin DU, Shen Y, He Y, Mackiewicz M",
     "journal": "Nature", "date_published": "2020-07-29", "volume": "583", "issue": "7818",
     "page": "699-710", "identifiers": ["PMID:32728249", "doi:10.1038/s41586-020-2493-4"],
     "abstract": "The human and mouse genomes contain instructions that specify RNAs and "
                 "proteins and govern the timing, magnitude and cellular context of their "
                 "production."},
    {"title": "An integrated encyclopedia of DNA elements in the human genome",
     "authors": "ENCODE Project Consortium", "journal": "Nature",
     "date_published": "2012-09-06", "volume": "489", "issue": "7414", "page": "57-74",
     "identifiers": ["PMID:22955616", "doi:10.1038/nature11247"]},
    {"title": "The Encyclopedia of DNA elements (ENCODE): data portal update",
     "authors": "Davis CA, Hitz BC, Sloan CA, Chan ET, Davidson JM, Gabdank I, Hilton JA, "
                "Jain K, Baymuradov UK, Narayanan AK, Onate KC, Graham K, Miyasato SR, "
                "Dreszer TR, Strattan JS, Jolanki O, Tanaka FY, Cherry JM",
     "journal": "Nucleic Acids Research", "date_published": "2018-01-04", "volume": "46",
     "issue": "D1", "page": "D794-D801",
     "identifiers": ["PMID:29126249", "doi:10.1093/nar/gkx1081"]},
    {"title": "Chromatin states & accessibility: 50% of {enhancers} in H3K27ac_high "
              "regions (#1) cost $0 ~ ^",
     "authors": "Müller A, Ó Súilleabháin B, van der Berg JA, Smith J",
     "journal": "Genome Research", "date_published": "2021-03-01", "volume": "31",
     "page": "100-112", "identifiers": ["PMID:33500001", "doi:10.1101/gr.270001.120"]},
    {"title": "Single-cell chromatin accessibility of the developing pancreas",
     "authors": "Chen L, Garcia M, Okafor C", "journal": "bioRxiv",
     "date_published": "2023-05-02", "identifiers": ["doi:10.1101/2023.05.01.538990"]},
    {"title": "Cardiac enhancer landscapes in the adult human heart",
     "authors": "Smith J, Patel R, Nguyen T", "journal": "Cell Genomics",
     "date_published": "2022-11-09", "volume": "2", "issue": "11", "page": "100204",
     "identifiers": ["PMID:36388771", "doi:10.1016/j.xgen.2022.100204"]},
)
TRICKY_DESCRIPTION = 'Replicate 2 "re-sequenced"; lanes 3,4\nsee notes\tfor details'


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "/".join(map(str, parts))))


def accession(prefix: str, index: int) -> str:
    """ENC + type + 3 digits + 3 letters, unique per prefix for index < 2,197,000: the
    digits are a bijection mod 1000 and the letters one mod 26**3 (lcm 2,197,000)."""
    offset = sum(map(ord, prefix)) * 7  # so ENCSR... and ENCFF... of one index differ
    digits = (index * 389 + 17 + offset) % 1000
    code = (index * 7907 + 4321 + offset) % 26 ** 3
    letters = "".join(_LETTERS[code // 26 ** p % 26] for p in (2, 1, 0))
    return f"ENC{prefix}{digits:03d}{letters}"


def _lab(name: str, title: str) -> dict[str, Any]:
    return {"@id": f"/labs/{name}/", "@type": ["Lab", "Item"], "name": name, "title": title,
            "status": "current"}


def _award(name: str, rfa: str) -> dict[str, Any]:
    """Its viewing group as the portal's awards have them (ENCODE2 ones view with ENCODE3)."""
    return {"@id": f"/awards/{name}/", "@type": ["Award", "Item"], "name": name,
            "project": "ENCODE", "rfa": rfa, "status": "current",
            "viewing_group": "ENCODE4" if rfa == "ENCODE4" else "ENCODE3"}


def _publication(pub: dict[str, Any]) -> dict[str, Any]:
    return {"@id": f"/publications/{_uuid('publication', pub['title'])}/",
            "@type": ["Publication", "Item"], "status": "released",
            "publication_year": int(pub["date_published"][:4]), **pub}


def _ontology(sample: Biosample) -> dict[str, Any]:
    name = f"{sample.classification}_{sample.term_id}".replace(" ", "_").replace(":", "_")
    return {"@id": f"/biosample-types/{name}/", "@type": ["BiosampleType", "Item"],
            "classification": sample.classification, "term_id": sample.term_id,
            "term_name": sample.term_name, "organ_slims": list(sample.organ_slims),
            "system_slims": list(sample.system_slims), "status": "released"}


def software_version(name: str, title: str, version: str) -> dict[str, Any]:
    return {"@id": f"/software-versions/{_uuid('software', name, version)}/",
            "@type": ["SoftwareVersion", "Item"], "version": version, "status": "released",
            "software": {"@id": f"/software/{name}/", "@type": ["Software", "Item"],
                         "name": name, "title": title, "status": "released"}}


def software_versions() -> list[dict[str, Any]]:
    """Every software-version object the experiments link to (load these too: the embedded
    frame leaves them as links)."""
    seen = {tool: software_version(*tool) for assay in ASSAYS for tool in assay.software}
    return list(seen.values())


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counters: dict[str, int] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.human_donors = [self._donor("human", i) for i in range(12)]
        self.mouse_donors = [self._donor("mouse", i) for i in range(4)]
        self.cell_line_donors = {name: self._donor("human", 100 + i, *facts)
                                 for i, (name, facts) in enumerate(CELL_LINE_DONORS.items())}

    def next(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, -1) + 1
        return accession(prefix, self.counters[prefix])

    def _donor(self, species: str, index: int, sex: str | None = None, age: str | None = None,
               life_stage: str | None = None) -> dict[str, Any]:
        acc = accession("DO", index + (5000 if species == "mouse" else 0))
        if species == "mouse":
            return {"@id": f"/mouse-donors/{acc}/", "@type": ["MouseDonor", "Donor", "Item"],
                    "accession": acc, "organism": MOUSE, "strain_name": "B6NCrl",
                    "status": "released"}
        sex = sex or self.rng.choice(("male", "female"))
        age = age or str(self.rng.randint(20, 75))
        stage = life_stage or ("adult" if int(age) >= 18 else "child")
        return {"@id": f"/human-donors/{acc}/", "@type": ["HumanDonor", "Donor", "Item"],
                "accession": acc, "organism": HUMAN, "sex": sex, "age": age,
                "age_units": "year", "life_stage": stage, "status": "released"}

    def pipeline(self, assay: Assay) -> dict[str, Any]:
        if assay.pipeline not in self.pipelines:
            slug = assay.pipeline.lower().replace(" ", "-").replace("(", "").replace(")", "")
            acc = accession("PL", len(self.pipelines))
            self.pipelines[assay.pipeline] = {
                "@id": f"/pipelines/{acc}/", "@type": ["Pipeline", "Item"], "accession": acc,
                "title": assay.pipeline, "status": "released",
                "lab": "/labs/encode-processing-pipeline/",
                "analysis_steps": [f"/analysis-steps/{slug}-step-v-1/"],
                "source_url": f"https://github.com/ENCODE-DCC/{slug}-pipeline",
            }
        return self.pipelines[assay.pipeline]

    def step_version(self, assay: Assay) -> dict[str, Any]:
        pipeline = self.pipeline(assay)
        step = pipeline["analysis_steps"][0]
        name = step.rstrip("/").rsplit("/", 1)[-1]
        return {"@id": f"/analysis-step-versions/{name}-0/",
                "@type": ["AnalysisStepVersion", "Item"], "minor_version": 0,
                "status": "released",
                "software_versions": [software_version(*t)["@id"] for t in assay.software],
                "analysis_step": {"@id": step, "@type": ["AnalysisStep", "Item"],
                                  "step_label": name.removesuffix("-v-1"), "major_version": 1,
                                  "title": f"{assay.pipeline} step", "status": "released",
                                  "pipelines": [pipeline]}}

    def experiment(self, index: int) -> dict[str, Any]:
        rng = self.rng
        walkthrough = index < WALKTHROUGH_COUNT
        mouse = not walkthrough and rng.random() < 0.25
        if walkthrough:
            assay, sample = ASSAYS[0], HUMAN_BIOSAMPLES[index % 2]
        else:
            assay = rng.choice(ASSAYS)
            sample = rng.choice(MOUSE_BIOSAMPLES if mouse else HUMAN_BIOSAMPLES)
        target = assay.targets[index % len(assay.targets)] if assay.targets else None
        acc = self.next("SR")
        at_id = f"/experiments/{acc}/"
        lab = _lab(*rng.choice(LABS))
        award = _award(*rng.choice(AWARDS))
        organism = MOUSE if mouse else HUMAN
        year = rng.randint(2012, 2024)
        assembly = ["mm10"] if mouse else (["GRCh38", "hg19"] if award["rfa"] == "ENCODE2"
                                           else ["GRCh38"])
        replicates, donors = self._replicates(at_id, sample, mouse, assay, lab, award)
        files, analysis = self._files(at_id, assay, len(replicates), assembly[0], lab, award)
        stage = sorted({r["library"]["biosample"]["life_stage"] for r in replicates})
        label = f"{target[0]} " if target else ""
        description = TRICKY_DESCRIPTION if index % 7 == 6 else \
            f"{label}{assay.title} on {organism['scientific_name']} {sample.term_name}"
        experiment: dict[str, Any] = {
            "@id": at_id, "@type": ["Experiment", "Dataset", "Item"], "accession": acc,
            "uuid": _uuid("experiment", acc), "aliases": [f"{lab['name']}:exp-{index}"],
            "status": rng.choices(("released", "archived", "in progress"), (16, 2, 2))[0],
            "assay_term_name": assay.term_name, "assay_title": assay.title,
            "date_submitted": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "description": description,
            "biosample_ontology": _ontology(sample),
            "biosample_summary": f"{organism['scientific_name']} {sample.term_name} "
                                 f"{sample.classification} {' and '.join(stage)}",
            "lab": lab, "award": award, "assembly": assembly,
            "replicates": replicates, "bio_replicate_count": len(replicates),
            "replication_type": "unreplicated" if len(replicates) == 1 else
            ("isogenic" if len(donors) == 1 else "anisogenic"),
            "files": files, "analyses": [analysis],
            "dbxrefs": self._dbxrefs(), "references": self._references(sample, walkthrough),
        }
        if experiment["status"] != "in progress":
            experiment["date_released"] = f"{year}-{rng.randint(1, 12):02d}-" \
                                          f"{rng.randint(1, 28):02d}"
        if target:
            species = "mouse" if mouse else "human"
            experiment["target"] = {
                "@id": f"/targets/{target[0]}-{species}/", "@type": ["Target", "Item"],
                "label": target[0], "investigated_as": list(target[1]),
                "organism": organism["@id"], "status": "released"}
        return experiment

    def _replicates(self, at_id: str, sample: Biosample, mouse: bool, assay: Assay,
                    lab: dict[str, Any], award: dict[str, Any]
                    ) -> tuple[list[dict[str, Any]], set[str]]:
        count = self.rng.choice((1, 2, 2, 2))
        if sample.term_name in self.cell_line_donors:
            pool = [self.cell_line_donors[sample.term_name]]
        else:
            pool = self.mouse_donors if mouse else self.human_donors
        replicates, donors = [], set()
        for number in range(1, count + 1):
            donor = self.rng.choice(pool)
            donors.add(donor["@id"])
            stage = donor.get("life_stage") or self.rng.choice(("embryonic", "postnatal",
                                                                "adult"))
            bs_acc, lb_acc = self.next("BS"), self.next("LB")
            biosample = {
                "@id": f"/biosamples/{bs_acc}/", "@type": ["Biosample", "Item"],
                "accession": bs_acc, "biosample_ontology": _ontology(sample)["@id"],
                "organism": MOUSE if mouse else HUMAN, "donor": donor, "life_stage": stage,
                "lab": lab["@id"], "award": award["@id"], "status": "released",
                **({"sex": donor["sex"], "age": donor["age"], "age_units": "year"}
                   if not mouse else {}),
            }
            replicates.append({
                "@id": f"/replicates/{_uuid('replicate', at_id, number)}/",
                "@type": ["Replicate", "Item"], "experiment": at_id, "status": "released",
                "biological_replicate_number": number, "technical_replicate_number": 1,
                "library": {"@id": f"/libraries/{lb_acc}/", "@type": ["Library", "Item"],
                            "accession": lb_acc, "nucleic_acid_term_name": assay.nucleic_acid,
                            "biosample": biosample, "status": "released"},
            })
        return replicates, donors

    def _files(self, at_id: str, assay: Assay, replicates: int, assembly: str,
               lab: dict[str, Any], award: dict[str, Any]
               ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        files = []
        version = self.step_version(assay)

        def file(fmt: str, file_type: str, output_type: str, reps: list[int],
                 processed: bool) -> dict[str, Any]:
            acc = self.next("FF")
            entry = {"@id": f"/files/{acc}/", "@type": ["File", "Item"], "accession": acc,
                     "dataset": at_id, "file_format": fmt, "file_type": file_type,
                     "output_type": output_type, "status": "released",
                     "biological_replicates": reps,
                     "md5sum": hashlib.md5(acc.encode()).hexdigest(),
                     "file_size": self.rng.randint(10**6, 5 * 10**9),
                     "lab": lab["@id"], "award": award["@id"], "quality_metrics": []}
            if processed:
                entry.update(assembly=assembly, analysis_step_version=version)
            files.append(entry)
            return entry

        for rep in range(1, replicates + 1):
            file("fastq", "fastq", "reads", [rep], processed=False)
            bam = file("bam", "bam", "alignments", [rep], processed=True)
            bam["quality_metrics"].append(self._flagstats(bam["@id"], lab, award))
        output = file(*assay.output, list(range(1, replicates + 1)), processed=True)
        output["quality_metrics"].append(self._assay_metric(assay, output["@id"], lab, award))
        pipeline_version = ".".join(str(self.rng.randint(*r)) for r in ((1, 3), (0, 9), (0, 5)))
        an_acc = self.next("AN")
        analysis = {"@id": f"/analyses/{an_acc}/", "@type": ["Analysis", "Item"],
                    "accession": an_acc, "status": "released",
                    "pipeline_version": pipeline_version,
                    "title": f"{award['rfa']} v{pipeline_version} {assembly}",
                    "files": [f["@id"] for f in files if f["file_format"] != "fastq"],
                    "pipelines": [self.pipeline(assay)["@id"]]}
        return files, analysis

    def _metric(self, type_name: str, collection: str, of: str, lab: dict[str, Any],
                award: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        return {"@id": f"/{collection}/{_uuid('qc', of, type_name)}/",
                "@type": [type_name, "QualityMetric", "Item"], "quality_metric_of": [of],
                "step_run": f"/analysis-step-runs/{_uuid('run', of)}/",
                "lab": lab["@id"], "award": award["@id"], "status": "released", **values}

    def _flagstats(self, of: str, lab: dict[str, Any], award: dict[str, Any]) -> dict[str, Any]:
        total = self.rng.randint(2 * 10**7, 8 * 10**7)
        mapped = int(total * self.rng.uniform(0.85, 0.99))
        return self._metric("SamtoolsFlagstatsQualityMetric",
                            "samtools-flagstats-quality-metrics", of, lab, award,
                            {"total": total, "mapped": mapped,
                             "mapped_pct": f"{100 * mapped / total:.2f}",
                             "duplicates": int(total * self.rng.uniform(0.01, 0.2))})

    def _assay_metric(self, assay: Assay, of: str, lab: dict[str, Any],
                      award: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        values: dict[str, Any] = {"frip": round(rng.uniform(0.05, 0.6), 4)}
        if assay.metric[0] == "StarQualityMetric":
            values = {"Uniquely mapped reads %": f"{rng.uniform(70, 95):.2f}%",
                      "Number of input reads": rng.randint(2 * 10**7, 6 * 10**7)}
        elif assay.metric[0] == "BismarkQualityMetric":
            values = {"lambda C methylated in CpG context": f"{rng.uniform(0.2, 1):.1f}%"}
        return self._metric(*assay.metric, of, lab, award, values)

    def _dbxrefs(self) -> list[str]:
        if self.rng.random() < 0.5:
            return []
        refs = [f"GEO:GSE{self.rng.randint(30000, 250000)}"]
        if self.rng.random() < 0.3:
            refs.append(f"GEO:GSM{self.rng.randint(1000000, 7000000)}")
        return refs

    def _references(self, sample: Biosample, walkthrough: bool) -> list[dict[str, Any]]:
        if not walkthrough and self.rng.random() < 0.4:
            return []
        picks = {0} if walkthrough else set()
        picks.add(self.rng.randrange(len(PUBLICATIONS)))
        if "pancreas" in sample.organ_slims and self.rng.random() < 0.5:
            picks.add(4)
        return [_publication(PUBLICATIONS[i]) for i in sorted(picks)]


def sample_experiments(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """`count` embedded-frame experiments with distinct accessions."""
    builder = _Builder(seed)
    return [builder.experiment(i) for i in range(count)]


def portal_objects(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """What to load into a local portal: the experiments plus the software versions their
    analysis steps link to."""
    return [*software_versions(), *sample_experiments(count, seed)]


def clone_collection(conn: Any, count: int, *, first: int = 0, templates: int = 500,
                     raw: str = "full", batch: int = 1000) -> None:
    """Track `count` experiments straight into a tracker database (no portal): `templates`
    sample experiments cloned under new accessions (index `first` on), through the store, a
    transaction per `batch`. raw="subset" stores only the tracker's subset of each JSON,
    for a smaller database. What the scale benchmark and the MCP tests fill a collection
    with."""
    from dataclasses import replace

    from encode_accession.database.sqlite import write
    from encode_accession.tracker import extract, store
    from encode_accession.tracker.records import RawMetadata

    software = {v["@id"]: extract.software_from_version(v) for v in software_versions()}
    base = []
    for obj in sample_experiments(templates, seed=2026):
        record = extract.tracked_experiment(obj, portal_url="https://www.encodeproject.org",
                                            software=software)
        if raw == "subset":
            limit = len(json.dumps({k: obj[k] for k in extract.RAW_SUBSET if k in obj}))
            exp = replace(record.experiment, raw=extract.fit_raw_metadata(obj, limit + 1024))
            record = replace(record, experiment=exp)
        base.append(record)
    for start in range(first, first + count, batch):
        with write(conn):
            for i in range(start, min(start + batch, first + count)):
                template = base[i % templates]
                number = accession("SR", i)
                exp = template.experiment
                clone = replace(template, experiment=replace(
                    exp, accession=number,
                    url=f"https://www.encodeproject.org/experiments/{number}/",
                    raw=RawMetadata(exp.raw.text, exp.raw.original_bytes, exp.raw.dropped)))
                store.save_tracked(conn, clone, notes=f"note {i}" if i % 10 == 0 else None)


if __name__ == "__main__":  # python tests/synthetic_collection.py [COUNT] > sample.json
    json.dump(portal_objects(int(sys.argv[1]) if len(sys.argv) > 1 else 40), sys.stdout)
