"""Request bodies and query strings of the MLflow REST API, as Pydantic models.

Field names are MLflow's (from its service.proto). Unknown fields are ignored, as
MLflow's server does; numbers sent as strings (protobuf's int64 JSON form) are read,
and so are numeric experiment ids and a body double-encoded as a JSON string.

What no store can hold is refused here, as a 400 that names the field, rather than
by the database as an internal error: text with NUL characters or unpaired UTF-16
surrogates, integers beyond 64 bits, experiment ids beyond the 32-bit id column.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "CreateExperiment",
    "CreateRun",
    "DatasetIn",
    "DatasetInputIn",
    "DeleteExperimentTag",
    "DeleteTag",
    "ExperimentByName",
    "ExperimentRef",
    "GetHistory",
    "KeyValue",
    "ListArtifacts",
    "LogBatch",
    "LogInputs",
    "LogMetric",
    "LogModel",
    "LogParam",
    "RunRef",
    "SearchExperiments",
    "SearchRuns",
    "SetExperimentTag",
    "SetTag",
    "UpdateExperiment",
    "UpdateRun",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Experiment ids are a 32-bit integer column in the SQL schema.
MAX_EXPERIMENT_ID = 2**31 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _not_bool(value: object) -> object:
    # Pydantic reads true as 1; protobuf's JSON mapping, and so MLflow, refuses it.
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


def _experiment_id(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            return value  # the store explains what an experiment id looks like
        if not 0 <= number <= MAX_EXPERIMENT_ID:
            raise ValueError(f"experiment id {value} is out of range (0 to {MAX_EXPERIMENT_ID})")
    return value


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text may not contain NUL characters")
    if not text.isascii() and _SURROGATE.search(text):
        raise ValueError("text holds an unpaired UTF-16 surrogate, which is not Unicode")
    return text


Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX), BeforeValidator(_not_bool)]
Millis = Annotated[int, Field(ge=0, le=INT64_MAX), BeforeValidator(_not_bool)]
Double = Annotated[float, BeforeValidator(_not_bool)]
ExperimentId = Annotated[str, BeforeValidator(_experiment_id)]
# Every text field: a database can store neither NUL nor a lone surrogate.
Text = Annotated[str, AfterValidator(_storable)]


class _Item(BaseModel):
    """A part of a request (a tag, a metric); only a whole request is decoded twice."""

    model_config = ConfigDict(extra="ignore")


class _Request(_Item):
    """A whole request body or query string."""

    @model_validator(mode="before")
    @classmethod
    def _decode_twice(cls, data: Any) -> Any:
        # MLflow reads a body that is a JSON document inside a JSON string.
        if isinstance(data, str):
            try:
                return json.loads(data)
            except ValueError:
                return data  # not an object: validation says so
        return data


class _RunScoped(_Request):
    """MLflow accepts the deprecated `run_uuid` wherever it takes `run_id`."""

    run_id: Text | None = None
    run_uuid: Text | None = None

    @model_validator(mode="after")
    def _one_run_id(self) -> _RunScoped:
        if not self.run_id and self.run_uuid:
            self.run_id = self.run_uuid
        if not self.run_id:
            raise ValueError("Missing value for required parameter 'run_id'")
        return self

    @property
    def rid(self) -> str:
        assert self.run_id is not None
        return self.run_id


class KeyValue(_Item):
    key: Text
    value: Text = ""


class CreateExperiment(_Request):
    name: Text
    artifact_location: Text | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class ExperimentRef(_Request):
    experiment_id: ExperimentId


class ExperimentByName(_Request):
    experiment_name: Text


class UpdateExperiment(_Request):
    experiment_id: ExperimentId
    new_name: Text | None = None


class SetExperimentTag(_Request):
    experiment_id: ExperimentId
    key: Text
    value: Text


class DeleteExperimentTag(_Request):
    experiment_id: ExperimentId
    key: Text


class SearchExperiments(_Request):
    max_results: Int64 = 1000
    page_token: Text | None = None
    filter: Text | None = None
    order_by: list[Text] = Field(default_factory=list)
    # The enum's name, or its number as protobuf's JSON mapping also allows.
    view_type: Text | int | None = None


class CreateRun(_Request):
    experiment_id: ExperimentId = "0"
    user_id: Text | None = None
    run_name: Text | None = None
    start_time: Millis | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class RunRef(_RunScoped):
    pass


class UpdateRun(_RunScoped):
    status: Text | None = None
    end_time: Millis | None = None
    run_name: Text | None = None


class SearchRuns(_Request):
    experiment_ids: list[ExperimentId] = Field(default_factory=list)
    filter: Text | None = None
    run_view_type: Text | int | None = None
    max_results: Int64 = 1000
    order_by: list[Text] = Field(default_factory=list)
    page_token: Text | None = None


class _ModelMetric(_Item):
    """MLflow 3's fields for a metric measured on a logged model (and a dataset): the
    point also goes to that model's metrics. The dataset fields are as wide as the
    columns that keep them (MLflow's too): longer ones are refused before anything is
    stored."""

    model_id: Text | None = None
    dataset_name: Annotated[Text, Field(max_length=500)] | None = None
    dataset_digest: Annotated[Text, Field(max_length=36)] | None = None


class LogMetric(_RunScoped, _ModelMetric):
    key: Text
    value: Double
    timestamp: Millis
    step: Int64 = 0


class LogParam(_RunScoped):
    key: Text
    value: Text


class SetTag(_RunScoped):
    key: Text
    value: Text


class DeleteTag(_RunScoped):
    key: Text


class MetricIn(_ModelMetric):
    key: Text
    value: Double
    timestamp: Millis
    step: Int64 = 0


class LogBatch(_RunScoped):
    metrics: list[MetricIn] = Field(default_factory=list)
    params: list[KeyValue] = Field(default_factory=list)
    tags: list[KeyValue] = Field(default_factory=list)


class DatasetIn(_Item):
    name: Text
    digest: Text
    source_type: Text
    source: Text
    schema_: Text | None = Field(default=None, alias="schema")
    profile: Text | None = None


class DatasetInputIn(_Item):
    tags: list[KeyValue] = Field(default_factory=list)
    dataset: DatasetIn


class LogInputs(_RunScoped):
    datasets: list[DatasetInputIn] = Field(default_factory=list)


class LogModel(_RunScoped):
    model_json: Text


class GetHistory(_RunScoped):
    metric_key: Text
    page_token: Text | None = None
    max_results: Int64 | None = None


class ListArtifacts(_RunScoped):
    path: Text | None = None
    page_token: Text | None = None
