"""The machine's one SQLite database: connections, migrations and the schema."""
