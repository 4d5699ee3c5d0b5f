"""The values a run records: params, metrics and tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Metric", "Param", "Tag"]


@dataclass(frozen=True, slots=True)
class Param:
    """A param is written once: logging the same key with another value is an error."""

    key: str
    value: str


class Metric(NamedTuple):
    """One point of a metric's history; `value` may be NaN or ±inf.

    A NamedTuple rather than a dataclass: one is built per `log_metric` call, on the
    caller's hot path, and a tuple is several times cheaper to make.
    """

    key: str
    value: float
    timestamp: int
    step: int = 0


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str
