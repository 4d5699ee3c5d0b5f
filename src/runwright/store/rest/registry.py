"""The model registry over REST: MLflow's `/mlflow/registered-models/*` and
`/mlflow/model-versions/*`, plus Runwright's `/runwright/registry/*` for the audit
history, which MLflow has none for.

The server stamps each change with its own clock and records it for its request's user:
writes carry this process's user as `user_id`, which an MLflow server ignores. The
server resolves a version's source to its files itself, so `storage_location` is not
sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runwright.entities import (
    ModelVersion,
    ModelVersionStatus,
    PagedList,
    RegisteredModel,
    RegistryAction,
    RegistryEvent,
    Stage,
)
from runwright.store.model_registry import RegistryStore
from runwright.store.rest.parsing import pairs_from_json, pairs_to_json
from runwright.store.rest.transport import MLFLOW_API, RUNWRIGHT_API, RestTransport

__all__ = [
    "RestRegistry",
    "model_version_from_json",
    "registered_model_from_json",
    "registry_event_from_json",
]

_MODELS = f"{MLFLOW_API}/registered-models"
_VERSIONS = f"{MLFLOW_API}/model-versions"
_HISTORY = f"{RUNWRIGHT_API}/registry"


def _optional_str(value: Any) -> str | None:
    return str(value) if value else None


def model_version_from_json(data: Mapping[str, Any]) -> ModelVersion:
    """MLflow's ModelVersion message (unset fields left out, int64 maybe as strings)."""
    return ModelVersion(
        name=str(data.get("name", "")),
        version=str(data.get("version", "")),
        creation_timestamp=int(data.get("creation_timestamp", 0)),
        last_updated_timestamp=int(data.get("last_updated_timestamp", 0)),
        current_stage=Stage.parse(str(data.get("current_stage") or Stage.NONE.value)),
        source=str(data.get("source", "")),
        status=ModelVersionStatus(data.get("status") or ModelVersionStatus.READY.value),
        user_id=_optional_str(data.get("user_id")),
        description=_optional_str(data.get("description")),
        run_id=_optional_str(data.get("run_id")),
        status_message=_optional_str(data.get("status_message")),
        run_link=_optional_str(data.get("run_link")),
        model_id=_optional_str(data.get("model_id")),
        tags=pairs_from_json(data.get("tags")),
        aliases=tuple(sorted(str(alias) for alias in data.get("aliases", ()))),
    )


def registered_model_from_json(data: Mapping[str, Any]) -> RegisteredModel:
    """MLflow's RegisteredModel message."""
    latest = [model_version_from_json(item) for item in data.get("latest_versions", ())]
    return RegisteredModel(
        name=str(data.get("name", "")),
        creation_timestamp=int(data.get("creation_timestamp", 0)),
        last_updated_timestamp=int(data.get("last_updated_timestamp", 0)),
        user_id=_optional_str(data.get("user_id")),
        description=_optional_str(data.get("description")),
        latest_versions=tuple(sorted(latest, key=lambda v: -int(v.version))),
        tags=pairs_from_json(data.get("tags")),
        aliases={
            str(item["alias"]): str(item.get("version", "")) for item in data.get("aliases", ())
        },
    )


def registry_event_from_json(data: Mapping[str, Any]) -> RegistryEvent:
    version = data.get("version")
    return RegistryEvent(
        id=int(data["id"]),
        time=int(data.get("time", 0)),
        user=str(data.get("user_id", "")),
        model_name=str(data.get("name", "")),
        action=RegistryAction(data["action"]),
        version=None if version is None else str(version),
        alias=_optional_str(data.get("alias")),
        before=data.get("before"),
        after=data.get("after"),
    )


