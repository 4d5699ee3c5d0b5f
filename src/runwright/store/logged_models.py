"""The store interface for logged models and the runs that output them.

Kept apart from `TrackingStore`: a store may keep experiments and runs without logged
models (the tracking service checks with `isinstance` before using these methods).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from runwright.entities import (
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
    PagedList,
)

__all__ = ["LoggedModelStore"]


class LoggedModelStore(ABC):
    """Persistence of logged models; the rules (names, ids, limits) live in the service.

    Every method is atomic. Methods that name a model raise NotFoundError for an
    unknown or deleted one, unless they say otherwise.
    """

    @abstractmethod
    def create_logged_model(
        self,
        *,
        experiment_id: str,
        name: str,
        model_type: str | None,
        source_run_id: str | None,
        params: Mapping[str, str],
        tags: Mapping[str, str],
        creation_time: int,
    ) -> LoggedModel:
        """A new PENDING model with a fresh id and an artifact location under the
        experiment's root; NotFoundError for an unknown experiment, InvalidArgumentError
        for a deleted one."""

    @abstractmethod
    def get_logged_model(self, *, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        """The model; a deleted one only with `allow_deleted`."""

    @abstractmethod
    def finalize_logged_model(
        self, *, model_id: str, status: LoggedModelStatus, updated_time: int
    ) -> LoggedModel: ...

    @abstractmethod
    def delete_logged_model(self, *, model_id: str, deleted_time: int) -> None:
        """Soft delete: the model leaves searches and gets; its files are the caller's."""

    @abstractmethod
    def set_logged_model_tags(self, *, model_id: str, tags: Mapping[str, str]) -> None:
        """Set (overwrite) tags."""

    @abstractmethod
    def delete_logged_model_tag(self, *, model_id: str, key: str) -> None:
        """NotFoundError if the model has no such tag."""

    @abstractmethod
    def log_logged_model_params(self, *, model_id: str, params: Mapping[str, str]) -> None:
        """Params are written once: the same value again is fine, another value is an
        InvalidArgumentError (and nothing of the call is stored)."""

    @abstractmethod
    def log_logged_model_metrics(
        self, *, model_id: str, metrics: Sequence[LoggedModelMetric]
    ) -> None:
        """Append metric points to the model."""

    @abstractmethod
    def search_logged_models(
        self,
        *,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        datasets: Sequence[LoggedModelDataset],
        max_results: int,
        order_by: Sequence[LoggedModelOrder],
        page_token: str | None,
    ) -> PagedList[LoggedModel]:
        """Active models of the experiments that match the filter, newest first unless
        `order_by` says otherwise. With `datasets`, only metrics measured on one of them
        count for metric filters and orders, and without a metric filter only models
        with such a metric match."""

    @abstractmethod
    def list_deleted_logged_models(self, *, deleted_before: int | None) -> list[LoggedModel]:
        """Models in the deleted stage (deleted before the given time, in ms), for garbage
        collection; a deleted model's `last_updated_timestamp` is its deletion time."""

    @abstractmethod
    def purge_logged_models(self, *, model_ids: Sequence[str]) -> None:
        """Permanently remove models with their tags, params, metrics and the run outputs
        that point at them; unknown ids are skipped. Their files are the caller's."""

    @abstractmethod
    def log_outputs(self, *, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Record models as outputs of a run; logging the same (model, step) again is a
        no-op. The run must be active and the models must exist."""

    @abstractmethod
    def get_run_outputs(self, *, run_ids: Sequence[str]) -> dict[str, list[LoggedModelOutput]]:
        """The outputs of each run (every requested id is a key; unknown runs have none)."""
