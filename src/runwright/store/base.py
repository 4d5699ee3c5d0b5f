"""The whole tracking store: one object serving every aggregate's interface."""

from __future__ import annotations

from abc import abstractmethod

from runwright.store.experiments import ExperimentStore
from runwright.store.runs import RunStore

__all__ = ["TrackingStore"]


class TrackingStore(ExperimentStore, RunStore):
    """What the tracking service talks to; SQL and (later) REST implement it."""

    #: The URI this store was opened from, as the user gave it.
    uri: str
    #: Where new experiments keep their artifacts unless told otherwise.
    default_artifact_root: str

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
