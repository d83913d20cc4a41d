"""Accessioning steps files: the ENCODE JSON format, its YAML form, and schema errors."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import reference_steps_dir

from encode_accession.core.errors import InputError
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.planning.steps import load_steps, parse_steps, resolve_steps
from encode_accession.qc import check_names

MINIMAL = {"accession.steps": [{
    "dcc_step_run": "run", "wdl_task_name": "t", "wdl_files": [{
        "filekey": "bam", "file_format": "bam", "output_type": "alignments",
        "derived_from_files": [{"derived_from_task": "t", "derived_from_filekey": "fq",
                                "derived_from_inputs": "true"}]}]}]}


def test_json_and_yaml_forms_give_the_same_model(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps(MINIMAL))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(MINIMAL))
    as_json = load_steps(tmp_path / "s.json")
    as_yaml = load_steps(tmp_path / "s.yaml")
    assert as_json.steps == as_yaml.steps
    assert as_json.raw_fastqs_keys == ("fastq", "fastqs")  # the reference default


def test_legacy_string_booleans_are_read_as_booleans():
    steps = parse_steps(MINIMAL, "s.json")
    assert steps.steps[0].files[0].derived_from[0].inputs is True


def test_schema_error_names_the_file_and_the_path():
    bad = json.loads(json.dumps(MINIMAL))
    del bad["accession.steps"][0]["wdl_files"][0]["filekey"]
    with pytest.raises(InputError) as err:
        parse_steps(bad, "my_steps.json")
    assert err.value.message == (
        "my_steps.json: accession.steps[0].wdl_files[0]: 'filekey' is required")


def test_every_problem_is_reported_at_once():
    bad = json.loads(json.dumps(MINIMAL))
    bad["accession.steps"][0]["wdl_files"][0]["colour"] = "red"
    bad["accession.steps"][0]["requires_replication"] = "maybe"
    bad["accession.steps"].append({})
    with pytest.raises(InputError) as err:
        parse_steps(bad, "s.yaml")
    lines = err.value.message.splitlines()
    assert "s.yaml: accession.steps[0].wdl_files[0]: unknown key 'colour'" in lines
    assert "s.yaml: accession.steps[0].requires_replication: 'maybe' is not a boolean" in lines
    assert "s.yaml: accession.steps[1]: 'wdl_task_name' is required" in lines


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("accession.steps:\n  - dcc_step_run: [unclosed\n")
    with pytest.raises(InputError, match=r"s.yaml: line \d+ column \d+: not valid YAML"):
        load_steps(path)


def test_pipeline_names_resolve_to_bundled_rules_and_unknown_names_list_them():
    assert resolve_steps("atac").name == "atac.yaml"
    with pytest.raises(InputError, match="one of: .*atac.*mirna"):
        resolve_steps("atacc")


@pytest.mark.parametrize("path", sorted(ACCESSION_RULES.glob("*.yaml")),
                         ids=lambda p: p.name)
def test_bundled_accession_rules_validate(path):
    steps = load_steps(path)
    assert steps.steps and all(s.files for s in steps.steps)


def test_reference_steps_files_validate_unchanged():
    """All 32 steps JSONs of the `accession` 4.8.4 wheel load and validate as they are."""
    files = sorted(reference_steps_dir().glob("*_steps.json"))
    if not files:
        pytest.skip("the reference steps files are not available (no PyPI here)")
    assert len(files) == 32
    total = sum(len(load_steps(f).steps) for f in files)
    # 218 in the 4.8.4 wheel (the research report's 216 counts git HEAD, where megamap
    # lost its two delta steps after the release)
    assert total == 218


def test_unknown_quality_metric_and_callback_names_are_errors_naming_the_known_ones():
    bad = json.loads(json.dumps(MINIMAL))
    bad["accession.steps"][0]["wdl_files"][0]["quality_metrics"] = ["star", "stra"]
    bad["accession.steps"][0]["wdl_files"][0]["callbacks"] = ["add_mapped_read_lenght"]
    with pytest.raises(InputError) as err:
        check_names(parse_steps(bad, "s.yaml"))
    qc_line, callback_line = err.value.message.splitlines()
    assert qc_line.startswith("s.yaml: accession.steps[0].wdl_files[0].quality_metrics: "
                              "unknown name 'stra' (fix: use one of: ")
    assert "mirna_mapping" in qc_line and "star," in qc_line
    assert "unknown name 'add_mapped_read_lenght'" in callback_line
    assert "add_mapped_read_length" in callback_line


def test_renamed_output_types_are_translated_with_one_notice_line(tmp_path, capsys):
    old = json.loads(json.dumps(MINIMAL))
    spec = old["accession.steps"][0]["wdl_files"][0]
    spec.update(file_format="bigWig", output_type="DNA accessibility raw signal")
    (tmp_path / "mine.json").write_text(json.dumps(old))
    steps = load_steps(tmp_path / "mine.json")
    assert steps.steps[0].files[0].output_type == "nuclease cleavage frequency"
    (notice,) = capsys.readouterr().err.splitlines()
    assert "mine.json" in notice and "'DNA accessibility raw signal' -> " \
        "'nuclease cleavage frequency'" in notice
    load_steps(ACCESSION_RULES / "hic.yaml")
    assert capsys.readouterr().err == ""  # the bundled rules use the current names


def test_a_renamed_copy_of_a_rules_file_keeps_its_pipeline_facts(tmp_path):
    """Facts are data in the file: a copy under another name plans and posts alike."""
    for name in ("bulk_rna_pbam", "segway", "dnase"):
        bundled = load_steps(ACCESSION_RULES / f"{name}.yaml")
        copy = tmp_path / f"my-lab-{name}-v2.yaml"
        copy.write_text((ACCESSION_RULES / f"{name}.yaml").read_text())
        assert load_steps(copy).facts == bundled.facts
    facts = load_steps(ACCESSION_RULES / "bulk_rna_pbam.yaml").facts
    assert facts.private_filenames and facts.reference_input == "index"
    assert facts.preferred_default_metric == "uniquely_mapped_reads"
    assert load_steps(ACCESSION_RULES / "segway.yaml").facts.annotation_dataset


def test_a_reference_json_without_facts_takes_those_of_the_bundled_variant(tmp_path):
    (tmp_path / "dnase_steps.json").write_text(json.dumps(MINIMAL))
    (tmp_path / "unknown_steps.json").write_text(json.dumps(MINIMAL))
    facts = load_steps(tmp_path / "dnase_steps.json").facts
    assert facts.reference_input == "references.nuclear_chroms_gz"
    assert facts.source.endswith("accession_rules/dnase.yaml")
    assert load_steps(tmp_path / "unknown_steps.json").facts.reference_input is None


def test_an_unknown_preferred_default_metric_is_an_error_naming_the_known_ones():
    with pytest.raises(InputError, match="preferred_default_metric: unknown name 'reads'.*"
                                         "aligned_reads"):
        check_names(parse_steps({**MINIMAL, "preferred_default_metric": "reads"}, "s.yaml"))
