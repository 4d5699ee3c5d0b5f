"""`DirectConnection`: lazily or durably synced transactions on one held driver connection,
rolled back on error, and handed back to the pool as durable as the pool gave it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from runwright.store.sql.database import Database
from runwright.store.sql.direct import DirectConnection

_METADATA = MetaData()
_ITEMS = Table(
    "items",
    _METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
)
_SQLITE_FULL = 2
_SQLITE_NORMAL = 1


def _sqlite(tmp_path: Path, *, busy_timeout: float = 5.0) -> Database:
    return Database(f"sqlite:///{tmp_path / 'direct.db'}", sqlite_busy_timeout=busy_timeout)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with an `items` table, on each SQL backend."""
    if request.param == "sqlite":
        created = _sqlite(tmp_path)
    else:
        created = Database(request.getfixturevalue("postgres_url"), sqlite_busy_timeout=5.0)
    _METADATA.create_all(created.engine)
    yield created
    created.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[DirectConnection]:
    opened = DirectConnection(database)
    yield opened
    opened.close()


def _add(connection: DirectConnection, item_id: int, name: str) -> int:
    return connection.execute(connection.compile(insert(_ITEMS)), {"id": item_id, "name": name})


def _names(connection: DirectConnection) -> list[str]:
    statement = connection.compile(select(_ITEMS.c.name).order_by(_ITEMS.c.id))
    return [row[0] for row in connection.fetch(statement, {})]


def _names_seen_by_a_new_connection(database: Database) -> list[str]:
    with database.engine.connect() as other:
        return list(other.scalars(select(_ITEMS.c.name).order_by(_ITEMS.c.id)))


def test_a_lazy_write_is_visible_to_a_new_connection(
    database: Database, connection: DirectConnection
) -> None:
    connection.write(lambda c: _add(c, 1, "lazy"))
    assert _names_seen_by_a_new_connection(database) == ["lazy"]


def test_a_durable_write_is_committed(database: Database, connection: DirectConnection) -> None:
    connection.write(lambda c: _add(c, 1, "durable"), durable=True)
    assert _names_seen_by_a_new_connection(database) == ["durable"]


def test_write_returns_what_the_work_returns(connection: DirectConnection) -> None:
    assert connection.write(lambda c: _add(c, 1, "one")) == 1  # the rows it changed


def test_an_error_inside_write_rolls_back_and_is_raised(
    database: Database, connection: DirectConnection
) -> None:
    connection.write(lambda c: _add(c, 1, "kept"))

    def half_done(c: DirectConnection) -> None:
        _add(c, 2, "undone")
        raise RuntimeError("in the middle")

    with pytest.raises(RuntimeError, match="in the middle"):
        connection.write(half_done)
    assert _names_seen_by_a_new_connection(database) == ["kept"]


def test_the_connection_writes_again_after_a_rolled_back_write(
    database: Database, connection: DirectConnection
) -> None:
    with pytest.raises(ZeroDivisionError):
        connection.write(lambda c: (_add(c, 1, "undone"), 1 / 0))
    connection.write(lambda c: _add(c, 1, "after"))
    assert _names_seen_by_a_new_connection(database) == ["after"]


