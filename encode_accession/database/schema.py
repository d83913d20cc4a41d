"""The database's schema, as the ordered list of migrations that build it.

The version is ``PRAGMA user_version``; a later feature adds a table or a column by appending
one :class:`Migration`, and a database made by an older release is upgraded on first open
(:func:`encode_accession.database.sqlite.migrate`). Tracker, provenance and run-record tables
all live here, so one file, one schema version and one transaction cover them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema change: statements run in order inside the migrating transaction."""

    version: int
    description: str
    statements: tuple[str, ...]


_EXPERIMENT_CHILD = (
    "experiment_accession TEXT NOT NULL "
    "REFERENCES tracked_experiments(accession) ON DELETE CASCADE"
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tracked experiments, their terms, publications, pipelines, QC metrics, "
                 "derived files and external references", (
        # Multi-valued fields (organism, organ, assembly, life_stage) are JSON arrays here
        # for reading whole rows, and one row per value in experiment_terms for exact,
        # indexed matching. raw_metadata is the last column: reading the other columns of
        # a row never walks its overflow pages.
        """CREATE TABLE tracked_experiments (
            accession TEXT PRIMARY KEY,
            assay_title TEXT COLLATE NOCASE,
            target TEXT COLLATE NOCASE,
            biosample TEXT COLLATE NOCASE,
            biosample_summary TEXT,
            biosample_type TEXT COLLATE NOCASE,
            organism TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(organism)),
            organ TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(organ)),
            life_stage TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(life_stage)),
            status TEXT COLLATE NOCASE,
            date_released TEXT,
            lab TEXT COLLATE NOCASE,
            award TEXT,
            assembly TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(assembly)),
            replication_type TEXT,
            description TEXT,
            url TEXT,
            notes TEXT,
            tracked_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            raw_metadata_bytes INTEGER NOT NULL,
            raw_metadata_dropped TEXT CHECK (raw_metadata_dropped IS NULL
                                             OR json_valid(raw_metadata_dropped)),
            raw_metadata TEXT NOT NULL CHECK (length(CAST(raw_metadata AS BLOB)) <= 524288)
        )""",
        "CREATE INDEX ix_experiments_assay_title ON tracked_experiments(assay_title)",
        "CREATE INDEX ix_experiments_biosample_type ON tracked_experiments(biosample_type)",
        # The organism and organ indexes: (field, value) leads the primary key.
        """CREATE TABLE experiment_terms (
            accession TEXT NOT NULL
                REFERENCES tracked_experiments(accession) ON DELETE CASCADE,
            field TEXT NOT NULL,
            value TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY (field, value, accession)
        ) WITHOUT ROWID""",
        "CREATE INDEX ix_terms_accession ON experiment_terms(accession)",
        f"""CREATE TABLE publications (
            id INTEGER PRIMARY KEY,
            {_EXPERIMENT_CHILD},
            publication_id TEXT,
            pmid TEXT,
            doi TEXT,
            title TEXT,
            authors TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(authors)),
            author_count INTEGER NOT NULL DEFAULT 0,
            journal TEXT,
            year INTEGER,
            volume TEXT,
            issue TEXT,
            pages TEXT,
            abstract TEXT,
            UNIQUE (experiment_accession, pmid)
        )""",
        "CREATE INDEX ix_publications_pmid ON publications(pmid)",
        f"""CREATE TABLE pipeline_info (
            id INTEGER PRIMARY KEY,
            {_EXPERIMENT_CHILD},
            pipeline_title TEXT,
            pipeline_accession TEXT,
            analysis_accession TEXT,
            analysis_title TEXT,
            version TEXT,
            software TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(software)),
            analysis_status TEXT
        )""",
        "CREATE UNIQUE INDEX ux_pipeline_info ON pipeline_info(experiment_accession, "
        "ifnull(pipeline_accession, ''), ifnull(analysis_accession, ''))",
        f"""CREATE TABLE quality_metrics (
            id INTEGER PRIMARY KEY,
            {_EXPERIMENT_CHILD},
            file_accession TEXT NOT NULL,
            metric_id TEXT NOT NULL,
            metric_type TEXT NOT NULL,
            metric_data TEXT NOT NULL CHECK (json_valid(metric_data)),
            UNIQUE (experiment_accession, file_accession, metric_id)
        )""",
        "CREATE INDEX ix_quality_metrics_file ON quality_metrics(file_accession)",
        """CREATE TABLE derived_files (
            id INTEGER PRIMARY KEY,
            file_path TEXT NOT NULL UNIQUE,
            source_accessions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(source_accessions)),
            tool TEXT,
            parameters TEXT,
            description TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        f"""CREATE TABLE external_references (
            id INTEGER PRIMARY KEY,
            {_EXPERIMENT_CHILD},
            reference_type TEXT NOT NULL CHECK (reference_type IN
                ('pmid', 'doi', 'geo_accession', 'nct_id', 'biorxiv_doi', 'dbgap')),
            reference_id TEXT NOT NULL,
            description TEXT,
            origin TEXT NOT NULL CHECK (origin IN ('portal', 'user')),
            created_at TEXT NOT NULL,
            UNIQUE (experiment_accession, reference_type, reference_id)
        )""",
    )),
    Migration(2, "provenance: file versions with checksums, their sources as join rows, and "
                 "the activities (user tools, accessioning step runs) that made them", (
        # derived_files stays the one row per location (absolute path or pipeline URI), its
        # tool/parameters/source_accessions a summary of the current version. The history is
        # here: every content change is a new version; sources are join rows naming either
        # an accession or an earlier version, so lineage is exact and many steps deep.
        """CREATE TABLE provenance_activities (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('tool', 'accessioning')),
            tool TEXT,
            tool_version TEXT,
            parameters TEXT CHECK (parameters IS NULL OR json_valid(parameters)),
            description TEXT,
            rule TEXT,
            step_run TEXT,
            workflow_id TEXT,
            docker_image TEXT,
            server TEXT,
            lab TEXT,
            recorded_at TEXT NOT NULL,
            CHECK (kind = 'tool' OR (step_run IS NOT NULL AND server IS NOT NULL))
        )""",
        "CREATE UNIQUE INDEX ux_activities_step_run ON provenance_activities(server, step_run) "
        "WHERE kind = 'accessioning'",
        """CREATE TABLE file_versions (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES derived_files(id) ON DELETE CASCADE,
            version INTEGER NOT NULL CHECK (version >= 1),
            sha256 TEXT,
            md5 TEXT,
            size INTEGER,
            mtime_ns INTEGER,
            accession TEXT,
            portal_id TEXT,
            activity_id INTEGER REFERENCES provenance_activities(id),
            recorded_at TEXT NOT NULL,
            UNIQUE (file_id, version)
        )""",
        "CREATE INDEX ix_file_versions_accession ON file_versions(accession) "
        "WHERE accession IS NOT NULL",
        "CREATE INDEX ix_file_versions_activity ON file_versions(activity_id)",
        """CREATE TABLE version_sources (
            version_id INTEGER NOT NULL REFERENCES file_versions(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            accession TEXT,
            source_version_id INTEGER REFERENCES file_versions(id),
            CHECK ((accession IS NULL) <> (source_version_id IS NULL)),
            PRIMARY KEY (version_id, position)
        ) WITHOUT ROWID""",
        "CREATE INDEX ix_version_sources_accession ON version_sources(accession) "
        "WHERE accession IS NOT NULL",
        "CREATE INDEX ix_version_sources_source ON version_sources(source_version_id) "
        "WHERE source_version_id IS NOT NULL",
        # Rows noted before this migration become version 1 (no checksum: never read), with
        # their tool as an activity (ids reused: both tables are empty here) and their
        # source accessions as join rows; free-text parameters are kept as a JSON string.
        "INSERT INTO provenance_activities (id, kind, tool, parameters, description, "
        "recorded_at) SELECT id, 'tool', tool, CASE WHEN parameters IS NULL OR "
        "json_valid(parameters) THEN parameters ELSE json_quote(parameters) END, description, "
        "updated_at FROM derived_files",
        "INSERT INTO file_versions (id, file_id, version, activity_id, recorded_at) "
        "SELECT id, id, 1, id, updated_at FROM derived_files",
        "INSERT INTO version_sources (version_id, position, accession) "
        "SELECT d.id, s.key, s.value FROM derived_files d, json_each(d.source_accessions) s",
    )),
    Migration(3, "lab and award as the portal's identifiers with their titles alongside; "
                 "raw metadata in its own table; filter indexes that also give the list "
                 "order", (
        # lab and award held a title and a name; they become the @ids (/labs/x/, /awards/y/)
        # the portal links by, read back from the stored portal JSON, titles in new columns.
        "ALTER TABLE tracked_experiments ADD COLUMN lab_title TEXT COLLATE NOCASE",
        "ALTER TABLE tracked_experiments ADD COLUMN award_title TEXT",
        "UPDATE tracked_experiments SET lab_title = lab, award_title = coalesce("
        "json_extract(raw_metadata, '$.award.title'), award), "
        "lab = coalesce(json_extract(raw_metadata, '$.lab.\"@id\"'), CASE WHEN "
        "json_type(raw_metadata, '$.lab') = 'text' THEN json_extract(raw_metadata, '$.lab') "
        "END, lab), "
        "award = coalesce(json_extract(raw_metadata, '$.award.\"@id\"'), CASE WHEN "
        "json_type(raw_metadata, '$.award') = 'text' THEN json_extract(raw_metadata, "
        "'$.award') END, award)",
        # The portal JSON (up to 512 KB) moves out of the experiment rows: with it, a row
        # spilled over overflow pages and even its first columns cost several page reads,
        # so every list, filter and export paid for JSON it never read.
        """CREATE TABLE experiment_raw (
            accession TEXT PRIMARY KEY
                REFERENCES tracked_experiments(accession) ON DELETE CASCADE,
            raw_metadata TEXT NOT NULL CHECK (length(CAST(raw_metadata AS BLOB)) <= 524288)
        )""",
        "INSERT INTO experiment_raw (accession, raw_metadata) "
        "SELECT accession, raw_metadata FROM tracked_experiments",
        "ALTER TABLE tracked_experiments DROP COLUMN raw_metadata",
        # (value, accession): an exact filter reads its rows from the index already in list
        # order, so SQLite no longer prefers walking the primary key to skip a sort.
        "DROP INDEX ix_experiments_assay_title",
        "DROP INDEX ix_experiments_biosample_type",
        *(f"CREATE INDEX ix_experiments_{column} ON tracked_experiments({column}, accession)"
          for column in ("assay_title", "biosample_type", "biosample", "target", "status",
                         "lab", "lab_title")),
    )),
    Migration(4, "what accessioned files and their portal inputs are: output type and format "
                 "of files, the analysis step of step runs, the role of inputs found on the "
                 "portal", (
        "ALTER TABLE file_versions ADD COLUMN output_type TEXT",
        "ALTER TABLE file_versions ADD COLUMN file_format TEXT",
        "ALTER TABLE provenance_activities ADD COLUMN step_name TEXT",
        "ALTER TABLE provenance_activities ADD COLUMN step_version TEXT",
        # An accessioning run's inputs (fastqs, references) found on the portal by md5: the
        # sources of its first files, described so a report says what they are.
        """CREATE TABLE portal_sources (
            accession TEXT PRIMARY KEY,
            portal_id TEXT,
            file_name TEXT,
            output_type TEXT,
            role TEXT NOT NULL CHECK (role IN ('fastq', 'reference')),
            filekey TEXT,
            server TEXT,
            recorded_at TEXT NOT NULL
        )""",
    )),
    Migration(5, "accessioning runs (what `info` lists): each run with its labels, files and "
              "their QC, one record per workflow and server (IF NOT EXISTS: databases made "
              "before this migration may have them)", (
        """CREATE TABLE IF NOT EXISTS accession_runs (
            id INTEGER PRIMARY KEY,
            experiment TEXT NOT NULL,
            workflow_id TEXT NOT NULL,
            server TEXT NOT NULL DEFAULT '',
            date_created TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
            UNIQUE (workflow_id, server)
        )""",
        """CREATE TABLE IF NOT EXISTS accession_run_labels (
            run INTEGER NOT NULL REFERENCES accession_runs(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS accession_run_files (
            id INTEGER PRIMARY KEY,
            run INTEGER NOT NULL REFERENCES accession_runs(id) ON DELETE CASCADE,
            portal_id TEXT NOT NULL,
            status TEXT,
            created INTEGER NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS accession_run_qc (
            file INTEGER NOT NULL REFERENCES accession_run_files(id) ON DELETE CASCADE,
            portal_id TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS accession_runs_experiment ON accession_runs(experiment)",
        "CREATE INDEX IF NOT EXISTS accession_run_labels_run ON accession_run_labels(run)",
        "CREATE INDEX IF NOT EXISTS accession_run_files_run ON accession_run_files(run)",
        "CREATE INDEX IF NOT EXISTS accession_run_qc_file ON accession_run_qc(file)",
    )),
    Migration(6, "nothing a user stored is lost: one portal record per (file version, "
                 "server), and the files of each tracked experiment", (
        # An accessioned file posted to two portals has two accessions (and two step-run
        # activities); file_versions keeps the first as its summary, this table keeps each,
        # so `provenance <first accession>` still finds the file after the second run.
        """CREATE TABLE version_accessions (
            version_id INTEGER NOT NULL REFERENCES file_versions(id) ON DELETE CASCADE,
            server TEXT NOT NULL,
            accession TEXT,
            portal_id TEXT,
            activity_id INTEGER REFERENCES provenance_activities(id),
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (version_id, server)
        ) WITHOUT ROWID""",
        "CREATE INDEX ix_version_accessions_accession ON version_accessions(accession) "
        "WHERE accession IS NOT NULL",
        "INSERT INTO version_accessions (version_id, server, accession, portal_id, "
        "activity_id, recorded_at) SELECT v.id, coalesce(a.server, ''), v.accession, "
        "v.portal_id, v.activity_id, v.recorded_at FROM file_versions v LEFT JOIN "
        "provenance_activities a ON a.id = v.activity_id WHERE v.accession IS NOT NULL "
        "OR v.portal_id IS NOT NULL",
        # The files the portal lists for a tracked experiment, so a derived file made from
        # one of them has a tracked source (not only the files that carry QC metrics).
        f"""CREATE TABLE experiment_files (
            {_EXPERIMENT_CHILD},
            file_accession TEXT NOT NULL,
            PRIMARY KEY (file_accession, experiment_accession)
        ) WITHOUT ROWID""",
        "CREATE INDEX ix_experiment_files_experiment ON experiment_files(experiment_accession)",
        # What the stored portal JSON still lists (a trimmed copy has no files: re-tracking
        # the experiment fills them in).
        "INSERT OR IGNORE INTO experiment_files (experiment_accession, file_accession) "
        "SELECT r.accession, upper(coalesce(json_extract(f.value, '$.accession'), "
        "rtrim(replace(f.value, '/files/', ''), '/'))) FROM experiment_raw r, "
        "json_each(r.raw_metadata, '$.files') f WHERE json_type(r.raw_metadata, '$.files') "
        "= 'array' AND (f.type = 'object' AND json_extract(f.value, '$.accession') IS NOT "
        "NULL OR f.type = 'text' AND f.value LIKE '/files/%')",
    )),
)
