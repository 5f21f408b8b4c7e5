"""A local PostgreSQL server on a private port, for the PostgreSQL store and its tests."""
