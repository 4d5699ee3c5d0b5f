"""Request bodies and query strings of the MLflow REST API, as Pydantic models.

Field names are MLflow's (from its service.proto). Unknown fields are ignored, as
MLflow's server does; numbers sent as strings (protobuf's int64 JSON form) are read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _RunScoped(_Request):
    """MLflow accepts the deprecated `run_uuid` wherever it takes `run_id`."""

    run_id: str | None = None
    run_uuid: str | None = None

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


class KeyValue(_Request):
    key: str
    value: str = ""


class CreateExperiment(_Request):
    name: str
    artifact_location: str | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class ExperimentRef(_Request):
    experiment_id: str


class ExperimentByName(_Request):
    experiment_name: str


class UpdateExperiment(_Request):
    experiment_id: str
    new_name: str | None = None


class SetExperimentTag(_Request):
    experiment_id: str
    key: str
    value: str


class DeleteExperimentTag(_Request):
    experiment_id: str
    key: str


class SearchExperiments(_Request):
    max_results: int = 1000
    page_token: str | None = None
    filter: str | None = None
    order_by: list[str] = Field(default_factory=list)
    view_type: str | None = None


class CreateRun(_Request):
    experiment_id: str = "0"
    user_id: str | None = None
    run_name: str | None = None
    start_time: int | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class RunRef(_RunScoped):
    pass


class UpdateRun(_RunScoped):
    status: str | None = None
    end_time: int | None = None
    run_name: str | None = None


class SearchRuns(_Request):
    experiment_ids: list[str] = Field(default_factory=list)
    filter: str | None = None
    run_view_type: str | None = None
    max_results: int = 1000
    order_by: list[str] = Field(default_factory=list)
    page_token: str | None = None


class LogMetric(_RunScoped):
    key: str
    value: float
    timestamp: int
    step: int = 0


class LogParam(_RunScoped):
    key: str
    value: str


class SetTag(_RunScoped):
    key: str
    value: str


class DeleteTag(_RunScoped):
    key: str


class MetricIn(_Request):
    key: str
    value: float
    timestamp: int
    step: int = 0


class LogBatch(_RunScoped):
    metrics: list[MetricIn] = Field(default_factory=list)
    params: list[KeyValue] = Field(default_factory=list)
    tags: list[KeyValue] = Field(default_factory=list)


class DatasetIn(_Request):
    name: str
    digest: str
    source_type: str
    source: str
    schema_: str | None = Field(default=None, alias="schema")
    profile: str | None = None


class DatasetInputIn(_Request):
    tags: list[KeyValue] = Field(default_factory=list)
    dataset: DatasetIn


class LogInputs(_RunScoped):
    datasets: list[DatasetInputIn] = Field(default_factory=list)


class LogModel(_RunScoped):
    model_json: str


class GetHistory(_RunScoped):
    metric_key: str
    page_token: str | None = None
    max_results: int | None = None


class ListArtifacts(_RunScoped):
    path: str | None = None
    page_token: str | None = None
