"""QC is idempotent across tools: a file that already has a quality metric of a type, posted by
any client (the reference ``accession`` tool posts QCs without aliases), gets no second one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from encode_accession.accession.checksums import checksums
from encode_accession.accession.preflight import preflight
from encode_accession.accession.quality import collect_metrics, quality_metrics
from encode_accession.accession.step import accession_file, post_step_run
from encode_accession.portal import PortalClient
from encode_accession.portal.types import type_name

from .test_accession import FAMILIES, prepare

MIRNA = next(f for f in FAMILIES if f.name == "mirna")  # per-file and shared (correlation) QCs


def accessioned(tmp_path):
    """The run's files on the portal, without QC: as another tool (the reference) posted
    them, so this run finds them (the portal's 409 on their aliases) instead of creating them."""
    run, _variant = prepare(MIRNA, tmp_path)
    pre = preflight(run, checksums(run).checksums)
    receipts: dict = {}
    for step in run.plan.steps:
        step_run = post_step_run(run, step, run.plan.files_of(step)[0]).portal_id
        for planned in run.plan.files_of(step):
            receipt = accession_file(run, planned, pre, step_run, receipts)
            receipts[planned.id] = replace(receipt, created=False)
    return run, pre, receipts


def our_quality_job(run, pre, receipts) -> dict:
    return quality_metrics(run, pre, list(run.plan.files.values()), receipts)


def post_as_another_tool(run, pre, receipts, keep=lambda metric, ids: True) -> list[str]:
    """Post the run's QCs as the reference tool does: same content, no aliases of ours."""
    other = PortalClient(run.settings.server)
    posted = []
    for metric, ids in collect_metrics(run, pre, list(run.plan.files.values())):
        if keep(metric, ids):
            posted.append(other.post(metric.profile.replace("-", "_"), {
                **metric.properties, "quality_metric_of": [receipts[i].portal_id for i in ids],
                "step_run": receipts[ids[0]].step_run, "assay_term_name": "microRNA-seq",
                "lab": "/labs/encode-awg/", "award": "/awards/DEMO-AWARD/"})["@id"])
    return posted


def all_quality_metrics(run) -> set[str]:
    return {q["@id"] for q in run.portal.search("QualityMetric", frame="object")}


def test_quality_job_posts_nothing_when_another_tool_posted_every_qc(tmp_path):
    run, pre, receipts = accessioned(tmp_path)
    theirs = post_as_another_tool(run, pre, receipts)
    assert len(theirs) >= 5  # star + mapping + quantification per replicate, one correlation
    before = all_quality_metrics(run)

    result = our_quality_job(run, pre, receipts)

    assert result.created == ()
    assert all_quality_metrics(run) == before == set(theirs)
    assert {q for ids in result.quality_metrics.values() for q in ids} == set(theirs)


def test_quality_job_posts_only_the_types_a_file_lacks(tmp_path):
    run, pre, receipts = accessioned(tmp_path)
    theirs = post_as_another_tool(run, pre, receipts,
                                  keep=lambda metric, _ids: metric.profile == "star-quality-metric")
    result = our_quality_job(run, pre, receipts)

    ours = [run.portal.get(q, database=True) for q in result.created]
    assert ours and all(type_name("star-quality-metric") not in q["@type"] for q in ours)
    assert all_quality_metrics(run) == set(theirs) | set(result.created)
    assert our_quality_job(run, pre, receipts).created == ()  # and a re-run adds nothing


@pytest.mark.parametrize(("profile", "portal_type"), [
    ("star-quality-metric", "StarQualityMetric"),
    ("micro-rna-mapping-quality-metric", "MicroRnaMappingQualityMetric"),
    # the portal's names, not the profile's CamelCase (encoded src/encoded/types)
    ("chip-alignment-samstat-quality-metric", "ChipAlignmentQualityMetric"),
    ("atac-library-complexity-quality-metric", "AtacLibraryQualityMetric")])
def test_type_names_are_the_portal_s(profile, portal_type):
    assert type_name(profile) == portal_type
