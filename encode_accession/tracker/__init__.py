"""The experiment tracker: a local SQLite collection of ENCODE experiments a lab works with.

    from encode_accession.portal import PortalClient
    from encode_accession.tracker import connect, track, cite

    conn = connect()                      # ~/.encode_connector/tracker.db or $ENCODE_TRACKER_DB
    track(conn, PortalClient("prod"), "ENCSR000AKS", notes="liver H3K27ac")
    print(cite(conn, fmt="bibtex"))

See docs/tracker.md for the commands, the schema and how migrations work.
"""

from .compare import Comparison, compare
from .db import MIGRATIONS, Migration, connect, default_db_path, write
from .search import facet_counts, search_experiments
from .service import (
    TrackResult,
    cite,
    compare_tracked,
    export_tracked,
    fetch_experiment,
    track,
)
from .store import (
    count_experiments,
    derived_files_from,
    get_experiment,
    iter_experiments,
    link_reference,
    pipelines_of,
    publications_of,
    quality_metrics_of,
    raw_metadata,
    record_derived_file,
    references_of,
    save_tracked,
    summarize,
)
from .workflow import track_entries, track_to_receipt

__all__ = [
    "MIGRATIONS", "Comparison", "Migration", "TrackResult", "cite", "compare", "compare_tracked",
    "connect", "count_experiments", "default_db_path", "derived_files_from", "export_tracked",
    "facet_counts", "fetch_experiment", "get_experiment", "iter_experiments", "link_reference",
    "pipelines_of", "publications_of", "quality_metrics_of", "raw_metadata",
    "record_derived_file", "references_of", "save_tracked", "search_experiments", "summarize",
    "track", "track_entries", "track_to_receipt", "write",
]
