"""Quality-metric builders, registered under the names the steps files use.

A builder turns a pipeline's own QC outputs (JSON, text, plots) for one planned file into a
portal quality-metric payload. Builders are pure: they read through the context, so tests
can feed them the real pipelines' QC files. One small module per pipeline family.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from encode_accession.core.errors import InputError, InputErrors
from encode_accession.qc import (  # noqa: F401  (importing registers the builders)
    atac,
    chip,
    dnase,
    hic,
    long_read,
    mirna,
    rna,
    segway,
    wgbs,
)
from encode_accession.qc.callbacks import CALLBACKS, PREFERRED_DEFAULT_VALUE
from encode_accession.qc.registry import BUILDERS, Metric, QcContext, build

if TYPE_CHECKING:
    from encode_accession.planning.steps import StepsFile


def check_names(steps: StepsFile) -> None:
    """The QC, callback and preferred-default names a steps file uses must be ones this
    package builds, so a typo fails when the run is planned and not halfway through it.
    (Kept here, not in ``steps``: the steps format does not depend on the builders.)"""
    errors = []
    for step in steps.steps:
        for j, spec in enumerate(step.files):
            where = f"accession.steps[{step.index}].wdl_files[{j}]"
            for kind, names, known in (("quality_metrics", spec.quality_metrics, BUILDERS),
                                       ("callbacks", spec.callbacks, CALLBACKS)):
                errors += [InputError(steps.path, f"{where}.{kind}", f"unknown name '{name}'",
                                      f"use one of: {', '.join(sorted(known))}")
                           for name in names if name not in known]
    metric = steps.facts.preferred_default_metric
    if metric is not None and metric not in PREFERRED_DEFAULT_VALUE:
        errors.append(InputError(steps.path, "preferred_default_metric",
                                 f"unknown name '{metric}'",
                                 f"use one of: {', '.join(sorted(PREFERRED_DEFAULT_VALUE))}"))
    if errors:
        raise InputErrors(errors)


__all__ = ["BUILDERS", "CALLBACKS", "PREFERRED_DEFAULT_VALUE", "Metric", "QcContext", "build",
           "check_names"]
