"""MLflow REST JSON to entities, and the few entity fields that go the other way.

The server leaves out fields that are unset or empty (protobuf's JSON rules), may send
int64 values as strings, and writes NaN and infinities as "NaN", "Infinity" and
"-Infinity"; every reader here accepts all of that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from runwright.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    LifecycleStage,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunStatus,
)

__all__ = [
    "experiment_from_json",
    "float_from_json",
    "float_to_json",
    "metric_from_json",
    "metric_to_json",
    "pairs_from_json",
    "pairs_to_json",
    "run_from_json",
    "run_info_from_json",
]

_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def float_from_json(value: Any) -> float:
    if isinstance(value, str) and value in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[value]
    return float(value)


def float_to_json(value: float) -> float | str:
    """Strict JSON has no NaN or infinity; protobuf's JSON mapping spells them as strings."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _int(value: Any, default: int = 0) -> int:
    return default if value is None else int(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def pairs_from_json(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """`[{"key": k, "value": v}, ...]` as a dict; a later key wins, as on the server."""
    return {str(item["key"]): str(item.get("value", "")) for item in items or ()}


def pairs_to_json(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in mapping.items()]


def experiment_from_json(data: Mapping[str, Any]) -> Experiment:
    return Experiment(
        experiment_id=str(data["experiment_id"]),
        name=str(data.get("name", "")),
        artifact_location=str(data.get("artifact_location", "")),
        lifecycle_stage=LifecycleStage(data.get("lifecycle_stage", LifecycleStage.ACTIVE)),
        creation_time=_int(data.get("creation_time")),
        last_update_time=_int(data.get("last_update_time")),
        tags=pairs_from_json(data.get("tags")),
    )


def run_info_from_json(data: Mapping[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=str(data.get("run_id") or data["run_uuid"]),
        experiment_id=str(data.get("experiment_id", "")),
        run_name=str(data.get("run_name", "")),
        user_id=str(data.get("user_id", "")),
        status=RunStatus(data.get("status", RunStatus.RUNNING)),
        start_time=_int(data.get("start_time")),
        end_time=_optional_int(data.get("end_time")),
        lifecycle_stage=LifecycleStage(data.get("lifecycle_stage", LifecycleStage.ACTIVE)),
        artifact_uri=str(data.get("artifact_uri", "")),
        # A Runwright server adds this to MLflow's RunInfo; an MLflow server does not.
        heartbeat_time=_optional_int(data.get("heartbeat_time")),
    )


def metric_from_json(data: Mapping[str, Any]) -> Metric:
    # Called once per point of a history (100,000s of times): the common case first.
    value = data.get("value", 0.0)
    return Metric(
        data["key"],
        value if type(value) is float else float_from_json(value),
        int(data.get("timestamp", 0)),
        int(data.get("step", 0)),
    )


def metric_to_json(metric: Metric) -> dict[str, Any]:
    return {
        "key": metric.key,
        "value": float_to_json(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def _dataset_input_from_json(data: Mapping[str, Any]) -> DatasetInput:
    dataset = data.get("dataset", {})
    return DatasetInput(
        dataset=Dataset(
            name=str(dataset.get("name", "")),
            digest=str(dataset.get("digest", "")),
            source_type=str(dataset.get("source_type", "")),
            source=str(dataset.get("source", "")),
            schema=dataset.get("schema"),
            profile=dataset.get("profile"),
        ),
        tags=pairs_from_json(data.get("tags")),
    )


def run_from_json(data: Mapping[str, Any]) -> Run:
    body = data.get("data", {})
    latest = {}
    for item in body.get("metrics", ()):
        metric = metric_from_json(item)
        latest[metric.key] = metric
    return Run(
        info=run_info_from_json(data["info"]),
        data=RunData(
            params=pairs_from_json(body.get("params")),
            metrics={key: metric.value for key, metric in latest.items()},
            tags=pairs_from_json(body.get("tags")),
            latest_metrics=latest,
        ),
        inputs=tuple(
            _dataset_input_from_json(item)
            for item in data.get("inputs", {}).get("dataset_inputs", ())
        ),
    )
