"""Accession ENCODE pipeline runs, track ENCODE experiments, record provenance."""

__version__ = "0.2.0"  # the one version string: the wheel, --version, CHANGELOG.md
