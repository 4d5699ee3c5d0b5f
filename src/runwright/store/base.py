"""The whole tracking store: one object serving every aggregate's interface."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING

from runwright.store.experiments import ExperimentStore
from runwright.store.runs import RunStore

if TYPE_CHECKING:
    from runwright.artifacts import ArtifactStore

__all__ = ["TrackingStore"]


class TrackingStore(ExperimentStore, RunStore):
    """What the tracking service talks to; SQL and (later) REST implement it."""

    #: The URI this store was opened from, as the user gave it.
    uri: str
    #: Where new experiments keep their artifacts unless told otherwise.
    default_artifact_root: str

    #: URI prefixes this store's artifact roots use that stand for another location,
    #: e.g. a tracking server's {"mlflow-artifacts:": "/srv/artifacts"}.
    artifact_mounts: Mapping[str, str] = {}

    def artifact_repository(self, root_uri: str) -> ArtifactStore:
        """The artifact store behind a run's or an experiment's artifact root."""
        from runwright.artifacts import ArtifactRepository, artifact_repository_for, join_uri

        for prefix, target in self.artifact_mounts.items():
            if root_uri.startswith(prefix):
                rest = root_uri[len(prefix) :].strip("/")
                return ArtifactRepository(join_uri(target, rest) if rest else target)
        return artifact_repository_for(root_uri)

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
