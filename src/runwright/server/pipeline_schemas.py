"""Requests of `/api/2.0/runwright/pipelines/*`, as Pydantic models.

Field names are those of the `PipelineStore` and `StepJournal` methods they stand for.
What no store can hold is refused here, as a 400 that names the field, rather than by
the database: text longer than its column, numbers beyond their column, the same key
twice where the key is a column of the primary key. Entities are built by the one
codec, `runwright.store.pipelines_json`, once a request is known to be well formed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from runwright.entities import PARENT_RUN_TAG, RunStatus, Tag
from runwright.entities.pipelines import CacheStatus, OutputRef, StepInput, StepRecord
from runwright.errors import InvalidArgumentError
from runwright.server.schemas import INT64_MAX, ExperimentId, Millis, Text
from runwright.store.pipelines_json import (
    blob_from_json,
    flat_from_json,
    step_record_from_json,
    tags_from_json,
)
from runwright.tracking.validation import MAX_KEY, MAX_PARAM_VALUE, MAX_TAG_VALUE

__all__ = [
    "MAX_IDS_PER_LIST",
    "BeginStep",
    "CacheKeyQuery",
    "Checkpoint",
    "CreatePipelineRun",
    "EndPipeline",
    "FinishStep",
    "JournalCall",
    "LineageQuery",
    "ListPipelineRuns",
    "NodeQuery",
    "PipelineRunRef",
    "RecordCachedStep",
    "StartStep",
    "StepRef",
    "StepsQuery",
]

# The widths of the columns these values go to (`runwright.store.sql.schema`).
RunId = Annotated[Text, Field(min_length=1, max_length=32)]
Name = Annotated[Text, Field(max_length=250)]
LongName = Annotated[Text, Field(max_length=500)]
Hash = Annotated[Text, Field(max_length=64)]
Count = Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)]
Key = Annotated[Text, Field(min_length=1, max_length=MAX_KEY)]
Params = dict[Key, Annotated[Text, Field(max_length=MAX_PARAM_VALUE)]]
#: Values per list of a lineage query: a database takes only so many in one statement.
MAX_IDS_PER_LIST = 1000
Ids = Annotated[list[Text], Field(max_length=MAX_IDS_PER_LIST)]
_T = TypeVar("_T")


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Request(_Item):
    """A whole request body or query string."""


class TagIn(_Item):
    key: Key
    value: Annotated[Text, Field(max_length=MAX_TAG_VALUE)] = ""


class OutputRefIn(_Item):
    name: Name
    uri: Annotated[Text, Field(max_length=2000)]
    serializer: Annotated[Text, Field(max_length=100)]
    content_hash: Hash
    size: Annotated[int, Field(ge=0, le=INT64_MAX, strict=True)]
    producer_run_id: RunId

    def entity(self) -> OutputRef:
        return flat_from_json(OutputRef, self.model_dump())


class StepInputIn(_Item):
    arg: Name
    position: Count
    content_hash: Hash
    producer_run_id: RunId
    output_name: Name

    def entity(self) -> StepInput:
        return flat_from_json(StepInput, self.model_dump())


class _Reads(_Item):
    inputs: list[StepInputIn] = Field(default_factory=list)

    @field_validator("inputs")
    @classmethod
    def _unique_inputs(cls, items: list[StepInputIn]) -> list[StepInputIn]:
        return _unique(items, lambda i: (i.arg, i.position), "input (arg, position)")

    def input_entities(self) -> list[StepInput]:
        return [item.entity() for item in self.inputs]


class _Writes(_Item):
    outputs: list[OutputRefIn] = Field(default_factory=list)

    @field_validator("outputs")
    @classmethod
    def _unique_outputs(cls, items: list[OutputRefIn]) -> list[OutputRefIn]:
        return _unique(items, lambda o: o.name, "output name")

    def output_entities(self) -> list[OutputRef]:
        return [item.entity() for item in self.outputs]


class StepRecordIn(_Writes, _Reads):
    """A step record as `find_cached_step` gave it: what a cached step reuses."""

    run_id: RunId
    pipeline_run_id: RunId
    pipeline_name: LongName
    node_id: LongName
    step_name: Name
    status: Text
    start_time: Millis
    end_time: Millis | None = None
    attempts: Count = 0
    cache_key: Hash | None = None
    cache_status: CacheStatus
    cache_reason: Text = ""
    cached_from_run_id: RunId | None = None
    cache_components: dict[str, Any] = Field(default_factory=dict)

    def entity(self) -> StepRecord:
        return step_record_from_json(self.model_dump(mode="json"))


def _unique(items: list[_T], key: Callable[[_T], object], what: str) -> list[_T]:
    """``items``, refused if two share a key (a primary key column of what they become)."""
    seen: set[object] = set()
    for item in items:
        value = key(item)
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)
    return items


class _Tagged(_Request):
    tags: list[TagIn] = Field(default_factory=list)

    @field_validator("tags")
    @classmethod
    def _unique_keys(cls, items: list[TagIn]) -> list[TagIn]:
        return _unique(items, lambda t: t.key, "tag key")

    def tag_entities(self) -> list[Tag]:
        return tags_from_json(tag.model_dump() for tag in self.tags)


class CreatePipelineRun(_Tagged):
    experiment_id: ExperimentId
    run_name: Name
    user_id: Annotated[Text, Field(max_length=256)]
    start_time: Millis
    params: Params = Field(default_factory=dict)
    pipeline_name: LongName
    source: dict[str, Text] = Field(default_factory=dict)
    #: The cloudpickled parameters, base64.
    parameters_blob: Text = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    graph: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("parameters_blob")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            blob_from_json(value)
        except InvalidArgumentError as exc:
            raise ValueError(exc.message) from None  # a bad field, named as such
        return value

    def blob(self) -> bytes:
        return blob_from_json(self.parameters_blob)


class PipelineRunRef(_Request):
    run_id: Text


class ListPipelineRuns(_Request):
    pipeline_name: Text | None = None
    max_results: Annotated[int, Field(ge=0, le=INT64_MAX)] = 100


class StepsQuery(_Request):
    pipeline_run_id: Text


class StepRef(_Request):
    run_id: Text


class LineageQuery(_Request):
    producer_run_ids: Ids = Field(default_factory=list)
    consumer_run_ids: Ids = Field(default_factory=list)
    content_hashes: Ids = Field(default_factory=list)


class JournalCall(_Request):
    """Every journal call names the pipeline run whose journal it writes or reads."""

    pipeline_run_id: Text


class _StepStart(JournalCall, _Tagged):
    run_name: Name
    params: Params = Field(default_factory=dict)
    node_id: LongName
    step_name: Name
    cache_reason: Text = ""
    cache_components: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tags")
    @classmethod
    def _parent_is_the_pipeline(cls, items: list[TagIn]) -> list[TagIn]:
        if any(tag.key == PARENT_RUN_TAG for tag in items):
            raise ValueError(f"a step run's {PARENT_RUN_TAG} is its pipeline run; do not set it")
        return items


class StartStep(_StepStart):
    start_time: Millis
    cache_key: Hash | None = None
    cache_status: CacheStatus
    #: Queued to start later (SCHEDULED) rather than running now.
    scheduled: bool = False


class BeginStep(JournalCall):
    run_id: RunId
    start_time: Millis


class RecordCachedStep(_StepStart, _Reads):
    time: Millis
    cache_key: Hash
    cached_from: StepRecordIn


class FinishStep(JournalCall, _Tagged, _Writes, _Reads):
    run_id: RunId
    status: RunStatus
    end_time: Millis
    attempts: Count


class CacheKeyQuery(JournalCall):
    cache_key: Text


class NodeQuery(JournalCall):
    node_id: Text


class Checkpoint(JournalCall):
    heartbeat_time: Millis


class EndPipeline(JournalCall):
    status: RunStatus
    end_time: Millis
