"""`Registry`: the model registry's rules, over the store of a `Client`.

The CLI, the tracking server and Python callers all go through this class, so names,
aliases, stages, limits and how a source resolves to files are checked the same way
everywhere. Every change is stamped with the registry's user and the current time; the
store records it in the audit history in the same transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runwright._host import current_user, now_ms
from runwright.entities import (
    ModelVersion,
    PagedList,
    RegisteredModel,
    RegistryEvent,
    Stage,
)
from runwright.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError, RunwrightError
from runwright.registry import validation as rv
from runwright.registry.sources import parse_runs_uri, resolve_source
from runwright.store.model_registry import RegistryStore

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["Registry"]

_ACTIVE_STAGES = (Stage.STAGING, Stage.PRODUCTION)


def _stages(stages: Sequence[Stage | str] | None) -> list[Stage] | None:
    if stages is None:
        return None
    if isinstance(stages, str):
        stages = [stages]
    return [Stage.parse(stage) for stage in stages]


class Registry:
    """Registered models, their versions, aliases and stages, and the audit history.

    `client` picks the store (None: the client of the fluent API, `rw.set_tracking_uri`).
    `user` is who the changes are recorded for (None: this process's user; the tracking
    server passes the user of each request). Cheap to make.
    """

    def __init__(self, client: Client | None = None, *, user: str | None = None) -> None:
        if client is None:
            from runwright.tracking.fluent import _get_client

            client = _get_client()
        self.client = client
        self.user = rv.check_user(current_user() if user is None else user)

    @property
    def store(self) -> RegistryStore:
        store = self.client.store
        if not isinstance(store, RegistryStore):
            raise RunwrightError(
                f"the tracking store at {self.client.tracking_uri} has no model registry"
            )
        return store

    def _stamp(self) -> dict[str, Any]:
        return {"user": self.user, "time": now_ms()}

    # -- registered models -------------------------------------------------------------

    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        return self.store.create_registered_model(
            name=rv.check_name(name),
            tags=rv.check_tags(tags),
            description=rv.optional_text(description, "description"),
            **self._stamp(),
        )

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self.store.get_registered_model(name=rv.check_name(name))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self.store.rename_registered_model(
            name=rv.check_name(name), new_name=rv.check_name(new_name, "new_name"), **self._stamp()
        )

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        return self.store.update_registered_model(
            name=rv.check_name(name),
            description=rv.optional_text(description, "description"),
            **self._stamp(),
        )

    def delete_registered_model(self, name: str) -> None:
        """Delete the model with its versions, tags and aliases for good (as MLflow does);
        its audit history stays."""
        self.store.delete_registered_model(name=rv.check_name(name), **self._stamp())

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        key, text = rv.check_tag(key, value)
        self.store.set_registered_model_tag(
            name=rv.check_name(name), key=key, value=text, **self._stamp()
        )

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self.store.delete_registered_model_tag(
            name=rv.check_name(name), key=rv.check_tag(key, "")[0], **self._stamp()
        )

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = rv.DEFAULT_MODEL_SEARCH_RESULTS,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """Models matching the filter (`name LIKE 'churn%'`, `tags.team = 'ml'`), by name
        unless `order_by` says otherwise; pass the page's `token` back for the next."""
        return self.store.search_registered_models(
            filter_string=filter_string or None,
            max_results=rv.check_max_results(max_results, limit=rv.MAX_MODEL_SEARCH_RESULTS),
            order_by=list(order_by or ()),
            page_token=page_token or None,
        )

    # -- versions ------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """The model's next version, from `source` (see `runwright.registry.sources`
        for the URIs it resolves; a run id or logged model id in it is recorded)."""
        name = rv.check_name(name)
        if not isinstance(source, str) or not source:
            raise InvalidArgumentError("Missing value for required parameter 'source'.")
        checked_tags = rv.check_tags(tags)
        resolved = resolve_source(
            self,
            source,
            run_id=rv.optional_text(run_id, "run_id"),
            model_id=rv.optional_text(model_id, "model_id"),
        )
        return self.store.create_model_version(
            name=name,
            source=resolved.source,
            storage_location=resolved.storage_location,
            run_id=resolved.run_id,
            tags=checked_tags,
            run_link=rv.optional_text(run_link, "run_link"),
            description=rv.optional_text(description, "description"),
            model_id=resolved.model_id,
            **self._stamp(),
        )

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        name = rv.check_name(name)
        return self.store.get_model_version(name=name, version=rv.check_version(name, version))

    def update_model_version(
        self, name: str, version: str | int, description: str | None
    ) -> ModelVersion:
        name = rv.check_name(name)
        return self.store.update_model_version(
            name=name,
            version=rv.check_version(name, version),
            description=rv.optional_text(description, "description"),
            **self._stamp(),
        )

    def delete_model_version(self, name: str, version: str | int) -> None:
        """Delete the version for good, with its tags and the aliases that point at it."""
        name = rv.check_name(name)
        self.store.delete_model_version(
            name=name, version=rv.check_version(name, version), **self._stamp()
        )

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        name = rv.check_name(name)
        key, text = rv.check_tag(key, value)
        self.store.set_model_version_tag(
            name=name, version=rv.check_version(name, version), key=key, value=text, **self._stamp()
        )

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        name = rv.check_name(name)
        self.store.delete_model_version_tag(
            name=name,
            version=rv.check_version(name, version),
            key=rv.check_tag(key, "")[0],
            **self._stamp(),
        )

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = rv.DEFAULT_VERSION_SEARCH_RESULTS,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """Versions matching the filter (`name = 'churn'`, `run_id = '...'`,
        `version_number > 2`, `tags.k = 'v'`), most recently updated first unless
        `order_by` says otherwise."""
        return self.store.search_model_versions(
            filter_string=filter_string or None,
            max_results=rv.check_max_results(max_results, limit=rv.MAX_VERSION_SEARCH_RESULTS),
            order_by=list(order_by or ()),
            page_token=page_token or None,
        )

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        """Where the version's files are: an artifact URI this client's artifact store reads
        (`client.store.artifact_repository(uri)`)."""
        name = rv.check_name(name)
        return self.store.get_model_version_download_uri(
            name=name, version=rv.check_version(name, version)
        )

    # -- stages --------------------------------------------------------------------------

    def transition_model_version_stage(
        self,
        name: str,
        version: str | int,
        stage: Stage | str,
        archive_existing_versions: bool = False,
    ) -> ModelVersion:
        """Move a version to a stage (MLflow's stages, deprecated there in favour of
        aliases); `archive_existing_versions` archives the model's other versions in
        Staging or Production when moving one there."""
        name = rv.check_name(name)
        target = Stage.parse(stage)
        if archive_existing_versions and target not in _ACTIVE_STAGES:
            raise InvalidArgumentError(
                "Model version transition cannot archive existing model versions because "
                f"'{stage}' is not an Active stage. Valid stages are Staging, Production"
            )
        return self.store.transition_model_version_stage(
            name=name,
            version=rv.check_version(name, version),
            stage=target,
            archive_existing_versions=bool(archive_existing_versions),
            **self._stamp(),
        )

    def get_latest_versions(
        self, name: str, stages: Sequence[Stage | str] | None = None
    ) -> list[ModelVersion]:
        """The highest version in each of `stages` (default: every stage) that has one,
        newest first; `models:/<name>/<stage>` and `models:/<name>/latest` resolve here."""
        return self.store.get_latest_versions(name=rv.check_name(name), stages=_stages(stages))

    # -- aliases -------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        """Point `alias` at a version (moving it from another one)."""
        name = rv.check_name(name)
        self.store.set_registered_model_alias(
            name=name,
            alias=rv.check_settable_alias(alias),
            version=rv.check_version(name, version),
            **self._stamp(),
        )

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self.store.delete_registered_model_alias(
            name=rv.check_name(name), alias=rv.check_alias(alias), **self._stamp()
        )

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version `alias` points at; `latest` is the newest version. An unknown alias
        is an InvalidArgumentError (MLflow's INVALID_PARAMETER_VALUE)."""
        name = rv.check_name(name)
        alias = rv.check_alias(alias)
        if alias.lower() == rv.LATEST_ALIAS:
            versions = self.get_latest_versions(name)
            if not versions:
                raise NotFoundError(f"Latest version not found for model {name}.")
            return max(versions, key=lambda version: int(version.version))
        return self.store.get_model_version_by_alias(name=name, alias=alias)

    # -- history -------------------------------------------------------------------------

    def history(
        self, name: str, *, alias: str | None = None, version: str | int | None = None
    ) -> list[RegistryEvent]:
        """Every recorded change to the model, oldest first (also after it was deleted);
        only those of one alias, or one version, when asked."""
        name = rv.check_name(name)
        return self.store.list_registry_events(
            name=name,
            alias=None if alias is None else rv.check_alias(alias),
            version=None if version is None else rv.check_version(name, version),
        )

    def alias_at(self, name: str, alias: str, time_ms: int) -> str | None:
        """The version `alias` pointed at, at `time_ms` (ms since the epoch), or None:
        "which version was champion on 3 March?"."""
        if isinstance(time_ms, bool) or not isinstance(time_ms, int):
            raise InvalidArgumentError(
                f"time must be milliseconds since the epoch, got {time_ms!r}"
            )
        return self.store.get_alias_at(
            name=rv.check_name(name), alias=rv.check_alias(alias), time=time_ms
        )

    # -- registering a model URI ---------------------------------------------------------

    def register_model(
        self, model_uri: str, name: str, tags: Mapping[str, Any] | None = None
    ) -> ModelVersion:
        """A new version of `name` (created if missing) from a model URI: `runs:/<run>/<path>`,
        `models:/<logged model id>`, or any artifact URI or folder.

        As the mlflow client does, a `runs:/` URI whose path holds no files under the run
        (MLflow 3 keeps a model's files with the logged model) means the logged model of
        that name the run output, at its latest step.
        """
        with contextlib.suppress(AlreadyExistsError):
            self.create_registered_model(name)
        source, model_id = model_uri, None
        if isinstance(model_uri, str) and model_uri.startswith("runs:"):
            source, model_id = self._run_model_source(model_uri)
        return self.create_model_version(name, source, tags=tags, model_id=model_id)

    def _run_model_source(self, model_uri: str) -> tuple[str, str | None]:
        from runwright.tracking.logged_models import LoggedModels

        run_id, path = parse_runs_uri(model_uri)
        if not path or self.client.list_artifacts(run_id, path):
            return model_uri, None
        models = LoggedModels(self.client)
        outputs = models.get_run_outputs(run_id)
        steps: dict[str, int] = {}
        for output in outputs:
            steps[output.model_id] = max(output.step, steps.get(output.model_id, output.step))
        named = [
            model_id
            for model_id in steps
            if models.get_logged_model(model_id, allow_deleted=True).name == path
        ]
        if not named:
            raise NotFoundError(
                f"no model at {model_uri}: run {run_id} has no artifacts under {path!r} "
                f"and no logged model named {path!r}"
            )
        chosen = max(named, key=lambda model_id: steps[model_id])
        return f"models:/{chosen}", chosen
