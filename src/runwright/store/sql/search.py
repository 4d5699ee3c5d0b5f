"""Search statements of the SQL store: filters as SQL, ordered, paged by keyset.

:func:`plan_run_search` and :func:`plan_experiment_search` turn a filter string and an
order_by list (parsed by :mod:`runwright.search`) into one ``SELECT`` of primary keys;
the store runs it, fetches the entities of :meth:`SearchPlan.page_ids` and hands back
:meth:`SearchPlan.next_page_token`.

Meaning of a filter in SQL:

- Each comparison on metrics, params, tags and datasets is a membership test of the
  run in a subquery (``run_id IN (SELECT ...)`` on SQLite, a correlated ``EXISTS`` on
  other dialects; see :meth:`_Comparisons.member`), so AND, OR and NOT compose like
  plain booleans. A comparison on a key the run does not have is false; ``NOT`` of it is
  therefore true (``NOT params.p = 'x'`` also matches runs without ``p``), while
  ``params.p != 'x'`` needs ``p`` to be there, as in MLflow.
- NaN metrics (stored as ``is_nan`` with value 0) match ``!=`` and no other operator.
  Infinities are ordinary values.
- A run without ``end_time`` matches no comparison on it (and so matches its NOT).
- LIKE is case-sensitive and ILIKE is not, on every dialect: on SQLite, whose LIKE ignores
  ASCII case, LIKE runs as GLOB with the pattern translated; ILIKE folds ASCII case only
  on SQLite. In patterns ``%`` and ``_`` are wildcards and a backslash makes the next
  character literal.
- Every value reaches the database as a bound parameter.

Order and paging: every sort key is a pair ``(rank, value)`` where the rank (always
ascending) puts present values first and missing ones (a run without that metric, param
or tag; a run without ``end_time``) last, and the value is ``COALESCE``-d so no
comparison meets NULL. NaN metrics rank between numbers and missing values, in both
directions. Run searches always end with ``start_time DESC, run_id`` (experiments with
``experiment_id``) so the order is total, and the next page starts strictly after the
last row's keys: no OFFSET, no skipped or repeated rows while others insert runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select

from runwright.errors import InvalidArgumentError
from runwright.search import (
    EXPERIMENTS,
    RUNS,
    And,
    Comparison,
    Entity,
    Expression,
    Identifier,
    LikeToken,
    Not,
    Operator,
    Or,
    OrderKey,
    ValueKind,
    like_tokens,
    parse_filter,
    parse_order_by,
)
from runwright.store.sql.schema import (
    DatasetRow,
    ExperimentRow,
    ExperimentTagRow,
    LatestMetricRow,
    ParamRow,
    RunInputRow,
    RunRow,
    TagRow,
)

__all__ = ["MAX_RESULTS_LIMIT", "SearchPlan", "plan_experiment_search", "plan_run_search"]

MAX_RESULTS_LIMIT = 50_000

IdT = TypeVar("IdT", str, int)

_TOKEN_VERSION = 1

_COMPARATORS: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
    Operator.LT: operator.lt,
    Operator.LE: operator.le,
    Operator.GT: operator.gt,
    Operator.GE: operator.ge,
}

# Run attributes by their filter / order_by name; end_time is the only nullable one.
_RUN_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "run_id": RunRow.__table__.c.run_id,
    "run_name": RunRow.__table__.c.name,
    "status": RunRow.__table__.c.status,
    "user_id": RunRow.__table__.c.user_id,
    "artifact_uri": RunRow.__table__.c.artifact_uri,
    "lifecycle_stage": RunRow.__table__.c.lifecycle_stage,
    "start_time": RunRow.__table__.c.start_time,
    "end_time": RunRow.__table__.c.end_time,
}
_NULLABLE_RUN_ATTRIBUTES = frozenset({"end_time"})
_RUN_ID = _RUN_ATTRIBUTES["run_id"]

_EXPERIMENT_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "experiment_id": ExperimentRow.__table__.c.experiment_id,
    "name": ExperimentRow.__table__.c.name,
    "creation_time": ExperimentRow.__table__.c.creation_time,
    "last_update_time": ExperimentRow.__table__.c.last_update_time,
}

_EXPERIMENT_ID = _EXPERIMENT_ATTRIBUTES["experiment_id"]

_DATASET_COLUMNS: dict[str, ColumnElement[Any]] = {
    "name": DatasetRow.__table__.c.name,
    "digest": DatasetRow.__table__.c.digest,
    "context": RunInputRow.__table__.c.context,
}


@dataclass(frozen=True)
class _SortColumn:
    """One column of the ORDER BY; `kind` is what its values are in a page token."""

    expression: ColumnElement[Any]
    descending: bool
    kind: type[int] | type[float] | type[str]


@dataclass(frozen=True)
class SearchPlan(Generic[IdT]):
    """A search statement and how to read its rows into a page.

    `statement` selects the primary key first and then the sort keys, ordered, limited
    to ``max_results + 1`` rows: the extra row only says that another page exists.
    """

    statement: Select[Any]
    max_results: int
    # What a page token must carry: the search it belongs to, and how many sort values.
    fingerprint: str
    sort_width: int

    def page_ids(self, rows: Sequence[Sequence[Any]]) -> list[IdT]:
        """The primary keys of the page, in order (the extra row left out)."""
        return [row[0] for row in rows[: self.max_results]]

    def next_page_token(self, rows: Sequence[Sequence[Any]]) -> str | None:
        """The token of the page after these rows, or None when this is the last page."""
        if len(rows) <= self.max_results:
            return None
        last = rows[self.max_results - 1]
        payload = {
            "v": _TOKEN_VERSION,
            "q": self.fingerprint,
            "k": list(last[1 : 1 + self.sort_width]),
        }
        encoded = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(encoded).decode().rstrip("=")


def plan_run_search(
    *,
    dialect: str,
    experiment_ids: Sequence[int],
    lifecycle_stages: Sequence[str],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> SearchPlan[str]:
    """The statement of one page of runs in the given experiments and lifecycle stages.

    Raises FilterSyntaxError for a bad filter or order_by item, and InvalidArgumentError
    for a max_results outside 1..50000 or a page token of another search.
    """
    _check_max_results(max_results)
    expression = parse_filter(filter_string, target=RUNS)
    keys = parse_order_by(order_by, target=RUNS)
    stages = sorted({_plain(stage) for stage in lifecycle_stages})
    ids = sorted(set(experiment_ids))
    fingerprint = _fingerprint("runs", expression, keys, ids, stages)

    joins: list[tuple[Any, ColumnElement[bool]]] = []
    sorts: list[_SortColumn] = []
    for index, key in enumerate(_with_run_tie_breakers(keys)):
        sorts.extend(_run_sort_columns(key, index, joins))

    statement = select(
        _RUN_ID, *(sort.expression.label(f"sort_{i}") for i, sort in enumerate(sorts))
    )
    for target, onclause in joins:
        statement = statement.outerjoin(target, onclause)
    runs = RunRow.__table__.c
    statement = statement.where(runs.experiment_id.in_(ids), runs.lifecycle_stage.in_(stages))
    if expression is not None:
        statement = statement.where(_condition(expression, _RunComparisons(dialect)))
    return _finish(statement, sorts, fingerprint, max_results, page_token)


def plan_experiment_search(
    *,
    dialect: str,
    lifecycle_stages: Sequence[str],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> SearchPlan[int]:
    """The statement of one page of experiments in the given lifecycle stages.

    Raises like :func:`plan_run_search`. The ids are the integer keys of the table.
    """
    _check_max_results(max_results)
    expression = parse_filter(filter_string, target=EXPERIMENTS)
    keys = parse_order_by(order_by, target=EXPERIMENTS)
    stages = sorted({_plain(stage) for stage in lifecycle_stages})
    fingerprint = _fingerprint("experiments", expression, keys, stages)

    if not keys:
        keys = (OrderKey(Identifier(Entity.ATTRIBUTES, "creation_time"), descending=True),)
    tie_breaker = OrderKey(Identifier(Entity.ATTRIBUTES, "experiment_id"))
    if not any(key.identifier == tie_breaker.identifier for key in keys):
        keys = (*keys, tie_breaker)
    sorts = [
        _SortColumn(
            _EXPERIMENT_ATTRIBUTES[key.identifier.key],
            key.descending,
            str if key.identifier.key == "name" else int,
        )
        for key in keys
    ]

    statement = select(
        _EXPERIMENT_ID,
        *(sort.expression.label(f"sort_{i}") for i, sort in enumerate(sorts)),
    ).where(ExperimentRow.__table__.c.lifecycle_stage.in_(stages))
    if expression is not None:
        statement = statement.where(_condition(expression, _ExperimentComparisons(dialect)))
    return _finish(statement, sorts, fingerprint, max_results, page_token)


def _finish(
    statement: Select[Any],
    sorts: list[_SortColumn],
    fingerprint: str,
    max_results: int,
    page_token: str | None,
) -> SearchPlan[Any]:
    if page_token is not None:
        values = _decode_token(page_token, fingerprint, sorts)
        statement = statement.where(_after(sorts, values))
    order = [
        (column.desc() if sort.descending else column.asc())
        for sort, column in zip(sorts, statement.selected_columns[1:], strict=True)
    ]
    statement = statement.order_by(*order).limit(max_results + 1)
    return SearchPlan(statement, max_results, fingerprint, len(sorts))


def _check_max_results(max_results: int) -> None:
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS_LIMIT
    ):
        raise InvalidArgumentError(
            f"max_results must be an integer from 1 to {MAX_RESULTS_LIMIT}, got {max_results!r}"
        )


def _plain(stage: str) -> str:
    return str(stage.value) if isinstance(stage, Enum) else stage


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


# --- filters ----------------------------------------------------------------------------


class _Comparisons(ABC):
    """Turns one comparison into SQL for one kind of resource."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    @abstractmethod
    def __call__(self, comparison: Comparison) -> ColumnElement[bool]: ...

    def member(
        self, outer: ColumnElement[Any], inner: ColumnElement[Any], rows: Select[Any]
    ) -> ColumnElement[bool]:
        """True where `outer` (the searched row's key) is among the `inner` keys of `rows`.

        SQLite runs an uncorrelated ``IN (SELECT ...)`` once and probes its result, about
        twice as fast as a correlated EXISTS per row; PostgreSQL plans a correlated EXISTS
        as a (anti-)semi-join and avoids the NOT IN pitfalls.
        """
        if self.dialect == "sqlite":
            return outer.in_(rows)
        return rows.where(inner == outer).exists()

    def string(self, column: ColumnElement[Any], comparison: Comparison) -> ColumnElement[bool]:
        op, value = comparison.op, comparison.value
        if op in (Operator.IN, Operator.NOT_IN):
            assert isinstance(value, tuple)
            return column.in_(value) if op is Operator.IN else column.not_in(value)
        assert isinstance(value, str)
        if op is Operator.LIKE:
            if self.dialect == "sqlite":
                return column.op("GLOB", is_comparison=True)(_glob_pattern(value))
            return column.like(_like_pattern(value), escape="\\")
        if op is Operator.ILIKE:
            return column.ilike(_like_pattern(value), escape="\\")
        result: ColumnElement[bool] = _COMPARATORS[op](column, value)
        return result

    def number(self, column: ColumnElement[Any], comparison: Comparison) -> ColumnElement[bool]:
        result: ColumnElement[bool] = _COMPARATORS[comparison.op](column, comparison.value)
        return result


