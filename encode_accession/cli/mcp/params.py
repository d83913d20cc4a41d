"""The tools' parameters, described once: an assistant reads these descriptions and enums in
the tool list to know what to pass. Module-level, because the SDK reads the annotations of
each tool function by name when it builds the tool's input schema."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

Match = Annotated[Literal["exact", "contains"], Field(
    description="exact: whole values, case-insensitive (heart never matches 'heart left "
                "ventricle'); contains: values containing the text")]
AssayTitle = Annotated[str | None, Field(description="assay title, e.g. 'Histone ChIP-seq', "
                                                     "'ATAC-seq', 'total RNA-seq'")]
Organism = Annotated[str | None, Field(description="scientific name, e.g. 'Homo sapiens', "
                                                   "'Mus musculus'")]
Organ = Annotated[str | None, Field(description="organ slim, e.g. 'pancreas', 'heart'")]
Biosample = Annotated[str | None, Field(description="biosample term name, e.g. 'body of "
                                                    "pancreas', 'K562'")]
BiosampleType = Annotated[str | None, Field(description="biosample classification, e.g. "
                                                        "'tissue', 'cell line'")]
Target = Annotated[str | None, Field(description="target label, e.g. 'H3K27ac', 'CTCF'")]
Status = Annotated[str | None, Field(description="portal status, e.g. 'released', "
                                                 "'archived'")]
Lab = Annotated[str | None, Field(description="lab title or @id, e.g. 'Bradley Bernstein, "
                                              "Broad' or '/labs/bradley-bernstein/'")]
Offset = Annotated[int, Field(description="items to skip: 0 for the first page, then the "
                                          "next_offset of the previous reply", ge=0)]
ExperimentAccession = Annotated[str, Field(description="experiment accession, e.g. "
                                                       "ENCSR000AKS (an @id or portal URL "
                                                       "also works)")]
ExperimentFilter = Annotated[str | None, Field(description="one tracked experiment's "
                                                           "accession; omit for the whole "
                                                           "collection")]
OutputPath = Annotated[str | None, Field(
    description="absolute path of a new file to write the whole output to (never replaces "
                "an existing file); the reply then holds a resource link, not the text")]
# identifiers.REFERENCE_TYPES and the skill's alias preprint_doi (the MCP test compares them)
ReferenceType = Annotated[Literal["pmid", "doi", "geo_accession", "nct_id", "biorxiv_doi",
                                  "dbgap", "preprint_doi"],
                          Field(description="kind of external reference (preprint_doi is "
                                            "biorxiv_doi)")]
ExportFormat = Literal["csv", "tsv", "json"]
CitationFormat = Literal["json", "bibtex", "ris"]
