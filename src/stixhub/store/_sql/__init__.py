"""The SQL implementation of the Store, for SQLite and PostgreSQL."""
