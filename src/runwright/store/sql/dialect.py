"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement

__all__ = ["upsert"]


@functools.cache
def upsert(
    dialect: str,
    model: Any,
    *,
    keys: tuple[str, ...],
    update: tuple[str, ...] = (),
    where: Callable[[Any, Any], ColumnElement[bool]] | None = None,
) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE/NOTHING, for both dialects.

    Execute it with the rows as parameters (`session.execute(statement, rows)`). The
    statement is built once per shape and cached, so SQLAlchemy compiles it once.
    `where(table_columns, excluded)` may give a condition for the update.
    """
    # Imported on first use: PostgreSQL's dialect package costs ~50 ms, which the
    # embedded SQLite store should not pay.
    module: Any = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
    statement = module.insert(model)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in update},
        where=None if where is None else where(model.__table__.c, statement.excluded),
    )
