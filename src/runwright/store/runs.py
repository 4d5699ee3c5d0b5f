"""The store interface for runs and what they log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from runwright.entities import (
    DatasetInput,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    Tag,
    ViewType,
)

__all__ = ["RunStore"]


class RunStore(ABC):
    """Persistence of runs. Every method is atomic: it is fully stored or refused."""

    @abstractmethod
    def create_run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[Tag],
    ) -> Run: ...

    @abstractmethod
    def get_run(self, *, run_id: str) -> Run:
        """NotFoundError if there is no such run."""

    @abstractmethod
    def update_run(
        self,
        *,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo: ...

    @abstractmethod
    def delete_run(self, *, run_id: str, deleted_time: int) -> None: ...

    @abstractmethod
    def restore_run(self, *, run_id: str) -> None: ...

    @abstractmethod
    def log_batch(
        self,
        *,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[Tag] = (),
    ) -> None:
        """Write all values or none. A param already logged with another value is an
        InvalidArgumentError; a deleted run refuses writes."""

    @abstractmethod
    def delete_tag(self, *, run_id: str, key: str) -> None: ...

    @abstractmethod
    def log_inputs(self, *, run_id: str, datasets: Sequence[DatasetInput]) -> None: ...

    @abstractmethod
    def record_heartbeat(self, *, run_ids: Sequence[str], time: int) -> None:
        """Mark runs as alive, so a RUNNING run whose process died shows as stale."""

    @abstractmethod
    def get_metric_history(
        self, *, run_id: str, key: str, max_results: int | None, page_token: str | None
    ) -> PagedList[Metric]:
        """Points ordered by (timestamp, step, value), as MLflow returns them; all of
        them when max_results is None."""

    @abstractmethod
    def search_runs(
        self,
        *,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        view_type: ViewType,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> PagedList[Run]: ...

    @abstractmethod
    def list_deleted_runs(self, *, deleted_before: int | None) -> list[RunInfo]:
        """Runs in the deleted stage (deleted before the given time), for garbage collection."""

    @abstractmethod
    def purge_runs(self, *, run_ids: Sequence[str]) -> None:
        """Permanently remove runs and everything they logged (artifacts are the caller's)."""
