"""Quality-metric builders, registered under the names the steps files use.

A builder turns a pipeline's own QC outputs (JSON, text, plots) for one planned file into a
portal quality-metric payload. Builders are pure: they read through the context, so tests
can feed them the real pipelines' QC files. One small module per pipeline family.
"""

from __future__ import annotations

from . import (  # noqa: F401  (importing registers the builders)
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
from .callbacks import CALLBACKS, PREFERRED_DEFAULT_VALUE
from .registry import BUILDERS, Metric, QcContext, build

__all__ = ["BUILDERS", "CALLBACKS", "PREFERRED_DEFAULT_VALUE", "Metric", "QcContext", "build"]
