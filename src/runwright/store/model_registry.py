"""The store interface of the model registry: registered models, versions, aliases and
their audit history.

(`runwright.store.registry` is the registry of store backends by URI scheme; this is the
model registry.) Kept apart from `TrackingStore`, like logged models: the registry
service checks with `isinstance` before using these methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from runwright.entities import ModelVersion, PagedList, RegisteredModel, RegistryEvent, Stage

__all__ = ["RegistryStore"]


class RegistryStore(ABC):
    """Persistence of the model registry; the rules (names, aliases, limits, how a source
    resolves to files) live in the service.

    Every method is atomic, and every method that changes something records a
    RegistryEvent for each change in the same transaction, stamped with `user` and
    `time` (ms). Unknown models raise NotFoundError ("Registered Model with name=...
    not found"), unknown versions NotFoundError too. Versions are integers here; the
    entities carry them as strings, as MLflow does.
    """

    # -- registered models -------------------------------------------------------------

    @abstractmethod
    def create_registered_model(
        self,
        *,
        name: str,
        tags: Mapping[str, str],
        description: str | None,
        user: str,
        time: int,
    ) -> RegisteredModel:
        """AlreadyExistsError if a model has that name."""

    @abstractmethod
    def get_registered_model(self, *, name: str) -> RegisteredModel: ...

    @abstractmethod
    def rename_registered_model(
        self, *, name: str, new_name: str, user: str, time: int
    ) -> RegisteredModel:
        """Versions, aliases and the audit history follow the model to its new name;
        AlreadyExistsError if another model has it."""

    @abstractmethod
    def update_registered_model(
        self, *, name: str, description: str | None, user: str, time: int
    ) -> RegisteredModel: ...

    @abstractmethod
    def delete_registered_model(self, *, name: str, user: str, time: int) -> None:
        """Remove the model with its versions, tags and aliases for good; its audit
        history stays (ending with the deletion)."""

    @abstractmethod
    def set_registered_model_tag(
        self, *, name: str, key: str, value: str, user: str, time: int
    ) -> None: ...

    @abstractmethod
    def delete_registered_model_tag(self, *, name: str, key: str, user: str, time: int) -> None:
        """Deleting a tag the model does not have is a no-op (as in MLflow)."""

    @abstractmethod
    def search_registered_models(
        self,
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[RegisteredModel]:
        """Models that match the filter, by name unless `order_by` says otherwise."""

    @abstractmethod
    def get_latest_versions(
        self, *, name: str, stages: Sequence[Stage] | None
    ) -> list[ModelVersion]:
        """The highest version in each of `stages` (every stage when None or empty) that
        has one, newest first."""

    # -- versions ------------------------------------------------------------------------

    @abstractmethod
    def create_model_version(
        self,
        *,
        name: str,
        source: str,
        storage_location: str | None,
        run_id: str | None,
        tags: Mapping[str, str],
        run_link: str | None,
        description: str | None,
        model_id: str | None,
        user: str,
        time: int,
    ) -> ModelVersion:
        """The next version of the model: one more than the highest it ever had (numbers
        of deleted versions are not reused), safe under concurrent creates.

        `storage_location` is where the files are read from (the download URI), resolved
        from `source` by the service; a remote store's server resolves it again itself.
        """

    @abstractmethod
    def get_model_version(self, *, name: str, version: int) -> ModelVersion: ...

    @abstractmethod
    def update_model_version(
        self, *, name: str, version: int, description: str | None, user: str, time: int
    ) -> ModelVersion: ...

    @abstractmethod
    def delete_model_version(self, *, name: str, version: int, user: str, time: int) -> None:
        """Remove the version for good, with its tags and the aliases pointing at it."""

    @abstractmethod
    def set_model_version_tag(
        self, *, name: str, version: int, key: str, value: str, user: str, time: int
    ) -> None: ...

    @abstractmethod
    def delete_model_version_tag(
        self, *, name: str, version: int, key: str, user: str, time: int
    ) -> None:
        """Deleting a tag the version does not have is a no-op (as in MLflow)."""

    @abstractmethod
    def transition_model_version_stage(
        self,
        *,
        name: str,
        version: int,
        stage: Stage,
        archive_existing_versions: bool,
        user: str,
        time: int,
    ) -> ModelVersion:
        """Move the version to `stage`; with `archive_existing_versions`, the model's other
        versions in that stage move to Archived."""

    @abstractmethod
    def search_model_versions(
        self,
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[ModelVersion]:
        """Versions that match the filter; most recently updated first unless `order_by`
        says otherwise, then by name and newest version."""

    @abstractmethod
    def get_model_version_download_uri(self, *, name: str, version: int) -> str:
        """Where the version's files are (its resolved storage location, else its source)."""

    # -- aliases -------------------------------------------------------------------------

    @abstractmethod
    def set_registered_model_alias(
        self, *, name: str, alias: str, version: int, user: str, time: int
    ) -> None:
        """Point the alias at the version, moving it if it pointed at another one."""

    @abstractmethod
    def delete_registered_model_alias(self, *, name: str, alias: str, user: str, time: int) -> None:
        """Deleting an alias the model does not have is a no-op (as in MLflow)."""

    @abstractmethod
    def get_model_version_by_alias(self, *, name: str, alias: str) -> ModelVersion:
        """InvalidArgumentError for an alias the model does not have (MLflow's code)."""

    # -- history -------------------------------------------------------------------------

    @abstractmethod
    def list_registry_events(
        self, *, name: str, alias: str | None, version: int | None
    ) -> list[RegistryEvent]:
        """Every event recorded under the model name (the model may be deleted since),
        oldest first; only those of one alias or one version when asked. An empty list for
        a name the registry never had."""

    @abstractmethod
    def get_alias_at(self, *, name: str, alias: str, time: int) -> str | None:
        """The version the alias pointed at, at `time` (ms), or None if it pointed at none."""
