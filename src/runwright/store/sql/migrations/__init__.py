"""Alembic migrations of the SQL store (`runwright db upgrade`)."""
