"""The search filter language of runs and experiments: parse text into a checked tree.

Stores translate the tree (`runwright.store.sql.search` into SQL); nothing here does I/O
or imports a database library.
"""

from __future__ import annotations

from runwright.search.ast import (
    EXPERIMENTS,
    LOGGED_MODELS,
    MODEL_VERSIONS,
    REGISTERED_MODELS,
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
    SearchTarget,
    Value,
    ValueKind,
    like_tokens,
)
from runwright.search.grammar import parse_filter, parse_order_by

__all__ = [
    "EXPERIMENTS",
    "LOGGED_MODELS",
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
    "parse_filter",
    "parse_order_by",
]
