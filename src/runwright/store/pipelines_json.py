"""The pipeline store's records as JSON: the one codec the tracking server renders them
with and the REST store reads them (and writes its requests) with.

Shapes are flat objects with the entities' field names. Unset values are ``null``;
``parameters_blob`` (cloudpickled bytes) travels as base64; a step's outputs travel as
a list (each names itself), its inputs in their stored order.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any

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

__all__ = [
    "blob_from_json",
    "blob_to_json",
    "lineage_edge_from_json",
    "lineage_edge_to_json",
    "output_ref_from_json",
    "output_ref_to_json",
    "pipeline_run_from_json",
    "pipeline_run_to_json",
    "step_input_from_json",
    "step_input_to_json",
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


def output_ref_to_json(ref: OutputRef) -> dict[str, Any]:
    return {
        "name": ref.name,
        "uri": ref.uri,
        "serializer": ref.serializer,
        "content_hash": ref.content_hash,
        "size": ref.size,
        "producer_run_id": ref.producer_run_id,
    }


def output_ref_from_json(data: Mapping[str, Any]) -> OutputRef:
    return OutputRef(
        name=str(data["name"]),
        uri=str(data["uri"]),
        serializer=str(data["serializer"]),
        content_hash=str(data["content_hash"]),
        size=int(data["size"]),
        producer_run_id=str(data["producer_run_id"]),
    )


def step_input_to_json(item: StepInput) -> dict[str, Any]:
    return {
        "arg": item.arg,
        "position": item.position,
        "content_hash": item.content_hash,
        "producer_run_id": item.producer_run_id,
        "output_name": item.output_name,
    }


def step_input_from_json(data: Mapping[str, Any]) -> StepInput:
    return StepInput(
        arg=str(data["arg"]),
        position=int(data["position"]),
        content_hash=str(data["content_hash"]),
        producer_run_id=str(data["producer_run_id"]),
        output_name=str(data["output_name"]),
    )


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
        "outputs": [output_ref_to_json(ref) for ref in step.outputs.values()],
        "inputs": [step_input_to_json(item) for item in step.inputs],
    }


def step_record_from_json(data: Mapping[str, Any]) -> StepRecord:
    outputs = [output_ref_from_json(item) for item in data.get("outputs") or ()]
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
        inputs=tuple(step_input_from_json(item) for item in data.get("inputs") or ()),
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


def lineage_edge_to_json(edge: LineageEdge) -> dict[str, Any]:
    return {
        "producer_run_id": edge.producer_run_id,
        "output_name": edge.output_name,
        "content_hash": edge.content_hash,
        "consumer_run_id": edge.consumer_run_id,
        "arg": edge.arg,
    }


def lineage_edge_from_json(data: Mapping[str, Any]) -> LineageEdge:
    return LineageEdge(
        producer_run_id=str(data["producer_run_id"]),
        output_name=str(data["output_name"]),
        content_hash=str(data["content_hash"]),
        consumer_run_id=str(data["consumer_run_id"]),
        arg=str(data["arg"]),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
