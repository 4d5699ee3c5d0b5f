"""Runs: one execution of training code, with what it logged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from runwright.entities.datasets import DatasetInput
from runwright.entities.lifecycle import LifecycleStage, RunStatus
from runwright.entities.values import Metric

__all__ = ["PARENT_RUN_TAG", "RUN_NAME_TAG", "USER_TAG", "Run", "RunData", "RunInfo"]

# Tag names MLflow clients set; the parent link is kept as a tag so that runs created
# by the mlflow client and by Runwright look the same.
PARENT_RUN_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str
    user_id: str
    status: RunStatus
    start_time: int
    end_time: int | None
    lifecycle_stage: LifecycleStage
    artifact_uri: str
    # Last time anything wrote to the run; a RUNNING run whose heartbeat is old
    # belongs to a process that died.
    heartbeat_time: int | None = None

    @property
    def run_uuid(self) -> str:
        return self.run_id

    def is_stale(self, *, now_ms: int, threshold_ms: int) -> bool:
        """True for a RUNNING run nobody has written to for longer than the threshold."""
        if self.status is not RunStatus.RUNNING:
            return False
        last = self.heartbeat_time if self.heartbeat_time is not None else self.start_time
        return now_ms - last > threshold_ms


@dataclass(frozen=True, slots=True)
class RunData:
    """Params, tags and the latest value of each metric (histories are fetched apart)."""

    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The latest point of each metric, with its step and timestamp.
    latest_metrics: Mapping[str, Metric] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Run:
    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: tuple[DatasetInput, ...] = ()

    @property
    def run_id(self) -> str:
        return self.info.run_id

    @property
    def parent_run_id(self) -> str | None:
        return self.data.tags.get(PARENT_RUN_TAG)
