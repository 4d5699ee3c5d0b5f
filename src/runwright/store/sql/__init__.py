"""SQLAlchemy implementation of the store interfaces (SQLite and PostgreSQL)."""
