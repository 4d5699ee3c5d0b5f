"""SQL text for the hottest statements, built from the tables' own column lists.

SQLAlchemy's compiler takes about 0.3 ms per statement, once per process. A pipeline's
fully cached rerun runs about a dozen distinct statements in total, so compiling
them costs more than running them. The statements here are short and portable
(SQLite and PostgreSQL take the same text), so they are written as SQL with
``:name`` parameters, and only the parameter style is adapted to the driver.
Column names still come from the `Table` objects, so a renamed column fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Table

__all__ = ["column_list", "for_paramstyle", "insert_sql", "update_sql"]

_NAMED_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


def _quoted(name: str) -> str:
    # Every identifier quoted: "key" is a keyword in SQLite, and quoting a lower-case
    # name means the same name in both databases.
    return f'"{name}"'


def _checked(table: Table, names: Iterable[str]) -> list[str]:
    """`names`, each a column of `table` (a KeyError naming it otherwise)."""
    return [table.c[name].name for name in names]


def column_list(columns: Iterable[Column[Any]]) -> str:
    """`"table"."column", ...` for a SELECT."""
    return ", ".join(f"{_quoted(c.table.name)}.{_quoted(c.name)}" for c in columns)


def insert_sql(
    table: Table, *, conflict_keys: Sequence[str] = (), update: Sequence[str] = ()
) -> str:
    """An INSERT of every column, each from the parameter of its name; with
    `conflict_keys`, an upsert that overwrites the `update` columns."""
    names = [column.name for column in table.columns]
    sql = (
        f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, names))}) "
        f"VALUES ({', '.join(':' + name for name in names)})"
    )
    if conflict_keys:
        keys = ", ".join(map(_quoted, _checked(table, conflict_keys)))
        assignments = ", ".join(
            f"{_quoted(c)} = excluded.{_quoted(c)}" for c in _checked(table, update)
        )
        sql += f" ON CONFLICT ({keys}) DO UPDATE SET {assignments}"
    return sql


def update_sql(table: Table, values: Mapping[str, str], *, where: str, key: str) -> str:
    """UPDATE `table` SET column = :parameter (per `values`) WHERE `where` = :`key`."""
    columns = _checked(table, values)
    assignments = ", ".join(f"{_quoted(c)} = :{values[c]}" for c in columns)
    (where,) = _checked(table, [where])
    return f"UPDATE {_quoted(table.name)} SET {assignments} WHERE {_quoted(where)} = :{key}"


def for_paramstyle(sql: str, paramstyle: str) -> str:
    """`sql`'s ``:name`` parameters in the driver's style (sqlite3 takes them as they are;
    psycopg wants ``%(name)s``)."""
    if paramstyle == "named":
        return sql
    if paramstyle == "pyformat":
        return _NAMED_PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
    raise ValueError(f"no parameter style {paramstyle!r} for plain SQL")
