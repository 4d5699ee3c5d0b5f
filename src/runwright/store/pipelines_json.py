"""The pipeline store's records as JSON: the one codec the tracking server renders them
with and the REST store reads them (and writes its requests) with.

Shapes are flat objects with the entities' field names. Unset values are ``null``;
``parameters_blob`` (cloudpickled bytes) travels as base64; a step's outputs travel as
a list (each names itself), its inputs in their stored order.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from typing import Any, TypeVar

from runwright.entities import Tag
from runwright.entities.pipelines import (
    CacheStatus,
    LineageEdge,
    OutputRef,
    PipelineRunRecord,
    StepInput,
    StepRecord,
)
from runwright.errors import InvalidArgumentError

Flat = OutputRef | StepInput | LineageEdge
F = TypeVar("F", OutputRef, StepInput, LineageEdge)
_CASTS: dict[str, Callable[[Any], Any]] = {"str": str, "int": int}

__all__ = [
    "blob_from_json",
    "blob_to_json",
    "flat_from_json",
    "flat_to_json",
    "pipeline_run_from_json",
    "pipeline_run_to_json",
    "step_record_from_json",
    "step_record_to_json",
    "tags_from_json",
    "tags_to_json",
]


def blob_to_json(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")


def blob_from_json(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidArgumentError(f"not valid base64: {exc}") from None


def tags_to_json(tags: Iterable[Tag]) -> list[dict[str, str]]:
    return [{"key": tag.key, "value": tag.value} for tag in tags]


def tags_from_json(items: Iterable[Mapping[str, Any]]) -> list[Tag]:
    return [Tag(str(item["key"]), str(item.get("value", ""))) for item in items]


def flat_to_json(item: Flat) -> dict[str, Any]:
    """A record whose fields are all strings and integers (an output ref, a step input,
    a lineage edge): an object of its fields by name."""
    return {name: getattr(item, name) for name in _field_types(type(item))}


def flat_from_json(kind: type[F], data: Mapping[str, Any]) -> F:
    return kind(**{name: cast(data[name]) for name, cast in _field_types(kind).items()})


def _field_types(kind: type[Flat]) -> dict[str, Callable[[Any], Any]]:
    return {f.name: _CASTS[str(f.type)] for f in fields(kind)}


def step_record_to_json(step: StepRecord) -> dict[str, Any]:
    return {
        "run_id": step.run_id,
        "pipeline_run_id": step.pipeline_run_id,
        "pipeline_name": step.pipeline_name,
        "node_id": step.node_id,
        "step_name": step.step_name,
        "status": step.status,
        "start_time": step.start_time,
        "end_time": step.end_time,
        "attempts": step.attempts,
        "cache_key": step.cache_key,
        "cache_status": step.cache_status.value,
        "cache_reason": step.cache_reason,
        "cached_from_run_id": step.cached_from_run_id,
        "cache_components": dict(step.cache_components),
        "outputs": [flat_to_json(ref) for ref in step.outputs.values()],
        "inputs": [flat_to_json(item) for item in step.inputs],
    }


def step_record_from_json(data: Mapping[str, Any]) -> StepRecord:
    outputs = [flat_from_json(OutputRef, item) for item in data.get("outputs") or ()]
    return StepRecord(
        run_id=str(data["run_id"]),
        pipeline_run_id=str(data["pipeline_run_id"]),
        pipeline_name=str(data["pipeline_name"]),
        node_id=str(data["node_id"]),
        step_name=str(data["step_name"]),
        status=str(data["status"]),
        start_time=int(data["start_time"]),
        end_time=_optional_int(data.get("end_time")),
        attempts=int(data.get("attempts") or 0),
        cache_key=_optional_str(data.get("cache_key")),
        cache_status=CacheStatus(data["cache_status"]),
        cache_reason=str(data.get("cache_reason") or ""),
        cached_from_run_id=_optional_str(data.get("cached_from_run_id")),
        cache_components=dict(data.get("cache_components") or {}),
        outputs={ref.name: ref for ref in outputs},
        inputs=tuple(flat_from_json(StepInput, item) for item in data.get("inputs") or ()),
    )


def pipeline_run_to_json(record: PipelineRunRecord) -> dict[str, Any]:
    return {
        "run_id": record.run_id,
        "pipeline_name": record.pipeline_name,
        "source": dict(record.source),
        "parameters_blob": blob_to_json(record.parameters_blob),
        "parameters": dict(record.parameters),
        "graph": dict(record.graph),
        "options": dict(record.options),
        "status": record.status,
        "start_time": record.start_time,
        "end_time": record.end_time,
    }


def pipeline_run_from_json(data: Mapping[str, Any]) -> PipelineRunRecord:
    return PipelineRunRecord(
        run_id=str(data["run_id"]),
        pipeline_name=str(data["pipeline_name"]),
        source={str(k): str(v) for k, v in (data.get("source") or {}).items()},
        parameters_blob=blob_from_json(str(data.get("parameters_blob") or "")),
        parameters=dict(data.get("parameters") or {}),
        graph=dict(data.get("graph") or {}),
        options=dict(data.get("options") or {}),
        status=str(data["status"]),
        start_time=int(data["start_time"]),
        end_time=_optional_int(data.get("end_time")),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
