"""Snakemake's name for the ENCODE storage plugin: Snakemake loads every installed top-level
package called ``snakemake_storage_plugin_<name>`` as storage provider ``<name>``. The
plugin lives in ``encode_accession.plugins.storage``; this package only names it."""

from encode_accession.plugins.storage import (
    StorageObject,
    StorageProvider,
    StorageProviderSettings,
)

__all__ = ["StorageObject", "StorageProvider", "StorageProviderSettings"]
