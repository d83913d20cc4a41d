"""From config to plan: pipeline families pick their variant, which implies private mode or an
Annotation dataset."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from encode_accession.data import ACCESSION_RULES
from encode_accession.jobs import Run
from encode_accession.steps import load_steps
from encode_accession.synthetic import Options, write_synthetic_run
from encode_accession.workflow import setup_from_config


def run_of(tmp_path, variant: str, **workflow_inputs) -> str:
    steps = load_steps(ACCESSION_RULES / f"{variant}.yaml")
    metadata = write_synthetic_run(steps, Options(replicates=2, folder=tmp_path / "run"))
    data = json.loads(metadata.read_text())
    data["inputs"].update(workflow_inputs)
    metadata.write_text(json.dumps(data))
    return str(metadata)


def test_a_family_name_picks_the_variant_the_run_needs_and_says_why(tmp_path, capsys):
    metadata = run_of(tmp_path, "tf_chip_pbam", redact_nodup_bam=True)
    setup = setup_from_config({"metadata": metadata, "pipeline": "tf_chip"}, announce=True)
    assert setup.variant.steps_name == "tf_chip_pbam"
    assert setup.plan.steps_file.path.endswith("tf_chip_pbam.yaml")
    assert "tf_chip_pbam" in capsys.readouterr().err
    run = Run({"metadata": metadata, "pipeline": "tf_chip"})
    assert run.private  # redacted BAMs: no file names reach the portal


def test_a_steps_path_is_used_as_given_without_a_variant(tmp_path):
    metadata = run_of(tmp_path, "mirna")
    setup = setup_from_config({"metadata": metadata,
                               "steps": str(ACCESSION_RULES / "mirna.yaml")})
    assert setup.variant is None and not Run({"metadata": metadata,
                                              "steps": "mirna"}).private


def test_annotation_variants_need_an_annotation_accession(tmp_path):
    metadata = run_of(tmp_path, "segway")
    with pytest.raises(SystemExit, match="config: annotation: segway accessions its files to an "
                                         "Annotation"):
        setup_from_config({"metadata": metadata, "pipeline": "segway"})
    setup = setup_from_config({"metadata": metadata, "pipeline": "segway",
                               "annotation": "ENCSR000AAA"})
    assert setup.variant.needs_annotation and setup.plan.files


@pytest.mark.parametrize("name", ["config/config.yaml", "config/example.yaml",
                                  ".test/config/config.yaml"])
def test_the_shipped_configs_validate(name):
    import yaml

    from encode_accession.workflow import check_config

    config = yaml.safe_load((REPO / name).read_text())
    check_config(config)  # exits with the problems if the file does not match the schema
    assert config["pipeline"] == "atac" and config["results"] == "results"
