"""Pipeline runs, step runs and the lineage between them: what the store keeps of a DAG."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "PIPELINE_RUN_TAG",
    "RUN_TYPE_TAG",
    "STEP_NODE_TAG",
    "CacheStatus",
    "LineageEdge",
    "OutputRef",
    "PipelineRunRecord",
    "StepInput",
    "StepRecord",
]

# Tags that make pipeline and step runs findable with the ordinary run search.
RUN_TYPE_TAG = "runwright.run.type"
PIPELINE_RUN_TAG = "runwright.pipeline.run_id"
STEP_NODE_TAG = "runwright.step.node"


class CacheStatus(StrEnum):
    HIT = "hit"
    MISS = "miss"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class OutputRef:
    """Where one step output lives; what the driver passes around instead of the value."""

    name: str
    uri: str
    serializer: str
    content_hash: str
    size: int
    #: The step run that computed the value (for a cached step: the earlier run).
    producer_run_id: str


@dataclass(frozen=True, slots=True)
class StepInput:
    """One artifact a step run read: argument ``arg`` (``position`` within a list)."""

    arg: str
    position: int
    content_hash: str
    producer_run_id: str
    output_name: str


@dataclass(frozen=True, slots=True)
class StepRecord:
    """A step run as the pipeline engine sees it; the tracking run holds the rest."""

    run_id: str
    pipeline_run_id: str
    pipeline_name: str
    node_id: str
    step_name: str
    status: str
    start_time: int
    end_time: int | None
    attempts: int
    cache_key: str | None
    cache_status: CacheStatus
    cache_reason: str
    cached_from_run_id: str | None
    #: What the cache key was made of: {"code": {...}, "inputs": {...}, "params": {...}}.
    cache_components: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, OutputRef] = field(default_factory=dict)
    inputs: tuple[StepInput, ...] = ()


@dataclass(frozen=True, slots=True)
class PipelineRunRecord:
    """What it takes to show or resume a pipeline run: its graph and how to re-import it."""

    run_id: str
    pipeline_name: str
    #: {"module": ..., "file": ..., "qualname": ...} of the @pipeline function.
    source: Mapping[str, str]
    #: Parameter values as given, cloudpickled (they need not be JSON).
    parameters_blob: bytes
    #: A JSON-able rendering of the parameters, for display.
    parameters: Mapping[str, Any]
    graph: Mapping[str, Any]
    options: Mapping[str, Any]
    status: str
    start_time: int
    end_time: int | None


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """Artifact ``output_name`` of ``producer_run_id`` was read by ``consumer_run_id``."""

    producer_run_id: str
    output_name: str
    content_hash: str
    consumer_run_id: str
    arg: str
