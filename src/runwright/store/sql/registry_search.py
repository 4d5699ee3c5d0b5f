"""Search statements for the model registry, in the filter language of runs.

Same shape as :mod:`runwright.store.sql.search` (whose helpers this reuses): one
``SELECT`` of row ids and sort keys, paged by keyset. As in MLflow:

- Registered models filter on ``name`` (and the two timestamps) and ``tags.<key>``, and
  come by name unless ``order_by`` says otherwise (the name then breaks ties).
- Model versions filter on ``name``, ``version_number``, ``run_id``, ``source_path``
  (and the timestamps) and ``tags.<key>``; they come most recently updated first, then
  by name and newest version; an ``order_by`` is followed by name and newest version.
- A model or version without the prompt tag ``mlflow.prompt.is_prompt`` counts as
  having it set to ``"false"``: MLflow's client adds ``tags.mlflow.prompt.is_prompt !=
  'true'`` to every registered model search, which must match ordinary models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, not_, select

from runwright.search import (
    MODEL_VERSIONS,
    REGISTERED_MODELS,
    Comparison,
    Entity,
    Identifier,
    Operator,
    OrderKey,
    SearchTarget,
    ValueKind,
    parse_filter,
    parse_order_by,
)
from runwright.store.sql.schema import (
    ModelVersionRow,
    ModelVersionTagRow,
    RegisteredModelRow,
    RegisteredModelTagRow,
)
from runwright.store.sql.search import (
    SearchPlan,
    _Comparisons,
    _condition,
    _fingerprint,
    _finish,
    _SortColumn,
)

__all__ = ["PROMPT_TAG", "plan_model_version_search", "plan_registered_model_search"]

PROMPT_TAG = "mlflow.prompt.is_prompt"

_MODELS = RegisteredModelRow.__table__.c
_VERSIONS = ModelVersionRow.__table__.c
_MODEL_TAGS = RegisteredModelTagRow.__table__.c
_VERSION_TAGS = ModelVersionTagRow.__table__.c

_MODEL_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _MODELS.name,
    "creation_timestamp": _MODELS.creation_time,
    "last_updated_timestamp": _MODELS.last_updated_time,
}
_VERSION_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _MODELS.name,
    "version_number": _VERSIONS.version,
    "run_id": _VERSIONS.run_id,
    "source_path": _VERSIONS.source,
    "creation_timestamp": _VERSIONS.creation_time,
    "last_updated_timestamp": _VERSIONS.last_updated_time,
}
_NULLABLE_VERSION_ATTRIBUTES = frozenset({"run_id"})


def _attribute(name: str) -> Identifier:
    return Identifier(Entity.ATTRIBUTES, name)


def plan_registered_model_search(
    *,
    dialect: str,
    filter_string: str | None,
    order_by: Sequence[str],
    max_results: int,
    page_token: str | None,
) -> SearchPlan[int]:
    """The statement of one page of registered model ids.

    Raises FilterSyntaxError for a bad filter or order_by item, and InvalidArgumentError
    for a page token of another search.
    """
    expression = parse_filter(filter_string, target=REGISTERED_MODELS)
    keys = list(parse_order_by(order_by, target=REGISTERED_MODELS))
    fingerprint = _fingerprint("registered_models", expression, keys)
    if _attribute("name") not in {key.identifier for key in keys}:
        keys.append(OrderKey(_attribute("name")))
    sorts = [_sort_column(key, REGISTERED_MODELS, _MODEL_ATTRIBUTES) for key in keys]
    statement = select(
        _MODELS.id, *(sort.expression.label(f"sort_{i}") for i, sort in enumerate(sorts))
    )
    if expression is not None:
        compare = _TaggedComparisons(
            dialect,
            target=REGISTERED_MODELS,
            attributes=_MODEL_ATTRIBUTES,
            key=_MODELS.id,
            tag_key=_MODEL_TAGS.registered_model_id,
        )
        statement = statement.where(_condition(expression, compare))
    return _finish(statement, sorts, fingerprint, max_results, page_token)


def plan_model_version_search(
    *,
    dialect: str,
    filter_string: str | None,
    order_by: Sequence[str],
    max_results: int,
    page_token: str | None,
) -> SearchPlan[int]:
    """The statement of one page of model version ids (the `model_versions.id` keys).

    Raises like :func:`plan_registered_model_search`.
    """
    expression = parse_filter(filter_string, target=MODEL_VERSIONS)
    keys = list(parse_order_by(order_by, target=MODEL_VERSIONS))
    fingerprint = _fingerprint("model_versions", expression, keys)
    if not keys:
        keys = [OrderKey(_attribute("last_updated_timestamp"), descending=True)]
    named = {key.identifier for key in keys}
    if _attribute("name") not in named:
        keys.append(OrderKey(_attribute("name")))
    if _attribute("version_number") not in named:
        keys.append(OrderKey(_attribute("version_number"), descending=True))
    sorts = [_sort_column(key, MODEL_VERSIONS, _VERSION_ATTRIBUTES) for key in keys]
    statement = select(
        _VERSIONS.id, *(sort.expression.label(f"sort_{i}") for i, sort in enumerate(sorts))
    ).select_from(
        ModelVersionRow.__table__.join(
            RegisteredModelRow.__table__, _MODELS.id == _VERSIONS.registered_model_id
        )
    )
    if expression is not None:
        compare = _TaggedComparisons(
            dialect,
            target=MODEL_VERSIONS,
            attributes=_VERSION_ATTRIBUTES,
            key=_VERSIONS.id,
            tag_key=_VERSION_TAGS.version_id,
            nullable=_NULLABLE_VERSION_ATTRIBUTES,
        )
        statement = statement.where(_condition(expression, compare))
    return _finish(statement, sorts, fingerprint, max_results, page_token)


def _sort_column(
    key: OrderKey, target: SearchTarget, attributes: dict[str, ColumnElement[Any]]
) -> _SortColumn:
    kind: type[int] | type[str] = int if target.kind_of(key.identifier) is ValueKind.NUMBER else str
    return _SortColumn(attributes[key.identifier.key], key.descending, kind)


class _TaggedComparisons(_Comparisons):
    """Comparisons on a registry table's attributes and on its tag table."""

    def __init__(
        self,
        dialect: str,
        *,
        target: SearchTarget,
        attributes: dict[str, ColumnElement[Any]],
        key: ColumnElement[Any],
        tag_key: ColumnElement[Any],
        nullable: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(dialect)
        self.target = target
        self.attributes = attributes
        self.key = key
        self.tag_key = tag_key
        self.nullable = nullable

    def __call__(self, comparison: Comparison) -> ColumnElement[bool]:
        identifier = comparison.identifier
        name = identifier.key
        if identifier.entity is Entity.ATTRIBUTES:
            column = self.attributes[name]
            if self.target.kind_of(identifier) is ValueKind.NUMBER:
                return self.number(column, comparison)
            condition = self.string(column, comparison)
            if name in self.nullable:
                # Keeps NOT the exact complement: NULL would make both false.
                condition = and_(column.is_not(None), condition)
            return condition
        tags = self.tag_key.table.c
        if name == PROMPT_TAG and comparison.op not in (Operator.IS_NULL, Operator.IS_NOT_NULL):
            value = (
                select(tags.value)
                .where(self.tag_key == self.key, tags.key == PROMPT_TAG)
                .scalar_subquery()
            )
            return self.string(func.coalesce(value, literal("false")), comparison)
        rows = select(self.tag_key).where(tags.key == name)
        if comparison.op is Operator.IS_NULL:
            return not_(self.member(self.key, self.tag_key, rows))
        if comparison.op is not Operator.IS_NOT_NULL:
            rows = rows.where(self.string(tags.value, comparison))
        return self.member(self.key, self.tag_key, rows)
