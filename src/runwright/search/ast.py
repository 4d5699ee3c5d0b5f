"""The parsed form of a search filter and of an order_by list.

A filter is a tree of :class:`Comparison` leaves joined by :class:`And`, :class:`Or` and
:class:`Not`. Every node is a frozen dataclass, so two filters that mean the same thing
after parsing compare equal (whitespace, keyword case and entity aliases are gone).

:class:`SearchTarget` says what a filter may name for one kind of resource (runs,
experiments, logged models, registered models, model versions); the parser checks
identifiers, operators and value types against it, so a store only ever sees trees that
make sense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TypeAlias

__all__ = [
    "EXPERIMENTS",
    "MODEL_VERSIONS",
    "REGISTERED_MODELS",
    "RUNS",
    "And",
    "Comparison",
    "Entity",
    "Expression",
    "Identifier",
    "LikeToken",
    "Not",
    "Operator",
    "Or",
    "OrderKey",
    "SearchTarget",
    "Value",
    "ValueKind",
    "like_tokens",
]


class Entity(StrEnum):
    """What an identifier points at; the value is the canonical (plural) prefix."""

    METRICS = "metrics"
    PARAMS = "params"
    TAGS = "tags"
    ATTRIBUTES = "attributes"
    DATASETS = "datasets"


class Operator(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LIKE = "LIKE"
    ILIKE = "ILIKE"
    IN = "IN"
    NOT_IN = "NOT IN"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"


class ValueKind(StrEnum):
    """Whether an identifier holds numbers or strings; decides operators and value types."""

    NUMBER = "number"
    STRING = "string"


NUMERIC_OPERATORS = frozenset(
    {Operator.EQ, Operator.NE, Operator.LT, Operator.LE, Operator.GT, Operator.GE}
)
STRING_OPERATORS = frozenset(
    {Operator.EQ, Operator.NE, Operator.LIKE, Operator.ILIKE, Operator.IN, Operator.NOT_IN}
)
PRESENCE_OPERATORS = frozenset({Operator.IS_NULL, Operator.IS_NOT_NULL})

_PLAIN_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:")


@dataclass(frozen=True, slots=True)
class Identifier:
    """`<entity>.<key>`; for attributes the key is the canonical name (aliases resolved)."""

    entity: Entity
    key: str

    def __str__(self) -> str:
        plain = bool(self.key) and set(self.key) <= _PLAIN_KEY_CHARS
        key = self.key if plain else f"`{self.key}`"
        if self.entity is Entity.ATTRIBUTES:
            return key
        return f"{self.entity.value}.{key}"


# A number for numeric identifiers, a string otherwise, a tuple of strings for IN / NOT IN,
# None for IS NULL / IS NOT NULL.
Value: TypeAlias = str | int | float | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Comparison:
    identifier: Identifier
    op: Operator
    value: Value


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expression


Expression: TypeAlias = Comparison | And | Or | Not


@dataclass(frozen=True, slots=True)
class OrderKey:
    identifier: Identifier
    descending: bool = False


@dataclass(frozen=True, eq=False)
class SearchTarget:
    """What filters and order_by clauses may name when searching one kind of resource."""

    name: str
    entities: tuple[Entity, ...]
    # Attributes a filter may name: canonical name -> kind, in the order messages list them.
    attributes: Mapping[str, ValueKind]
    attribute_aliases: Mapping[str, str]
    orderable_attributes: tuple[str, ...]
    orderable_entities: tuple[Entity, ...]
    dataset_keys: tuple[str, ...] = ()

    def kind_of(self, identifier: Identifier) -> ValueKind:
        if identifier.entity is Entity.METRICS:
            return ValueKind.NUMBER
        if identifier.entity is Entity.ATTRIBUTES:
            return self.attributes[identifier.key]
        return ValueKind.STRING


RUNS = SearchTarget(
    name="runs",
    entities=(Entity.METRICS, Entity.PARAMS, Entity.TAGS, Entity.ATTRIBUTES, Entity.DATASETS),
    attributes={
        "run_id": ValueKind.STRING,
        "run_name": ValueKind.STRING,
        "status": ValueKind.STRING,
        "user_id": ValueKind.STRING,
        "artifact_uri": ValueKind.STRING,
        "lifecycle_stage": ValueKind.STRING,
        "start_time": ValueKind.NUMBER,
        "end_time": ValueKind.NUMBER,
    },
    attribute_aliases={"run name": "run_name", "created": "start_time"},
    orderable_attributes=(
        "start_time",
        "end_time",
        "run_name",
        "status",
        "run_id",
        "user_id",
        "artifact_uri",
    ),
    orderable_entities=(Entity.METRICS, Entity.PARAMS, Entity.TAGS, Entity.ATTRIBUTES),
    dataset_keys=("name", "digest", "context"),
)

EXPERIMENTS = SearchTarget(
    name="experiments",
    entities=(Entity.ATTRIBUTES, Entity.TAGS),
    attributes={
        "name": ValueKind.STRING,
        "creation_time": ValueKind.NUMBER,
        "last_update_time": ValueKind.NUMBER,
    },
    attribute_aliases={},
    orderable_attributes=("name", "experiment_id", "creation_time", "last_update_time"),
    orderable_entities=(Entity.ATTRIBUTES,),
)


LOGGED_MODELS = SearchTarget(
    name="logged models",
    entities=(Entity.METRICS, Entity.PARAMS, Entity.TAGS, Entity.ATTRIBUTES),
    attributes={
        "model_id": ValueKind.STRING,
        "name": ValueKind.STRING,
        "model_type": ValueKind.STRING,
        "status": ValueKind.STRING,
        "source_run_id": ValueKind.STRING,
        "creation_timestamp": ValueKind.NUMBER,
        "last_updated_timestamp": ValueKind.NUMBER,
    },
    attribute_aliases={
        "creation_time": "creation_timestamp",
        "creation_timestamp_ms": "creation_timestamp",
        "last_updated_timestamp_ms": "last_updated_timestamp",
        "last_update_time": "last_updated_timestamp",
    },
    orderable_attributes=(
        "name",
        "model_id",
        "model_type",
        "status",
        "source_run_id",
        "creation_timestamp",
        "last_updated_timestamp",
    ),
    orderable_entities=(Entity.ATTRIBUTES, Entity.METRICS),
)


REGISTERED_MODELS = SearchTarget(
    name="registered models",
    entities=(Entity.ATTRIBUTES, Entity.TAGS),
    attributes={
        "name": ValueKind.STRING,
        "creation_timestamp": ValueKind.NUMBER,
        "last_updated_timestamp": ValueKind.NUMBER,
    },
    # MLflow's order_by key `timestamp` is the last update.
    attribute_aliases={"timestamp": "last_updated_timestamp"},
    orderable_attributes=("name", "creation_timestamp", "last_updated_timestamp"),
    orderable_entities=(Entity.ATTRIBUTES,),
)

MODEL_VERSIONS = SearchTarget(
    name="model versions",
    entities=(Entity.ATTRIBUTES, Entity.TAGS),
    attributes={
        "name": ValueKind.STRING,
        "version_number": ValueKind.NUMBER,
        "run_id": ValueKind.STRING,
        "source_path": ValueKind.STRING,
        "creation_timestamp": ValueKind.NUMBER,
        "last_updated_timestamp": ValueKind.NUMBER,
    },
    attribute_aliases={"timestamp": "last_updated_timestamp"},
    orderable_attributes=("name", "version_number", "creation_timestamp", "last_updated_timestamp"),
    orderable_entities=(Entity.ATTRIBUTES,),
)


class LikeToken(Enum):
    """The wildcards of a LIKE pattern: `%` (any run of characters) and `_` (one character)."""

    ANY_RUN = "%"
    ANY_ONE = "_"


def like_tokens(pattern: str) -> list[str | LikeToken]:
    """Split a LIKE / ILIKE pattern into literal text and wildcards.

    A backslash makes the next character literal (`\\%`, `\\_`, `\\\\`); a trailing
    backslash is a literal backslash. Adjacent literal characters are merged.
    """
    parts: list[str | LikeToken] = []
    literal: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            literal.append(pattern[index + 1])
            index += 2
            continue
        if char in "%_":
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(LikeToken(char))
        else:
            literal.append(char)
        index += 1
    if literal:
        parts.append("".join(literal))
    return parts
