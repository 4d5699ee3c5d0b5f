"""Plain SQL for the hot statements: built from a table's columns, checked against them,
and handed to each driver in its parameter style."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from runwright.store.sql.plain import column_list, for_paramstyle, insert_sql, update_sql

_ITEMS = Table(
    "items",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("key", String(20), nullable=False),
    Column("value", String(20)),
)


def _database() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, "key" TEXT, value TEXT)')
    return connection


def test_an_insert_names_every_column_and_runs_on_sqlite() -> None:
    sql = insert_sql(_ITEMS)
    assert sql == ('INSERT INTO "items" ("id", "key", "value") VALUES (:id, :key, :value)')
    connection = _database()
    connection.execute(sql, {"id": 1, "key": "a", "value": "x"})
    assert connection.execute("SELECT * FROM items").fetchall() == [(1, "a", "x")]


def test_an_upsert_overwrites_only_the_named_columns() -> None:
    connection = _database()
    upsert = insert_sql(_ITEMS, conflict_keys=("id",), update=("value",))
    connection.execute(upsert, {"id": 1, "key": "a", "value": "x"})
    connection.execute(upsert, {"id": 1, "key": "b", "value": "y"})
    assert connection.execute("SELECT * FROM items").fetchall() == [(1, "a", "y")]


def test_an_update_sets_columns_from_parameters_by_key() -> None:
    connection = _database()
    connection.execute(insert_sql(_ITEMS), {"id": 1, "key": "a", "value": "x"})
    sql = update_sql(_ITEMS, {"value": "new"}, where="id", key="target")
    assert connection.execute(sql, {"new": "z", "target": 1}).rowcount == 1
    assert connection.execute("SELECT value FROM items").fetchall() == [("z",)]


@pytest.mark.parametrize(
    "build",
    [
        lambda: update_sql(_ITEMS, {"missing": "x"}, where="id", key="target"),
        lambda: update_sql(_ITEMS, {"value": "x"}, where="missing", key="target"),
        lambda: insert_sql(_ITEMS, conflict_keys=("missing",), update=("value",)),
    ],
)
def test_a_column_the_table_lacks_is_refused_when_the_statement_is_built(build: object) -> None:
    with pytest.raises(KeyError, match="missing"):
        build()  # type: ignore[operator]


def test_columns_are_listed_with_their_table() -> None:
    assert column_list([_ITEMS.c.id, _ITEMS.c.key]) == '"items"."id", "items"."key"'


def test_parameters_are_rewritten_for_pyformat_drivers() -> None:
    sql = "SELECT 1 FROM t WHERE a = :a AND b LIKE 'x%' AND c = :c_2"
    assert for_paramstyle(sql, "named") == sql
    assert for_paramstyle(sql, "pyformat") == (
        "SELECT 1 FROM t WHERE a = %(a)s AND b LIKE 'x%%' AND c = %(c_2)s"
    )


def test_an_unknown_parameter_style_is_refused() -> None:
    with pytest.raises(ValueError, match="qmark"):
        for_paramstyle("SELECT :a", "qmark")
