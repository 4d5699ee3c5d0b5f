"""Search statements for logged models: the filter language of runs, over model columns.

Same shape as :mod:`runwright.store.sql.search` (whose helpers this reuses): one
``SELECT`` of model ids and sort keys, paged by keyset. Differences from runs, as in
MLflow:

- A metric comparison matches a model when *any* of its points matches (restricted to
  the requested datasets, if any), not only the latest one.
- Ordering by a metric uses the model's latest point (by timestamp, then step) on the
  requested dataset; models without one come last.
- With datasets but no metric comparison, only models with a metric on one of the
  datasets match.
- The default order is newest first (``creation_timestamp`` descending), then model id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select

from runwright.entities import LifecycleStage, LoggedModelDataset, LoggedModelOrder
from runwright.search import (
    LOGGED_MODELS,
    And,
    Comparison,
    Entity,
    Expression,
    Identifier,
    Not,
    Operator,
    Or,
    OrderKey,
    ValueKind,
    parse_filter,
    parse_order_by,
)
from runwright.store.sql.schema import (
    LoggedModelMetricRow,
    LoggedModelParamRow,
    LoggedModelRow,
    LoggedModelTagRow,
)
from runwright.store.sql.search import (
    SearchPlan,
    _Comparisons,
    _condition,
    _fingerprint,
    _finish,
    _SortColumn,
)

__all__ = ["plan_logged_model_search"]


_MODELS = LoggedModelRow.__table__.c
_MODEL_ID = _MODELS.model_id
_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "model_id": _MODELS.model_id,
    "name": _MODELS.name,
    "model_type": _MODELS.model_type,
    "status": _MODELS.status,
    "source_run_id": _MODELS.source_run_id,
    "creation_timestamp": _MODELS.creation_time,
    "last_updated_timestamp": _MODELS.last_updated_time,
}
_NULLABLE_ATTRIBUTES = frozenset({"model_type", "source_run_id"})


def plan_logged_model_search(
    *,
    dialect: str,
    experiment_ids: Sequence[int],
    filter_string: str | None,
    datasets: Sequence[LoggedModelDataset],
    order_by: Sequence[LoggedModelOrder],
    max_results: int,
    page_token: str | None,
) -> SearchPlan[str]:
    """The statement of one page of active logged models in the given experiments.

    Raises FilterSyntaxError for a bad filter or order field, and InvalidArgumentError
    for a page token of another search.
    """
    expression = parse_filter(filter_string, target=LOGGED_MODELS)
    keys = [_order_key(order) for order in order_by]
    ids = sorted(set(experiment_ids))
    wanted = sorted({(d.name, d.digest or "") for d in datasets})
    orders = [
        (key, order.dataset_name or "", order.dataset_digest or "")
        for key, order in zip(keys, order_by, strict=True)
    ]
    fingerprint = _fingerprint("logged_models", expression, orders, ids, wanted)

    joins: list[tuple[Any, ColumnElement[bool]]] = []
    sorts: list[_SortColumn] = []
    for index, (key, order) in enumerate(_with_tie_breakers(keys, order_by)):
        sorts.extend(_sort_columns(key, order, index, joins))

    statement = select(
        _MODEL_ID, *(sort.expression.label(f"sort_{i}") for i, sort in enumerate(sorts))
    )
    source: Any = LoggedModelRow.__table__
    for target, onclause in joins:
        source = source.outerjoin(target, onclause)
    statement = statement.select_from(source)
    statement = statement.where(
        _MODELS.experiment_id.in_(ids), _MODELS.lifecycle_stage == LifecycleStage.ACTIVE.value
    )
    compare = _ModelComparisons(dialect, datasets)
    if expression is not None:
        statement = statement.where(_condition(expression, compare))
    if datasets and not _names_metrics(expression):
        metric = LoggedModelMetricRow.__table__.c
        rows = select(metric.model_id).where(_on_datasets(datasets))
        statement = statement.where(compare.member(_MODEL_ID, metric.model_id, rows))
    return _finish(statement, sorts, fingerprint, max_results, page_token)


def _order_key(order: LoggedModelOrder) -> OrderKey:
    (key,) = parse_order_by([order.field], target=LOGGED_MODELS)
    return OrderKey(key.identifier, descending=not order.ascending)


def _with_tie_breakers(
    keys: list[OrderKey], orders: Sequence[LoggedModelOrder]
) -> list[tuple[OrderKey, LoggedModelOrder | None]]:
    created = Identifier(Entity.ATTRIBUTES, "creation_timestamp")
    model_id = Identifier(Entity.ATTRIBUTES, "model_id")
    result: list[tuple[OrderKey, LoggedModelOrder | None]] = list(zip(keys, orders, strict=True))
    named = {key.identifier for key in keys}
    if model_id in named:
        return result
    if created not in named:
        result.append((OrderKey(created, descending=True), None))
    result.append((OrderKey(model_id), None))
    return result


def _sort_columns(
    key: OrderKey,
    order: LoggedModelOrder | None,
    index: int,
    joins: list[tuple[Any, ColumnElement[bool]]],
) -> list[_SortColumn]:
    """The (rank, value) columns of one order key, adding the outer join it needs."""
    name = key.identifier.key
    if key.identifier.entity is Entity.ATTRIBUTES:
        column = _ATTRIBUTES[name]
        kind: type[int] | type[str] = (
            int if LOGGED_MODELS.kind_of(key.identifier) is ValueKind.NUMBER else str
        )
        if name not in _NULLABLE_ATTRIBUTES:
            return [_SortColumn(column, key.descending, kind)]
        rank = case((column.is_(None), 1), else_=0)
        return [
            _SortColumn(rank, descending=False, kind=int),
            _SortColumn(func.coalesce(column, ""), key.descending, kind),
        ]
    # The model's latest point of the metric (on the requested dataset) joins by its id.
    points = LoggedModelMetricRow.__table__.alias(f"points_{index}")
    conditions = [points.c.model_id == _MODEL_ID, points.c.key == name]
    if order is not None and order.dataset_name:
        conditions.append(points.c.dataset_name == order.dataset_name)
        if order.dataset_digest:
            conditions.append(points.c.dataset_digest == order.dataset_digest)
    latest = (
        select(points.c.id)
        .where(*conditions)
        .order_by(points.c.timestamp.desc(), points.c.step.desc(), points.c.id.desc())
        .limit(1)
        .correlate(LoggedModelRow.__table__)
        .scalar_subquery()
    )
    metric = LoggedModelMetricRow.__table__.alias(f"order_{index}")
    joins.append((metric, metric.c.id == latest))
    rank = case((metric.c.id.is_(None), 2), (metric.c.is_nan, 1), else_=0)
    return [
        _SortColumn(rank, descending=False, kind=int),
        _SortColumn(func.coalesce(metric.c.value, 0.0), key.descending, float),
    ]


def _on_datasets(datasets: Sequence[LoggedModelDataset]) -> ColumnElement[bool]:
    metric = LoggedModelMetricRow.__table__.c
    alternatives = []
    for dataset in datasets:
        condition = metric.dataset_name == dataset.name
        if dataset.digest:
            condition = and_(condition, metric.dataset_digest == dataset.digest)
        alternatives.append(condition)
    return or_(*alternatives)


def _names_metrics(expression: Expression | None) -> bool:
    if expression is None:
        return False
    if isinstance(expression, And | Or):
        return any(_names_metrics(operand) for operand in expression.operands)
    if isinstance(expression, Not):
        return _names_metrics(expression.operand)
    return expression.identifier.entity is Entity.METRICS


class _ModelComparisons(_Comparisons):
    def __init__(self, dialect: str, datasets: Sequence[LoggedModelDataset]) -> None:
        super().__init__(dialect)
        self.datasets = datasets

    def __call__(self, comparison: Comparison) -> ColumnElement[bool]:
        identifier = comparison.identifier
        entity, key = identifier.entity, identifier.key
        if entity is Entity.ATTRIBUTES:
            column = _ATTRIBUTES[key]
            if LOGGED_MODELS.kind_of(identifier) is ValueKind.NUMBER:
                return self.number(column, comparison)
            condition = self.string(column, comparison)
            if key in _NULLABLE_ATTRIBUTES:
                # Keeps NOT the exact complement: NULL would make both false.
                condition = and_(column.is_not(None), condition)
            return condition
        if entity is Entity.METRICS:
            metric = LoggedModelMetricRow.__table__.c
            if comparison.op is Operator.NE:
                matches = or_(metric.value != comparison.value, metric.is_nan)
            else:
                matches = and_(~metric.is_nan, self.number(metric.value, comparison))
            rows = select(metric.model_id).where(metric.key == key, matches)
            if self.datasets:
                rows = rows.where(_on_datasets(self.datasets))
            return self.member(_MODEL_ID, metric.model_id, rows)
        row = (LoggedModelParamRow if entity is Entity.PARAMS else LoggedModelTagRow).__table__.c
        rows = select(row.model_id).where(row.key == key)
        if comparison.op is Operator.IS_NULL:
            return not_(self.member(_MODEL_ID, row.model_id, rows))
        if comparison.op is not Operator.IS_NOT_NULL:
            rows = rows.where(self.string(row.value, comparison))
        return self.member(_MODEL_ID, row.model_id, rows)