class RestRegistry(RegistryStore):
    _http: RestTransport

    # -- registered models -------------------------------------------------------------

    def create_registered_model(
        self,
        *,
        name: str,
        tags: Mapping[str, str],
        description: str | None,
        user: str,
        time: int,
    ) -> RegisteredModel:
        body: dict[str, Any] = {"name": name, "tags": pairs_to_json(tags), "user_id": user}
        if description is not None:
            body["description"] = description
        answer = self._http.post(f"{_MODELS}/create", body)
        return registered_model_from_json(answer["registered_model"])

    def get_registered_model(self, *, name: str) -> RegisteredModel:
        answer = self._http.get(f"{_MODELS}/get", {"name": name})
        return registered_model_from_json(answer["registered_model"])

    def rename_registered_model(
        self, *, name: str, new_name: str, user: str, time: int
    ) -> RegisteredModel:
        body = {"name": name, "new_name": new_name, "user_id": user}
        answer = self._http.post(f"{_MODELS}/rename", body)
        return registered_model_from_json(answer["registered_model"])

    def update_registered_model(
        self, *, name: str, description: str | None, user: str, time: int
    ) -> RegisteredModel:
        body: dict[str, Any] = {"name": name, "user_id": user}
        if description is not None:
            body["description"] = description
        answer = self._http.patch(f"{_MODELS}/update", body)
        return registered_model_from_json(answer["registered_model"])

    def delete_registered_model(self, *, name: str, user: str, time: int) -> None:
        self._http.delete(f"{_MODELS}/delete", {"name": name, "user_id": user})

    def set_registered_model_tag(
        self, *, name: str, key: str, value: str, user: str, time: int
    ) -> None:
        body = {"name": name, "key": key, "value": value, "user_id": user}
        self._http.post(f"{_MODELS}/set-tag", body)

    def delete_registered_model_tag(self, *, name: str, key: str, user: str, time: int) -> None:
        self._http.delete(f"{_MODELS}/delete-tag", {"name": name, "key": key, "user_id": user})

    def search_registered_models(
        self,
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[RegisteredModel]:
        from runwright.search import REGISTERED_MODELS, parse_filter, parse_order_by

        # Checked here as well as on the server: a mistake raises FilterSyntaxError,
        # pointing at the bad character, without a round trip.
        parse_filter(filter_string, target=REGISTERED_MODELS)
        parse_order_by(order_by, target=REGISTERED_MODELS)
        query = {
            "filter": filter_string,
            "max_results": max_results,
            "order_by": list(order_by),
            "page_token": page_token,
        }
        answer = self._http.get(f"{_MODELS}/search", query)
        return PagedList(
            [registered_model_from_json(item) for item in answer.get("registered_models", ())],
            answer.get("next_page_token") or None,
        )

    def get_latest_versions(
        self, *, name: str, stages: Sequence[Stage] | None
    ) -> list[ModelVersion]:
        body = {"name": name, "stages": [stage.value for stage in stages or ()]}
        answer = self._http.post(f"{_MODELS}/get-latest-versions", body)
        found = [model_version_from_json(item) for item in answer.get("model_versions", ())]
        return sorted(found, key=lambda v: -int(v.version))

    # -- versions ------------------------------------------------------------------------

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
        body: dict[str, Any] = {
            "name": name,
            "source": source,
            "tags": pairs_to_json(tags),
            "user_id": user,
        }
        optional = {
            "run_id": run_id,
            "run_link": run_link,
            "description": description,
            "model_id": model_id,
        }
        body.update((key, value) for key, value in optional.items() if value is not None)
        answer = self._http.post(f"{_VERSIONS}/create", body)
        return model_version_from_json(answer["model_version"])

    def get_model_version(self, *, name: str, version: int) -> ModelVersion:
        answer = self._http.get(f"{_VERSIONS}/get", {"name": name, "version": str(version)})
        return model_version_from_json(answer["model_version"])

    def update_model_version(
        self, *, name: str, version: int, description: str | None, user: str, time: int
    ) -> ModelVersion:
        body: dict[str, Any] = {"name": name, "version": str(version), "user_id": user}
        if description is not None:
            body["description"] = description
        answer = self._http.patch(f"{_VERSIONS}/update", body)
        return model_version_from_json(answer["model_version"])

    def delete_model_version(self, *, name: str, version: int, user: str, time: int) -> None:
        body = {"name": name, "version": str(version), "user_id": user}
        self._http.delete(f"{_VERSIONS}/delete", body)

    def set_model_version_tag(
        self, *, name: str, version: int, key: str, value: str, user: str, time: int
    ) -> None:
        body = {"name": name, "version": str(version), "key": key, "value": value, "user_id": user}
        self._http.post(f"{_VERSIONS}/set-tag", body)

    def delete_model_version_tag(
        self, *, name: str, version: int, key: str, user: str, time: int
    ) -> None:
        body = {"name": name, "version": str(version), "key": key, "user_id": user}
        self._http.delete(f"{_VERSIONS}/delete-tag", body)

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
        body = {
            "name": name,
            "version": str(version),
            "stage": stage.value,
            "archive_existing_versions": archive_existing_versions,
            "user_id": user,
        }
        answer = self._http.post(f"{_VERSIONS}/transition-stage", body)
        return model_version_from_json(answer["model_version"])

    def search_model_versions(
        self,
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[ModelVersion]:
        from runwright.search import MODEL_VERSIONS, parse_filter, parse_order_by

        parse_filter(filter_string, target=MODEL_VERSIONS)
        parse_order_by(order_by, target=MODEL_VERSIONS)
        query = {
            "filter": filter_string,
            "max_results": max_results,
            "order_by": list(order_by),
            "page_token": page_token,
        }
        answer = self._http.get(f"{_VERSIONS}/search", query)
        return PagedList(
            [model_version_from_json(item) for item in answer.get("model_versions", ())],
            answer.get("next_page_token") or None,
        )

    def get_model_version_download_uri(self, *, name: str, version: int) -> str:
        query = {"name": name, "version": str(version)}
        return str(self._http.get(f"{_VERSIONS}/get-download-uri", query)["artifact_uri"])

    # -- aliases -------------------------------------------------------------------------

    def set_registered_model_alias(
        self, *, name: str, alias: str, version: int, user: str, time: int
    ) -> None:
        body = {"name": name, "alias": alias, "version": str(version), "user_id": user}
        self._http.post(f"{_MODELS}/alias", body)

    def delete_registered_model_alias(self, *, name: str, alias: str, user: str, time: int) -> None:
        self._http.delete(f"{_MODELS}/alias", {"name": name, "alias": alias, "user_id": user})

    def get_model_version_by_alias(self, *, name: str, alias: str) -> ModelVersion:
        answer = self._http.get(f"{_MODELS}/alias", {"name": name, "alias": alias})
        return model_version_from_json(answer["model_version"])

    # -- history -------------------------------------------------------------------------

    def list_registry_events(
        self, *, name: str, alias: str | None, version: int | None
    ) -> list[RegistryEvent]:
        query = {"name": name, "alias": alias, "version": None if version is None else str(version)}
        answer = self._http.get(f"{_HISTORY}/history", query)
        return [registry_event_from_json(item) for item in answer.get("events", ())]

    def get_alias_at(self, *, name: str, alias: str, time: int) -> str | None:
        query = {"name": name, "alias": alias, "time": time}
        answer = self._http.get(f"{_HISTORY}/alias-at", query)
        return _optional_str(answer.get("version"))