class _RunComparisons(_Comparisons):
    def __call__(self, comparison: Comparison) -> ColumnElement[bool]:
        identifier = comparison.identifier
        entity, key = identifier.entity, identifier.key
        if entity is Entity.ATTRIBUTES:
            column = _RUN_ATTRIBUTES[key]
            if RUNS.kind_of(identifier) is ValueKind.STRING:
                return self.string(column, comparison)
            condition = self.number(column, comparison)
            if key in _NULLABLE_RUN_ATTRIBUTES:
                # Keeps NOT the exact complement: NULL would make both false.
                condition = and_(column.is_not(None), condition)
            return condition
        if entity is Entity.METRICS:
            metric = LatestMetricRow.__table__.c
            if comparison.op is Operator.NE:
                matches = or_(metric.value != comparison.value, metric.is_nan)
            else:
                matches = and_(~metric.is_nan, self.number(metric.value, comparison))
            rows = select(metric.run_id).where(metric.key == key, matches)
            return self.member(_RUN_ID, metric.run_id, rows)
        if entity is Entity.DATASETS:
            run_input, dataset = RunInputRow.__table__.c, DatasetRow.__table__.c
            rows = (
                select(run_input.run_id)
                .join(DatasetRow.__table__, dataset.dataset_id == run_input.dataset_id)
                .where(self.string(_DATASET_COLUMNS[key], comparison))
            )
            return self.member(_RUN_ID, run_input.run_id, rows)
        row = (ParamRow if entity is Entity.PARAMS else TagRow).__table__.c
        rows = select(row.run_id).where(row.key == key)
        if comparison.op is Operator.IS_NULL:
            return not_(self.member(_RUN_ID, row.run_id, rows))
        if comparison.op is not Operator.IS_NOT_NULL:
            rows = rows.where(self.string(row.value, comparison))
        return self.member(_RUN_ID, row.run_id, rows)


