"""From config to runs and plans: layering (the demo never leaks into a user's run), batches,
results that remember their server, and pipeline families picking their variant."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from encode_accession.core.errors import InputError
from encode_accession.core.resources import ACCESSION_RULES
from encode_accession.demo.synthetic import Options, write_synthetic_run
from encode_accession.planning.config import DEMO, check_config, metadata_is_here, run_settings
from encode_accession.planning.setup import setup_run
from encode_accession.planning.steps import load_steps
from encode_accession.run.layout import check_results_server


def run_of(tmp_path, variant: str, **workflow_inputs) -> str:
    steps = load_steps(ACCESSION_RULES / f"{variant}.yaml")
    metadata = write_synthetic_run(steps, Options(replicates=2, folder=tmp_path / "run"))
    data = json.loads(metadata.read_text())
    data["inputs"].update(workflow_inputs)
    metadata.write_text(json.dumps(data))
    return str(metadata)


def test_a_family_name_picks_the_variant_the_run_needs_and_says_why(tmp_path, capsys):
    metadata = run_of(tmp_path, "tf_chip_pbam", redact_nodup_bam=True)
    setup = setup_run({"metadata": metadata, "pipeline": "tf_chip"}, announce=True)
    assert setup.variant.steps_name == "tf_chip_pbam"
    assert setup.plan.steps_file.path.endswith("tf_chip_pbam.yaml")
    assert "tf_chip_pbam" in capsys.readouterr().err
    assert setup.variant.private  # redacted BAMs: no file names reach the portal


def test_a_steps_path_is_used_as_given_without_a_variant(tmp_path):
    metadata = run_of(tmp_path, "mirna")
    setup = setup_run({"metadata": metadata, "steps": str(ACCESSION_RULES / "mirna.yaml")})
    assert setup.variant is None and setup.plan.files


def test_annotation_variants_need_an_annotation_accession(tmp_path):
    metadata = run_of(tmp_path, "segway")
    with pytest.raises(InputError, match="config: annotation: segway accessions its files to "
                                         "an Annotation"):
        setup_run({"metadata": metadata, "pipeline": "segway"})
    setup = setup_run({"metadata": metadata, "pipeline": "segway", "annotation": "ENCSR000AAA"})
    assert setup.variant.needs_annotation and setup.plan.files


@pytest.mark.parametrize("name", ["config/config.yaml", ".test/config/config.yaml"])
def test_the_shipped_configs_validate(name):
    import yaml

    config = yaml.safe_load((REPO / name).read_text())
    check_config(config, environ={})  # exits with the problems if it does not match the schema
    assert config["pipeline"] == "atac" and config["results"] == "results"
    assert config["results"] != DEMO["results"]  # a real run's folder never holds the demo


def test_no_run_named_is_the_demo_with_the_demos_settings():
    config: dict = {}
    check_config(config, environ={})
    assert {k: config[k] for k in DEMO} == DEMO
    assert run_settings(config)["demo"]["metadata"] is None


def test_a_user_config_without_a_server_never_posts_to_the_demos_local_portal():
    config = {"metadata": "/runs/wf/metadata.json", "pipeline": "atac", "lab": "my-lab",
              "award": "UM1"}
    with pytest.raises(SystemExit) as stop:
        check_config(config, environ={})
    assert "config: server: not set" in str(stop.value)
    assert "DCC_SERVER" in str(stop.value) and "local" not in str(stop.value)


def test_server_lab_and_award_come_from_the_environment_when_the_config_has_none():
    config = {"metadata": "/runs/wf/metadata.json", "pipeline": "atac"}
    check_config(config, environ={"DCC_SERVER": "dev", "DCC_LAB": "my-lab",
                                  "DCC_AWARD": "UM1HG012345"})
    assert (config["server"], config["lab"], config["award"]) == ("dev", "my-lab", "UM1HG012345")
    run = run_settings(config)["results"]
    assert (run["server"], run["lab"]) == ("dev", "my-lab")
    assert run["metadata"] == "/runs/wf/metadata.json"


@pytest.mark.parametrize("server", ["prd", "ftp://portal", "http://portal.example.org"])
def test_a_server_that_is_not_one_is_refused_when_the_config_is_read(server):
    config = {"metadata": "/runs/wf/metadata.json", "pipeline": "atac", "lab": "my-lab",
              "award": "UM1", "server": server}
    with pytest.raises(SystemExit) as stop:
        check_config(config, environ={})
    assert str(stop.value).startswith(
        f"encode-accession: invalid configuration:\nserver: {server}: ")
    assert "(fix: use " in str(stop.value)


@pytest.mark.parametrize(("given", "read"), [("true", True), ("false", False), ("True", True),
                                             ("yes", True), ("no", False)])
def test_booleans_given_on_the_command_line_as_words_are_booleans(given, read):
    """``--config allow_unsucceeded=true`` (as the refusal suggests) is the string "true"."""
    config = {"allow_unsucceeded": given, "force": given, "replicated": given}
    check_config(config, environ={})
    assert (config["allow_unsucceeded"], config["force"], config["replicated"]) == (read,) * 3


def test_other_strings_for_booleans_are_still_refused():
    with pytest.raises(SystemExit, match="config: force: 'maybe' is not of type 'boolean'"):
        check_config({"force": "maybe"}, environ={})


def test_a_batch_runs_each_entry_in_its_own_folder_with_shared_settings():
    config = {"server": "dev", "lab": "my-lab", "award": "UM1", "force": True,
              "runs": {"rep1": {"metadata": "/a/metadata.json", "pipeline": "atac"},
                       "rep2": {"metadata": "/b/metadata.json", "pipeline": "mirna",
                                "force": False}}}
    check_config(config, environ={})
    runs = run_settings(config)
    assert list(runs) == ["results/rep1", "results/rep2"]
    assert runs["results/rep1"]["force"] is True and runs["results/rep2"]["force"] is False
    assert runs["results/rep2"]["pipeline"] == "mirna"
    assert runs["results/rep1"]["name"] == "rep1"


def test_a_results_folder_refuses_a_server_other_than_the_one_it_posted_to(tmp_path):
    (tmp_path / "plan.json").write_text(json.dumps({"settings": {"server": "local:x.sqlite"}}))
    check_results_server({str(tmp_path): {"server": "local:x.sqlite"}})
    with pytest.raises(SystemExit, match="accessioned to local:x.sqlite, but the config now "
                                         "names server dev"):
        check_results_server({str(tmp_path): {"server": "dev"}})


def test_only_a_run_whose_metadata_is_already_here_is_planned_before_the_dag(tmp_path):
    metadata = tmp_path / "metadata.json"
    assert not metadata_is_here({"metadata": str(metadata)})  # an upstream rule makes it
    metadata.write_text("{}")
    assert metadata_is_here({"metadata": str(metadata)})
    assert metadata_is_here({"metadata": None})  # the demo: its run is bundled
    assert not metadata_is_here({"metadata": "gs://bucket/metadata.json"})
    assert not metadata_is_here({"metadata": "caper-label", "cromwell_server": "http://c"})
