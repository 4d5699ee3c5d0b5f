"""The store interface for experiments."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from runwright.entities import Experiment, PagedList, ViewType

__all__ = ["ExperimentStore"]


class ExperimentStore(ABC):
    """Persistence of experiments; rules (validation, naming) live in the tracking service."""

    @abstractmethod
    def create_experiment(
        self, *, name: str, artifact_location: str | None, tags: Mapping[str, str]
    ) -> str:
        """Create an experiment and return its id; AlreadyExistsError if the name is taken."""

    @abstractmethod
    def get_experiment(self, *, experiment_id: str) -> Experiment:
        """NotFoundError if there is no such experiment (deleted ones are returned)."""

    @abstractmethod
    def get_experiment_by_name(self, *, name: str) -> Experiment | None: ...

    @abstractmethod
    def search_experiments(
        self,
        *,
        view_type: ViewType,
        filter_string: str | None,
        order_by: Sequence[str] | None,
        max_results: int,
        page_token: str | None,
    ) -> PagedList[Experiment]: ...

    @abstractmethod
    def rename_experiment(self, *, experiment_id: str, new_name: str) -> None: ...

    @abstractmethod
    def delete_experiment(self, *, experiment_id: str, deleted_time: int) -> None:
        """Soft-delete the experiment and its active runs."""

    @abstractmethod
    def restore_experiment(self, *, experiment_id: str, updated_time: int) -> None:
        """Undo delete_experiment, for the experiment and the runs it deleted."""

    @abstractmethod
    def set_experiment_tag(self, *, experiment_id: str, key: str, value: str) -> None: ...

    @abstractmethod
    def delete_experiment_tag(self, *, experiment_id: str, key: str) -> None: ...

    @abstractmethod
    def purge_experiment(self, *, experiment_id: str) -> None:
        """Permanently remove a deleted experiment with its runs (artifacts are the caller's)."""