class _ExperimentComparisons(_Comparisons):
    def __call__(self, comparison: Comparison) -> ColumnElement[bool]:
        identifier = comparison.identifier
        if identifier.entity is Entity.ATTRIBUTES:
            column = _EXPERIMENT_ATTRIBUTES[identifier.key]
            if EXPERIMENTS.kind_of(identifier) is ValueKind.STRING:
                return self.string(column, comparison)
            return self.number(column, comparison)
        tag = ExperimentTagRow.__table__.c
        rows = select(tag.experiment_id).where(tag.key == identifier.key)
        if comparison.op is Operator.IS_NULL:
            return not_(self.member(_EXPERIMENT_ID, tag.experiment_id, rows))
        if comparison.op is not Operator.IS_NOT_NULL:
            rows = rows.where(self.string(tag.value, comparison))
        return self.member(_EXPERIMENT_ID, tag.experiment_id, rows)


def _condition(expression: Expression, compare: _Comparisons) -> ColumnElement[bool]:
    if isinstance(expression, And):
        return and_(*(_condition(operand, compare) for operand in expression.operands))
    if isinstance(expression, Or):
        return or_(*(_condition(operand, compare) for operand in expression.operands))
    if isinstance(expression, Not):
        return not_(_condition(expression.operand, compare))
    return compare(expression)


