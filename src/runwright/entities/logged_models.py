"""Logged models: a model's files and metadata as a first-class record of its own.

A logged model belongs to an experiment, usually comes from a run (its source run),
and keeps its files under its own artifact location. Runs that produced a model list
it among their outputs; MLflow 3 clients create one for every `log_model` call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from runwright.entities.lifecycle import LifecycleStage

__all__ = [
    "LoggedModel",
    "LoggedModelDataset",
    "LoggedModelMetric",
    "LoggedModelOrder",
    "LoggedModelOutput",
    "LoggedModelStatus",
]


class LoggedModelStatus(StrEnum):
    """PENDING while the files are being uploaded; READY or FAILED once finalized."""

    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class LoggedModelMetric:
    """One metric point of a model, optionally tied to the run and dataset it was measured on.

    `value` may be NaN or ±inf.
    """

    key: str
    value: float
    timestamp: int
    step: int = 0
    run_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedModel:
    model_id: str
    experiment_id: str
    name: str
    #: Where the model's files live, e.g. `<experiment root>/models/<model_id>/artifacts`.
    artifact_location: str
    status: LoggedModelStatus
    lifecycle_stage: LifecycleStage
    creation_timestamp: int
    last_updated_timestamp: int
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: tuple[LoggedModelMetric, ...] = ()


@dataclass(frozen=True, slots=True)
class LoggedModelOutput:
    """A run's link to a model it produced, at the step the run was at."""

    model_id: str
    step: int = 0


@dataclass(frozen=True, slots=True)
class LoggedModelDataset:
    """A dataset named in a logged-model search: only metrics measured on it count."""

    name: str
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedModelOrder:
    """One sort key of a logged-model search.

    `field` is an attribute (`name`, `creation_timestamp`...) or `metrics.<key>`; for a
    metric, `dataset_name`/`dataset_digest` limit the values considered to that dataset.
    """

    field: str
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None
