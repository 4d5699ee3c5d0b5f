"""A pooled driver connection for long series of small writes, such as a pipeline's
step records.

A pipeline writes a run per step, a dozen statements each. Through the ORM session
that cost about 30 µs of SQLAlchemy bookkeeping per statement and a session per
transaction, more than the database spent. Here statements are plain SQL text
(`plain`), or SQLAlchemy Core compiled once, run on one driver cursor, and
transactions are plain BEGIN/COMMIT on a connection held for the series.

Durability is chosen per transaction. A lazy commit survives a crash of the process
but not of the machine (SQLite: synchronous=NORMAL in WAL mode; PostgreSQL:
synchronous_commit off); the next durable commit, from this connection or any other,
flushes the log up to itself and so makes the earlier lazy ones durable too.

A `batch` groups the transactions made inside it into one (each still all-or-nothing,
as a savepoint): committing is most of what a small write costs, so a driver that
records a finished step and starts the next in one batch pays for one commit, not two.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from runwright.store.sql.database import Database, is_lock_error
from runwright.store.sql.plain import for_paramstyle

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import Dialect
    from sqlalchemy.sql.elements import ClauseElement

__all__ = ["DirectConnection", "Statement"]

T = TypeVar("T")
_LOCKED_RETRIES = 8


class Statement:
    """SQL text in the driver's parameter style, taking its parameters by name."""

    __slots__ = ("defaults", "sql")

    def __init__(self, sql: str, defaults: Mapping[str, Any] | None = None) -> None:
        self.sql = sql
        # Values the statement carries itself (a LIMIT, a constant in a WHERE).
        self.defaults = dict(defaults or {})

    @classmethod
    def compiled(cls, statement: ClauseElement, dialect: Dialect) -> Statement:
        compiled = statement.compile(dialect=dialect)
        return cls(str(compiled), {k: v for k, v in compiled.params.items() if v is not None})

    def bind(self, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**self.defaults, **parameters} if self.defaults else parameters


def _named(dialect: Dialect) -> Dialect:
    """The dialect, emitting parameters by name so rows can be passed as dicts."""
    if dialect.paramstyle in ("named", "pyformat"):
        return dialect
    return type(dialect)(paramstyle="named")  # type: ignore[call-arg]