def test_read_sees_committed_rows(database: Database, connection: DirectConnection) -> None:
    with database.engine.begin() as other:
        other.execute(insert(_ITEMS), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    connection.write(lambda c: _add(c, 3, "c"))
    assert connection.read(_names) == ["a", "b", "c"]


def test_execute_many_inserts_every_row(connection: DirectConnection) -> None:
    statement = connection.compile(insert(_ITEMS))
    connection.write(
        lambda c: c.execute_many(statement, [{"id": i, "name": f"n{i}"} for i in range(3)])
    )
    assert connection.read(_names) == ["n0", "n1", "n2"]


def _pooled_sqlite_synchronous(database: Database) -> int:
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA synchronous")
        [(value,)] = cursor.fetchall()
        return int(value)
    finally:
        raw.close()


def test_writes_are_lazily_synced_on_sqlite_while_the_connection_is_held(tmp_path: Path) -> None:
    database = _sqlite(tmp_path)
    connection = DirectConnection(database)
    try:
        synchronous = connection.compile(text("PRAGMA synchronous"))
        assert connection.fetch(synchronous, {}) == [(_SQLITE_NORMAL,)]
        connection.write(lambda c: None, durable=True)
        assert connection.fetch(synchronous, {}) == [(_SQLITE_NORMAL,)]  # restored after it
    finally:
        connection.close()
        database.dispose()


def test_close_hands_sqlite_back_with_synchronous_full(tmp_path: Path) -> None:
    database = _sqlite(tmp_path)
    _METADATA.create_all(database.engine)
    try:
        assert database.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        connection = DirectConnection(database)  # takes that one connection
        connection.write(lambda c: _add(c, 1, "lazy"))
        connection.close()
        assert database.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        assert _pooled_sqlite_synchronous(database) == _SQLITE_FULL
    finally:
        database.dispose()


def test_close_after_a_durable_write_still_restores_synchronous_full(tmp_path: Path) -> None:
    database = _sqlite(tmp_path)
    _METADATA.create_all(database.engine)
    try:
        connection = DirectConnection(database)
        connection.write(lambda c: _add(c, 1, "durable"), durable=True)
        connection.close()
        assert _pooled_sqlite_synchronous(database) == _SQLITE_FULL
    finally:
        database.dispose()


@pytest.mark.postgres
def test_close_resets_synchronous_commit_on_postgres(postgres_url: str) -> None:
    database = Database(postgres_url, sqlite_busy_timeout=5.0)
    try:
        name = database.engine.url.database
        with database.engine.connect() as admin:
            # The test cluster runs with synchronous_commit off; make "on" this
            # database's default so that a reset is told apart from a leftover OFF.
            admin.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO on'))
            admin.commit()
        database.engine.dispose()
        connection = DirectConnection(database)
        connection.write(lambda c: None)
        connection.close()
        with database.engine.connect() as pooled:
            assert database.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
            assert pooled.scalar(text("SHOW synchronous_commit")) == "on"
    finally:
        database.dispose()


def test_a_write_waits_for_another_connection_to_release_the_sqlite_lock(tmp_path: Path) -> None:
    database = _sqlite(tmp_path, busy_timeout=0.05)
    _METADATA.create_all(database.engine)
    blocker = sqlite3.connect(tmp_path / "direct.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.3, blocker.execute, args=("ROLLBACK",))
    released.start()
    connection = DirectConnection(database)
    try:
        connection.write(lambda c: _add(c, 1, "after the wait"))
        assert connection.read(_names) == ["after the wait"]
    finally:
        released.join()
        blocker.close()
        connection.close()
        database.dispose()


def test_an_error_that_is_not_a_lock_is_not_retried(connection: DirectConnection) -> None:
    calls: list[Any] = []

    def failing(c: DirectConnection) -> None:
        calls.append(c)
        raise ValueError("not a lock")

    with pytest.raises(ValueError, match="not a lock"):
        connection.write(failing)
    assert len(calls) == 1


# -- batches ---------------------------------------------------------------------------


def test_writes_in_a_batch_are_committed_when_it_ends(
    database: Database, connection: DirectConnection
) -> None:
    with connection.batch():
        connection.write(lambda c: _add(c, 1, "first"))
        connection.write(lambda c: _add(c, 2, "second"))
        assert _names_seen_by_a_new_connection(database) == []  # not committed yet
    assert _names_seen_by_a_new_connection(database) == ["first", "second"]


def test_a_batch_sees_its_own_writes(connection: DirectConnection) -> None:
    with connection.batch():
        connection.write(lambda c: _add(c, 1, "mine"))
        assert connection.read(_names) == ["mine"]


def test_a_failed_write_in_a_batch_is_undone_alone(
    database: Database, connection: DirectConnection
) -> None:
    def half_done(c: DirectConnection) -> None:
        _add(c, 2, "undone")
        raise RuntimeError("in the middle")

    with connection.batch():
        connection.write(lambda c: _add(c, 1, "before"))
        with pytest.raises(RuntimeError, match="in the middle"):
            connection.write(half_done)
        connection.write(lambda c: _add(c, 3, "after"))
    assert _names_seen_by_a_new_connection(database) == ["before", "after"]


def test_a_batch_ended_by_an_error_keeps_its_whole_writes(
    database: Database, connection: DirectConnection
) -> None:
    with pytest.raises(KeyboardInterrupt), connection.batch():
        connection.write(lambda c: _add(c, 1, "kept"))
        raise KeyboardInterrupt
    assert _names_seen_by_a_new_connection(database) == ["kept"]


def test_a_durable_write_in_a_batch_commits_what_came_before(
    database: Database, connection: DirectConnection
) -> None:
    with connection.batch():
        connection.write(lambda c: _add(c, 1, "lazy"))
        connection.write(lambda c: _add(c, 2, "durable"), durable=True)
        assert _names_seen_by_a_new_connection(database) == ["lazy", "durable"]
        connection.write(lambda c: _add(c, 3, "later"))
    assert _names_seen_by_a_new_connection(database) == ["lazy", "durable", "later"]


def test_another_writer_waits_for_the_batch_not_for_the_block(tmp_path: Path) -> None:
    database = _sqlite(tmp_path, busy_timeout=5.0)
    _METADATA.create_all(database.engine)
    connection = DirectConnection(database)
    try:
        with connection.batch():
            pass  # nothing written: no transaction, no lock
        other = sqlite3.connect(tmp_path / "direct.db", isolation_level=None, timeout=0.05)
        other.execute("BEGIN IMMEDIATE")  # would time out if the batch held the lock
        other.execute("ROLLBACK")
        other.close()
    finally:
        connection.close()
        database.dispose()


def test_the_write_lock_is_free_after_a_batch(database: Database) -> None:
    connection = DirectConnection(database)
    try:
        with connection.batch():
            connection.write(lambda c: _add(c, 1, "batched"))
        if database.write_lock is not None:
            assert database.write_lock.acquire(blocking=False)
            database.write_lock.release()
        connection.write(lambda c: _add(c, 2, "single"))
        assert connection.read(_names) == ["batched", "single"]
    finally:
        connection.close()


def test_batches_nest_into_the_outer_one(database: Database, connection: DirectConnection) -> None:
    with connection.batch():
        with connection.batch():
            connection.write(lambda c: _add(c, 1, "inner"))
        connection.write(lambda c: _add(c, 2, "outer"))
    assert _names_seen_by_a_new_connection(database) == ["inner", "outer"]
