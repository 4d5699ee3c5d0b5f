"""Entities as MLflow's REST JSON: snake_case proto names, ids as strings, times in ms,
NaN and infinities as the strings protobuf's JSON mapping uses."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from runwright.entities import (
    DatasetInput,
    Experiment,
    FileInfo,
    LoggedModelOutput,
    Metric,
    Run,
    RunInfo,
)

__all__ = [
    "experiment_json",
    "file_info_json",
    "metric_json",
    "number",
    "run_info_json",
    "run_json",
]


def number(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _pairs(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in mapping.items()]


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": experiment.artifact_location,
        "lifecycle_stage": experiment.lifecycle_stage.value,
        "last_update_time": experiment.last_update_time,
        "creation_time": experiment.creation_time,
        "tags": _pairs(experiment.tags),
    }


def run_info_json(info: RunInfo) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "run_id": info.run_id,
        "run_uuid": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "user_id": info.user_id,
        "status": info.status.value,
        "start_time": info.start_time,
        "artifact_uri": info.artifact_uri,
        "lifecycle_stage": info.lifecycle_stage.value,
    }
    if info.end_time is not None:
        rendered["end_time"] = info.end_time
    # Runwright's addition to MLflow's RunInfo (the mlflow client ignores unknown
    # fields): remote clients need it to tell a live run from one whose process died.
    if info.heartbeat_time is not None:
        rendered["heartbeat_time"] = info.heartbeat_time
    return rendered


def metric_json(metric: Metric) -> dict[str, Any]:
    return {
        "key": metric.key,
        "value": number(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def _dataset_input_json(item: DatasetInput) -> dict[str, Any]:
    dataset = item.dataset
    rendered: dict[str, Any] = {
        "name": dataset.name,
        "digest": dataset.digest,
        "source_type": dataset.source_type,
        "source": dataset.source,
    }
    if dataset.schema is not None:
        rendered["schema"] = dataset.schema
    if dataset.profile is not None:
        rendered["profile"] = dataset.profile
    return {"tags": _pairs(item.tags), "dataset": rendered}


def run_json(run: Run, outputs: Sequence[LoggedModelOutput] = ()) -> dict[str, Any]:
    """`outputs` are the logged models the run produced (MLflow 3's `run.outputs`)."""
    rendered: dict[str, Any] = {
        "info": run_info_json(run.info),
        "data": {
            "metrics": [metric_json(m) for m in run.data.latest_metrics.values()],
            "params": _pairs(run.data.params),
            "tags": _pairs(run.data.tags),
        },
        "inputs": {"dataset_inputs": [_dataset_input_json(i) for i in run.inputs]},
    }
    if outputs:
        rendered["outputs"] = {
            "model_outputs": [{"model_id": o.model_id, "step": o.step} for o in outputs]
        }
    return rendered


def file_info_json(entry: FileInfo, *, relative_to: str = "") -> dict[str, Any]:
    path = entry.path
    if relative_to and path.startswith(relative_to.rstrip("/") + "/"):
        path = path[len(relative_to.rstrip("/")) + 1 :]
    rendered: dict[str, Any] = {"path": path, "is_dir": entry.is_dir}
    if entry.file_size is not None:
        rendered["file_size"] = entry.file_size
    return rendered
