"""Automatic choice of the steps file (pipeline variant) from a run's workflow inputs."""

from __future__ import annotations

from typing import Any

import pytest

from encode_accession.core.errors import InputError
from encode_accession.core.resources import ACCESSION_RULES as RULES_DIR
from encode_accession.metadata.cromwell import Workflow, parse_metadata
from encode_accession.planning.pipelines import VARIANTS, choose_variant, known_names


def run_with(inputs: dict[str, Any], qualify: str | None = None) -> Workflow:
    """A run with no calls, only workflow inputs (bare keys, or qualified draft-2 keys)."""
    if qualify:
        inputs = {f"{qualify}.{k}": v for k, v in inputs.items()}
    return parse_metadata({"id": "wf-1", "workflowName": qualify or "wf", "calls": {},
                           "inputs": inputs}, "metadata.json")


@pytest.mark.parametrize(("spikeins", "expected"), [
    (None, "long_read_rna_no_spikeins"),
    ([], "long_read_rna_no_spikeins"),
    (["gs://b/ercc.fa"], "long_read_rna_one_spikein"),
    (["gs://b/ercc.fa", "gs://b/sirv.fa"], "long_read_rna_two_or_more_spikeins"),
    (["a.fa", "b.fa", "c.fa"], "long_read_rna_two_or_more_spikeins"),
])
def test_long_read_rna_by_number_of_spikeins(spikeins, expected):
    inputs = {} if spikeins is None else {"spikeins": spikeins}
    variant = choose_variant("long_read_rna", run_with(inputs))
    assert variant.steps_name == expected
    assert not variant.private and not variant.needs_annotation
    assert "spikeins" in variant.reason and expected in variant.reason


@pytest.mark.parametrize("family", ["tf_chip", "histone_chip", "control_chip"])
@pytest.mark.parametrize(("redact", "suffix"), [
    (True, "_pbam"), ("true", "_pbam"), (False, ""), (None, "")])
def test_chip_families_switch_to_private_pbam_when_bams_are_redacted(family, redact, suffix):
    inputs = {} if redact is None else {"redact_nodup_bam": redact}
    variant = choose_variant(family, run_with(inputs, qualify="chip"))
    assert variant.steps_name == family + suffix
    assert variant.private is bool(suffix)
    assert "redact_nodup_bam" in variant.reason


@pytest.mark.parametrize(("intact", "skip", "expected"), [
    (False, False, "hic"),
    (True, False, "hic_intact"),
    (False, True, "hic_low_contact"),
    (True, True, "hic_intact_low_contact"),
    (None, None, "hic"),  # absent switches are false, their WDL default
])
def test_hic_variant_from_intact_and_the_skipped_calls(intact, skip, expected):
    inputs = {} if intact is None else {
        "intact": intact, "no_call_loops": skip, "no_call_tads": skip, "no_delta": skip}
    variant = choose_variant("hic", run_with(inputs))
    assert variant.steps_name == expected
    assert "no_call_loops, no_call_tads and no_delta" in variant.reason


@pytest.mark.parametrize("values", [(True, False, False), (True, True, None), (False, None, True)])
def test_contradictory_hic_inputs_name_every_input_and_its_value(values):
    inputs = dict(zip(("no_call_loops", "no_call_tads", "no_delta"), values, strict=True))
    with pytest.raises(InputError) as err:
        choose_variant("hic", run_with({k: v for k, v in inputs.items() if v is not None}))
    message = err.value.message
    assert message.startswith("metadata.json: inputs: the Hi-C inputs")
    for key, value in inputs.items():
        shown = "absent" if value is None else str(value).lower()
        assert f"{key}={shown}" in message
    assert "hic_intact_low_contact" in message  # the fix lists the variants to pick from


@pytest.mark.parametrize("name", ["tf_chip_pbam", "atac", "mirna", "hic_intact", "wgbs",
                                  "bulk_rna_pbam", "dnase_starch_from_bam"])
def test_a_concrete_variant_is_used_as_is(name):
    variant = choose_variant(name, run_with({"redact_nodup_bam": False, "intact": True}))
    assert variant.steps_name == name
    assert variant.reason == f"steps {name}: named directly"
    assert variant.private is name.endswith("_pbam")


@pytest.mark.parametrize("name", ["segway", "genophase", "megamap"])
def test_annotation_variants_need_an_annotation_accession(name):
    assert choose_variant(name, run_with({})).needs_annotation


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(InputError) as err:
        choose_variant("tf-chip", run_with({}))
    assert err.value.message.startswith("config: pipeline: unknown pipeline 'tf-chip'")
    assert "long_read_rna" in err.value.message and "tf_chip_pbam" in err.value.message


def test_every_variant_has_a_steps_file_and_every_steps_file_is_a_variant():
    assert sorted(VARIANTS) == sorted(p.stem for p in RULES_DIR.glob("*.yaml"))
    assert set(VARIANTS) <= set(known_names())
