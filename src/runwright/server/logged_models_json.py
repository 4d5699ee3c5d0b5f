"""Logged models on the wire: request schemas and JSON rendering, in MLflow's shapes.

Field names are MLflow's (service.proto: CreateLoggedModel, FinalizeLoggedModel,
SearchLoggedModels, LogOutputs...). Statuses travel as the proto enum names
(`LOGGED_MODEL_READY`); requests may also give the number or the short name.

Two additions MLflow's messages do not have, which its client ignores: the model's
`lifecycle_stage` in `info` (a deleted model is only returned when asked for), and
`LogLoggedModelMetrics`, the body of Runwright's endpoint for metrics logged on a model
without going through a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from runwright.entities import (
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
)
from runwright.server.rendering import number
from runwright.server.schemas import Double, Int64, KeyValue, Millis, Text

__all__ = [
    "CreateLoggedModel",
    "FinalizeLoggedModel",
    "ListLoggedModelArtifacts",
    "LogLoggedModelMetrics",
    "LogLoggedModelParams",
    "LogOutputs",
    "SearchLoggedModels",
    "SetLoggedModelTags",
    "logged_model_json",
    "run_outputs_json",
]

STATUS_NAMES: dict[LoggedModelStatus, str] = {
    LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    LoggedModelStatus.FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}
# The proto enum by name and number, and the short names Runwright uses.
_STATUS_BY_WIRE: dict[str, LoggedModelStatus] = {
    **{name: status for status, name in STATUS_NAMES.items()},
    **{status.value: status for status in LoggedModelStatus},
    "1": LoggedModelStatus.PENDING,
    "2": LoggedModelStatus.READY,
    "3": LoggedModelStatus.FAILED,
}


class _Request(BaseModel):
    # Unknown fields are ignored and numeric ids read as strings, as MLflow's server does.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class CreateLoggedModel(_Request):
    experiment_id: str
    name: str | None = None
    model_type: str | None = None
    source_run_id: str | None = None
    params: list[KeyValue] = Field(default_factory=list)
    tags: list[KeyValue] = Field(default_factory=list)


class FinalizeLoggedModel(_Request):
    status: LoggedModelStatus

    @field_validator("status", mode="before")
    @classmethod
    def _wire_status(cls, value: object) -> LoggedModelStatus:
        wire = str(value).upper() if isinstance(value, str | int) else ""
        found = _STATUS_BY_WIRE.get(wire)
        if found is None:
            raise ValueError(
                "status must be one of LOGGED_MODEL_PENDING, LOGGED_MODEL_READY, "
                f"LOGGED_MODEL_UPLOAD_FAILED, got {value!r}"
            )
        return found


class SetLoggedModelTags(_Request):
    tags: list[KeyValue] = Field(default_factory=list)


class LogLoggedModelParams(_Request):
    params: list[KeyValue] = Field(default_factory=list)


class _MetricIn(_Request):
    key: Text
    value: Double
    timestamp: Millis
    step: Int64 = 0
    # The widths of the store's columns (and MLflow's): longer values are refused here,
    # not by the database.
    run_id: Annotated[Text, Field(max_length=32)] | None = None
    dataset_name: Annotated[Text, Field(max_length=500)] | None = None
    dataset_digest: Annotated[Text, Field(max_length=36)] | None = None


class LogLoggedModelMetrics(_Request):
    model_id: str
    metrics: list[_MetricIn] = Field(default_factory=list)

    def metric_entities(self) -> list[LoggedModelMetric]:
        return [
            LoggedModelMetric(
                key=m.key,
                value=m.value,
                timestamp=m.timestamp,
                step=m.step,
                run_id=m.run_id or None,
                dataset_name=m.dataset_name or None,
                dataset_digest=m.dataset_digest or None,
            )
            for m in self.metrics
        ]


class _DatasetIn(_Request):
    dataset_name: str
    dataset_digest: str | None = None


class _OrderByIn(_Request):
    field_name: str
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None


class SearchLoggedModels(_Request):
    experiment_ids: list[str]
    filter: str | None = None
    datasets: list[_DatasetIn] = Field(default_factory=list)
    max_results: int | None = None
    order_by: list[_OrderByIn] = Field(default_factory=list)
    page_token: str | None = None

    def dataset_entities(self) -> list[LoggedModelDataset]:
        return [
            LoggedModelDataset(name=d.dataset_name, digest=d.dataset_digest or None)
            for d in self.datasets
        ]

    def order_entities(self) -> list[LoggedModelOrder]:
        return [
            LoggedModelOrder(
                field=o.field_name,
                ascending=o.ascending,
                dataset_name=o.dataset_name or None,
                dataset_digest=o.dataset_digest or None,
            )
            for o in self.order_by
        ]


class _ModelOutputIn(_Request):
    model_id: str
    step: int = 0


class LogOutputs(_Request):
    run_id: str
    models: list[_ModelOutputIn]

    def output_entities(self) -> list[LoggedModelOutput]:
        return [LoggedModelOutput(model_id=m.model_id, step=m.step) for m in self.models]


class ListLoggedModelArtifacts(_Request):
    artifact_directory_path: str | None = None
    page_token: str | None = None


def _pairs(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in mapping.items()]


def _metric_json(metric: LoggedModelMetric, model_id: str) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "key": metric.key,
        "value": number(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
        "model_id": model_id,
    }
    optional = {
        "run_id": metric.run_id,
        "dataset_name": metric.dataset_name,
        "dataset_digest": metric.dataset_digest,
    }
    rendered.update((k, value) for k, value in optional.items() if value)
    return rendered


def logged_model_json(model: LoggedModel) -> dict[str, Any]:
    """`{"info": ..., "data": ...}` as MLflow's LoggedModel message."""
    info: dict[str, Any] = {
        "model_id": model.model_id,
        "experiment_id": model.experiment_id,
        "name": model.name,
        "creation_timestamp_ms": model.creation_timestamp,
        "last_updated_timestamp_ms": model.last_updated_timestamp,
        "artifact_uri": model.artifact_location,
        "status": STATUS_NAMES[model.status],
        "lifecycle_stage": model.lifecycle_stage.value,
        "tags": _pairs(model.tags),
    }
    optional = {
        "model_type": model.model_type,
        "source_run_id": model.source_run_id,
        "status_message": model.status_message,
    }
    info.update((k, value) for k, value in optional.items() if value)
    return {
        "info": info,
        "data": {
            "params": _pairs(model.params),
            "metrics": [_metric_json(m, model.model_id) for m in model.metrics],
        },
    }


def run_outputs_json(outputs: Sequence[LoggedModelOutput]) -> dict[str, Any]:
    """A run's `outputs` object: `{"model_outputs": [{"model_id", "step"}]}`."""
    return {"model_outputs": [{"model_id": o.model_id, "step": o.step} for o in outputs]}
