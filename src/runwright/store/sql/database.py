"""Engines and transactions for SQLite and PostgreSQL.

SQLite writers take the write lock when their transaction begins (BEGIN IMMEDIATE):
a deferred transaction that reads first and then writes can fail with "database is
locked" without waiting, which is the classic source of errors under concurrent
writers. Readers stay deferred, so in WAL mode they never wait for writers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

__all__ = ["Database", "is_lock_error", "normalise_url"]

T = TypeVar("T")
_WRITE_OPTION = "runwright_write"
_LAZY_SYNC_OPTION = "runwright_lazy_sync"
_LOCKED_RETRIES = 8


def normalise_url(url: str) -> str:
    """Pick the drivers Runwright ships with (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_url(url: str) -> URL:
    """The parsed URL. SQLAlchemy parses a URL string with a regular expression it
    compiles on first use (about 1 ms); a plain SQLite file URL, the embedded default,
    is simple enough to take apart here."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix) and "?" not in url and "%" not in url:
        return URL.create("sqlite", database=url[len(prefix) :])
    return make_url(url)


class Database:
    """An engine plus the two kinds of transaction the store uses: read and write."""

    def __init__(self, url: str, *, sqlite_busy_timeout: float) -> None:
        self.url = normalise_url(url)
        self.dialect = _engine_url(self.url).get_backend_name()
        self.engine = self._create_engine(sqlite_busy_timeout)
        # SQLite has one writer at a time anyway; threads of one process (a server's
        # workers) queue here instead of spinning on the file lock.
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None

    def _create_engine(self, busy_timeout: float) -> Engine:
        if self.dialect != "sqlite":
            # JIT compilation costs more than it saves on the store's short queries.
            return create_engine(
                self.url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}
            )
        engine = create_engine(_engine_url(self.url), connect_args={"timeout": busy_timeout})
        _configure_sqlite(engine, busy_timeout)
        return engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error.

        ``durable=False`` skips the flush to disk at commit: the write survives a crash
        of the process but not of the machine, until the next durable commit (which
        makes it durable too). For records nobody has been promised yet, such as "this
        step started".
        """
        engine = self.write_engine if durable else self._lazy_write_engine
        with Session(engine, expire_on_commit=False) as session, session.begin():
            if not durable and self.dialect == "postgresql":
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            yield session

    @property
    def write_lock(self) -> threading.Lock | None:
        """Held by every writer of this process to SQLite (None on PostgreSQL)."""
        return self._write_lock

    # Made on first use: a run that writes only through `direct` never needs them.
    @cached_property
    def write_engine(self) -> Engine:
        """The engine whose transactions take SQLite's write lock when they begin."""
        return self.engine.execution_options(**{_WRITE_OPTION: True})

    @cached_property
    def _lazy_write_engine(self) -> Engine:
        return self.engine.execution_options(**{_WRITE_OPTION: True, _LAZY_SYNC_OPTION: True})

    def run_write(self, work: Callable[[Session], T], *, durable: bool = True) -> T:
        """Run `work` in a write transaction, retrying if SQLite reports a lock timeout."""
        for attempt in range(_LOCKED_RETRIES):
            try:
                if self._write_lock is None:
                    with self.write(durable=durable) as session:
                        return work(session)
                with self._write_lock, self.write(durable=durable) as session:
                    return work(session)
            except OperationalError as exc:
                if not is_lock_error(exc) or attempt == _LOCKED_RETRIES - 1:
                    raise
                time.sleep(min(0.05 * 2**attempt, 2.0))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def is_lock_error(exc: BaseException) -> bool:
    """SQLite's "database is locked" or "busy", raised through SQLAlchemy or the driver."""
    import sqlite3

    cause = exc.orig if isinstance(exc, OperationalError) else exc
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    text = str(cause).lower()
    return "locked" in text or "busy" in text


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged commit survives power loss, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get(_WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        # Set on every write, as pooled connections are shared by both kinds of write.
        lazy = options.get(_LAZY_SYNC_OPTION, False)
        connection.exec_driver_sql(f"PRAGMA synchronous={'NORMAL' if lazy else 'FULL'}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