class DirectConnection:
    """One pooled DBAPI connection, held until `close`; not for use by several threads."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._sqlite = database.dialect == "sqlite"
        self.paramstyle = "named" if self._sqlite else database.engine.dialect.paramstyle
        self._raw = database.engine.raw_connection()
        self._cursor = self._raw.cursor()
        self._batching = False
        #: The write lock a batch holds while its transaction is open (None: closed).
        self._batch_lock: Any = None
        self._lazy_by_default()

    def compile(self, statement: ClauseElement) -> Statement:
        """A Core statement, compiled for this connection's driver."""
        return Statement.compiled(statement, _named(self._database.engine.dialect))

    def prepare(self, sql: str) -> Statement:
        """Plain SQL with ``:name`` parameters (see `plain`), for this connection's driver."""
        return Statement(for_paramstyle(sql, self.paramstyle))

    # -- statements ------------------------------------------------------------------

    def execute(self, statement: Statement, parameters: Mapping[str, Any]) -> int:
        """Run one statement; returns the number of rows it changed."""
        self._cursor.execute(statement.sql, statement.bind(parameters))
        return int(self._cursor.rowcount)

    def execute_many(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._cursor.executemany(statement.sql, [statement.bind(row) for row in rows])

    def fetch(self, statement: Statement, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        self._cursor.execute(statement.sql, statement.bind(parameters))
        return list(self._cursor.fetchall())

    # -- transactions ----------------------------------------------------------------

    def read(self, work: Callable[[DirectConnection], T]) -> T:
        """`work` in a read transaction: it sees one snapshot and never waits for writers."""
        if self._batching:
            self._open_batch()
            return work(self)
        if self._sqlite:
            self._cursor.execute("BEGIN")
        try:
            return work(self)
        finally:
            self._end(commit=False)

    def write(self, work: Callable[[DirectConnection], T], *, durable: bool = False) -> T:
        """`work` in a write transaction, committed lazily unless `durable`; rolled back
        on any error. SQLite's lock timeouts are retried, as in `Database.run_write`.

        Inside a `batch`, `work` joins the batch's transaction as a savepoint; a durable
        write first commits the batch so far, then commits itself durably, apart.
        """
        if self._batching:
            if not durable:
                self._open_batch()
                return self._in_savepoint(work)
            self._close_batch(commit=True)
        lock = self._database.write_lock or nullcontext()
        return self._retrying_locks(lambda: self._locked_write_once(lock, work, durable))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Reads and writes inside share one transaction, opened by the first of them
        and committed (lazily) when the block ends, also when it ends with an error:
        each write is whole or absent either way. The transaction holds the database's
        write lock, so keep the block free of waiting and of anyone else's code."""
        if self._batching:
            yield
            return
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            self._close_batch(commit=True)

    def _open_batch(self) -> None:
        if self._batch_lock is not None:
            return
        lock = self._database.write_lock or nullcontext()
        lock.__enter__()
        try:
            if self._sqlite:
                self._retrying_locks(lambda: self._cursor.execute("BEGIN IMMEDIATE"))
        except BaseException:
            lock.__exit__(None, None, None)
            raise
        self._batch_lock = lock

    def _close_batch(self, *, commit: bool) -> None:
        lock, self._batch_lock = self._batch_lock, None
        if lock is None:
            return
        try:
            self._end(commit=commit)
        except BaseException:
            self._end(commit=False)
            raise
        finally:
            lock.__exit__(None, None, None)

    def _in_savepoint(self, work: Callable[[DirectConnection], T]) -> T:
        cursor = self._cursor
        cursor.execute("SAVEPOINT runwright_write")
        try:
            result = work(self)
        except BaseException:
            cursor.execute("ROLLBACK TO SAVEPOINT runwright_write")
            cursor.execute("RELEASE SAVEPOINT runwright_write")
            raise
        cursor.execute("RELEASE SAVEPOINT runwright_write")
        return result

    def _retrying_locks(self, attempt: Callable[[], T]) -> T:
        """`attempt()`, again after a pause while SQLite says the database is locked."""
        for tries in range(_LOCKED_RETRIES):
            try:
                return attempt()
            except Exception as exc:
                if not is_lock_error(exc) or tries == _LOCKED_RETRIES - 1:
                    raise
            time.sleep(min(0.05 * 2**tries, 2.0))
        raise AssertionError("unreachable")

    def _locked_write_once(
        self, lock: Any, work: Callable[[DirectConnection], T], durable: bool
    ) -> T:
        with lock:
            return self._write_once(work, durable)

    def _write_once(self, work: Callable[[DirectConnection], T], durable: bool) -> T:
        cursor = self._cursor
        # A pragma, so set outside the transaction, and restored however it ends
        # (even if BEGIN itself fails on a lock).
        if self._sqlite and durable:
            cursor.execute("PRAGMA synchronous=FULL")
        try:
            if self._sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            elif durable:
                cursor.execute("SET LOCAL synchronous_commit TO ON")
            result = work(self)
            self._end(commit=True)
        except BaseException:
            self._end(commit=False)
            raise
        finally:
            if self._sqlite and durable:
                cursor.execute("PRAGMA synchronous=NORMAL")
        return result

    def _end(self, *, commit: bool) -> None:
        if self._sqlite:
            in_transaction = self._raw.driver_connection.in_transaction  # type: ignore[union-attr]
            if in_transaction:
                self._cursor.execute("COMMIT" if commit else "ROLLBACK")
        elif commit:
            self._raw.commit()
        else:
            self._raw.rollback()

    def _lazy_by_default(self) -> None:
        if self._sqlite:
            self._cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            self._cursor.execute("SET synchronous_commit TO OFF")
            self._raw.commit()

    def close(self) -> None:
        """Hand the connection back to the pool as the pool gave it (durable commits)."""
        self._close_batch(commit=False)
        try:
            if self._sqlite:
                self._end(commit=False)
                self._cursor.execute("PRAGMA synchronous=FULL")
            else:
                self._raw.rollback()
                self._cursor.execute("RESET synchronous_commit")
                self._raw.commit()
            self._cursor.close()
        finally:
            self._raw.close()
