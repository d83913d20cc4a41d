"""The experiment tracker: a local SQLite collection of ENCODE experiments a lab works with.

    from encode_accession.portal import PortalClient
    from encode_accession.tracker import connect, track, cite

    conn = connect()                      # ~/.encode_connector/tracker.db or $ENCODE_TRACKER_DB
    track(conn, PortalClient("prod"), "ENCSR000AKS", notes="liver H3K27ac")
    print(cite(conn, fmt="bibtex"))

See docs/tracker.md for the commands, the schema and how migrations work.
"""

from encode_accession.database.schema import MIGRATIONS, Migration
from encode_accession.database.sqlite import connect, default_db_path, write
from encode_accession.tracker.compare import Comparison, compare
from encode_accession.tracker.search import facet_counts, search_experiments
from encode_accession.tracker.service import (
    TrackResult,
    cite,
    compare_tracked,
    export_tracked,
    fetch_experiment,
    track,
)
from encode_accession.tracker.store import (
    count_experiments,
    derived_files_from,
    get_experiment,
    iter_experiments,
    link_reference,
    pipelines_of,
    publications_of,
    quality_metrics_of,
    raw_metadata,
    references_of,
    save_tracked,
    summarize,
)
from encode_accession.tracker.workflow import track_entries, track_to_receipt

__all__ = [
    "MIGRATIONS", "Comparison", "Migration", "TrackResult", "cite", "compare", "compare_tracked",
    "connect", "count_experiments", "default_db_path", "derived_files_from", "export_tracked",
    "facet_counts", "fetch_experiment", "get_experiment", "iter_experiments", "link_reference",
    "pipelines_of", "publications_of", "quality_metrics_of", "raw_metadata",
    "references_of", "save_tracked", "search_experiments", "summarize",
    "track", "track_entries", "track_to_receipt", "write",
]