def _like_pattern(pattern: str) -> str:
    """The pattern for SQL LIKE with backslash as the escape character."""
    parts: list[str] = []
    for token in like_tokens(pattern):
        if isinstance(token, LikeToken):
            parts.append(token.value)
        else:
            parts.append("".join(f"\\{char}" if char in "%_\\" else char for char in token))
    return "".join(parts)


def _glob_pattern(pattern: str) -> str:
    """The LIKE pattern as an SQLite GLOB pattern (case-sensitive)."""
    parts: list[str] = []
    for token in like_tokens(pattern):
        if token is LikeToken.ANY_RUN:
            parts.append("*")
        elif token is LikeToken.ANY_ONE:
            parts.append("?")
        else:
            assert isinstance(token, str)
            parts.append("".join(f"[{char}]" if char in "*?[" else char for char in token))
    return "".join(parts)


# --- order and paging -------------------------------------------------------------------


def _with_run_tie_breakers(keys: tuple[OrderKey, ...]) -> list[OrderKey]:
    start_time = Identifier(Entity.ATTRIBUTES, "start_time")
    run_id = Identifier(Entity.ATTRIBUTES, "run_id")
    result = list(keys)
    named = {key.identifier for key in keys}
    if run_id in named:
        return result
    if start_time not in named:
        result.append(OrderKey(start_time, descending=True))
    result.append(OrderKey(run_id))
    return result


