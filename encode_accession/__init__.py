"""Accession ENCODE pipeline runs, track ENCODE experiments, record provenance."""

__version__ = "0.1.0"
