"""Schema versions: created when empty, refused when outdated, migrated on request."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from runwright import StoreSchemaError
from runwright.errors import StoreUnavailableError
from runwright.settings import Settings
from runwright.store.registry import open_store
from runwright.store.sql import migrate
from runwright.store.sql.database import Database
from runwright.store.sql.factory import upgrade_sql_store
from runwright.store.sql.migrate import _MIGRATIONS, HEAD_REVISION, current_revision, upgrade


def test_head_revision_matches_the_newest_migration() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_migrations_build_exactly_the_orm_schema(sql_tracking_uri: str) -> None:
    """A new store is created from the table definitions; an upgraded one by the
    migrations. Both must be the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runwright.store.sql.factory import locate
    from runwright.store.sql.schema import Base

    if "://" not in sql_tracking_uri:
        Path(sql_tracking_uri).mkdir(parents=True)
    database = Database(locate(sql_tracking_uri, Settings()).database_url, sqlite_busy_timeout=5)
    try:
        upgrade(database)
        with database.engine.connect() as connection:
            assert current_revision(connection) == HEAD_REVISION
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


def test_a_new_store_is_created_at_the_head_revision(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "fresh"), Settings())
    database: Database = store.database  # type: ignore[attr-defined]
    with database.engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
    store.close()


def test_an_outdated_schema_is_refused_with_the_upgrade_command(tmp_path: Path) -> None:
    home = tmp_path / "rw"
    open_store(str(home), Settings()).close()
    database = Database(f"sqlite:///{home}/runwright.db", sqlite_busy_timeout=5)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    database.dispose()
    with pytest.raises(StoreSchemaError, match="runwright db upgrade"):
        open_store(str(home), Settings())


def test_a_foreign_database_is_not_touched(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/other.db", sqlite_busy_timeout=5)
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE mine (x INTEGER)"))
    database.dispose()
    with pytest.raises(StoreSchemaError, match="no Runwright schema"):
        open_store(f"sqlite:///{tmp_path}/other.db", Settings())


def test_db_upgrade_creates_the_schema(postgres_url: str) -> None:
    assert upgrade_sql_store(postgres_url, Settings()) == HEAD_REVISION
    database = Database(postgres_url, sqlite_busy_timeout=5)
    with database.engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
    database.dispose()


def test_an_unreachable_database_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreUnavailableError, match="cannot open"):
        open_store(f"postgresql://nobody:secret@127.0.0.1:{port}/x", Settings())


def test_the_password_is_not_shown_in_errors() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(f"postgresql://nobody:secret@127.0.0.1:{port}/x", Settings())
    assert "secret" not in caught.value.message


def test_a_store_created_by_another_process_mid_open_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two server workers open one new store: the second finds no stamp, then, before it
    looks at the tables, the first commits the whole schema. The second must take that
    schema as its own, not refuse it as a foreign database."""
    home = tmp_path / "rw"
    first_look = migrate._stamped_revision

    def another_process_creates_it_now(database: Database) -> str | None:
        revision = first_look(database)
        monkeypatch.setattr(migrate, "_stamped_revision", first_look)
        open_store(str(home), Settings()).close()
        return revision

    monkeypatch.setattr(migrate, "_stamped_revision", another_process_creates_it_now)
    store = open_store(str(home), Settings())
    database: Database = store.database  # type: ignore[attr-defined]
    with database.engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
    store.close()


def test_processes_opening_a_store_at_once_all_get_its_default_experiment(
    postgres_url: str,
) -> None:
    """A server's workers open a new store together: each may find no default
    experiment and insert it; the ones that lose that race must open the store too."""
    import threading

    open_store(postgres_url, Settings()).close()
    database = Database(postgres_url, sqlite_busy_timeout=5.0)
    try:
        with database.engine.begin() as connection:
            connection.execute(text('DELETE FROM "experiments" WHERE "experiment_id" = 0'))
    finally:
        database.dispose()
    start, errors = threading.Barrier(6), []

    def open_once() -> None:
        start.wait()
        try:
            open_store(postgres_url, Settings()).close()
        except Exception as exc:
            errors.append(exc)

    openers = [threading.Thread(target=open_once) for _ in range(6)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(60)
    assert errors == []
    store = open_store(postgres_url, Settings())
    try:
        assert store.get_experiment(experiment_id="0").name == "Default"
    finally:
        store.close()