def _run_sort_columns(
    key: OrderKey, index: int, joins: list[tuple[Any, ColumnElement[bool]]]
) -> list[_SortColumn]:
    """The (rank, value) columns of one order key, adding the outer join it needs."""
    entity, name = key.identifier.entity, key.identifier.key
    if entity is Entity.ATTRIBUTES:
        column = _RUN_ATTRIBUTES[name]
        kind: type[int] | type[float] | type[str] = (
            int if RUNS.kind_of(key.identifier) is ValueKind.NUMBER else str
        )
        if name not in _NULLABLE_RUN_ATTRIBUTES:
            return [_SortColumn(column, key.descending, kind)]
        rank = case((column.is_(None), 1), else_=0)
        return [
            _SortColumn(rank, descending=False, kind=int),
            _SortColumn(func.coalesce(column, 0), key.descending, kind),
        ]
    if entity is Entity.METRICS:
        metric = LatestMetricRow.__table__.alias(f"order_{index}")
        joins.append((metric, and_(metric.c.run_id == _RUN_ID, metric.c.key == name)))
        rank = case((metric.c.run_id.is_(None), 2), (metric.c.is_nan, 1), else_=0)
        return [
            _SortColumn(rank, descending=False, kind=int),
            _SortColumn(func.coalesce(metric.c.value, 0.0), key.descending, float),
        ]
    table = (ParamRow if entity is Entity.PARAMS else TagRow).__table__.alias(f"order_{index}")
    joins.append((table, and_(table.c.run_id == _RUN_ID, table.c.key == name)))
    rank = case((table.c.run_id.is_(None), 1), else_=0)
    return [
        _SortColumn(rank, descending=False, kind=int),
        _SortColumn(func.coalesce(table.c.value, ""), key.descending, str),
    ]


def _after(sorts: Sequence[_SortColumn], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `sorts` (the expanded OR-chain)."""
    alternatives = []
    for index, sort in enumerate(sorts):
        ties = [
            earlier.expression == value
            for earlier, value in zip(sorts[:index], values[:index], strict=True)
        ]
        beyond = (
            sort.expression < values[index]
            if sort.descending
            else (sort.expression > values[index])
        )
        alternatives.append(and_(*ties, beyond))
    first, first_value = sorts[0], values[0]
    # Redundant with the chain, but a plain range on the first key lets an index help.
    bound = (
        first.expression <= first_value if first.descending else (first.expression >= first_value)
    )
    return and_(bound, or_(*alternatives))


def _decode_token(token: str, fingerprint: str, sorts: Sequence[_SortColumn]) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidArgumentError(f"invalid page token {token!r}") from None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != _TOKEN_VERSION
        or not isinstance(payload.get("k"), list)
    ):
        raise InvalidArgumentError(f"invalid page token {token!r}")
    if payload.get("q") != fingerprint:
        raise InvalidArgumentError(
            "the page token belongs to another search; pass the same filter, order_by, "
            "experiments and view as the request that returned it"
        )
    values: list[Any] = payload["k"]
    if len(values) != len(sorts) or not all(
        _fits(value, sort.kind) for value, sort in zip(values, sorts, strict=False)
    ):
        raise InvalidArgumentError(f"invalid page token {token!r}")
    return values


def _fits(value: object, kind: type[int] | type[float] | type[str]) -> bool:
    if isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)
