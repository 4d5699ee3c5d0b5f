"""Schema versions: create a new database, refuse an outdated one, upgrade on request.

A fresh, empty database is created at the head revision when first opened, so the
embedded default needs no setup. A database at another revision is never migrated
silently: opening it raises StoreSchemaError that names `runwright db upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from runwright.errors import StoreSchemaError
from runwright.store.sql.database import Database

__all__ = ["HEAD_REVISION", "create_fresh", "current_revision", "ensure_schema", "upgrade"]

# Pinned so that opening a store does not import Alembic; a test checks it matches
# the newest script in migrations/versions.
HEAD_REVISION = "0004"
_MIGRATIONS = Path(__file__).with_name("migrations")


def current_revision(connection: Connection) -> str | None:
    """The revision stamped in the database, or None for a database without our schema."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(database: Database, *, revision: str = "head") -> None:
    """Bring the schema to `revision` (creating it in an empty database)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    # A write transaction from the start: two processes creating one new SQLite
    # database must queue, not fail upgrading a read lock; the second then finds the
    # schema at head and has nothing to do.
    with database.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def create_fresh(database: Database) -> None:
    """Build the head schema in an empty database straight from the table definitions
    and stamp it, without Alembic: a new store is ready in milliseconds. The test suite
    checks that the migrations build exactly this schema."""
    from runwright.store.sql.schema import Base

    with database.write_engine.begin() as connection:
        if inspect(connection).get_table_names():
            return  # another process created it first
        Base.metadata.create_all(connection)
        connection.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:head)"),
            {"head": HEAD_REVISION},
        )


def _stamped_revision(database: Database) -> str | None:
    """The stamped revision, in one query: what every open of a current store costs."""
    try:
        with database.engine.connect() as connection:
            found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except SQLAlchemyError:
        return None  # no such table: a new database, or not ours (told apart below)
    return str(found) if found is not None else None


def ensure_schema(database: Database, *, display_uri: str) -> None:
    """Create the schema in an empty database; refuse one at another revision."""
    if _stamped_revision(database) == HEAD_REVISION:
        return
    # Another process may create the schema at any moment (several server workers
    # opening one new store). It commits the tables and the stamp together, so the
    # tables are read first: tables seen without a stamp after them are not ours.
    with database.engine.connect() as connection:
        has_tables = bool(inspect(connection).get_table_names())
        revision = current_revision(connection) if has_tables else None
    if not has_tables:
        try:
            create_fresh(database)
        except SQLAlchemyError:
            # Another process may have created it at the same moment; that is fine.
            if _stamped_revision(database) != HEAD_REVISION:
                raise
        return
    if revision == HEAD_REVISION:
        return
    found = "no Runwright schema" if revision is None else f"schema revision {revision}"
    raise StoreSchemaError(
        f"the database at {display_uri} has {found}, but this Runwright needs revision "
        f"{HEAD_REVISION}; run `runwright db upgrade {display_uri}` to migrate it"
    )
