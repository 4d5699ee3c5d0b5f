"""The model registry on the wire: request schemas and JSON rendering, in MLflow's shapes.

Field names are MLflow's (model_registry.proto: CreateRegisteredModel, CreateModelVersion,
SearchModelVersions, SetRegisteredModelAlias...). Versions travel as strings holding an
integer; a number is read too.

One addition MLflow's messages do not have, which its server and client ignore: a write
may carry `user_id`, the user Runwright's REST store acts for, recorded in the audit
history when the request has no authenticated user.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runwright.entities import ModelVersion, RegisteredModel, RegistryEvent
from runwright.server.schemas import Int64, KeyValue, Millis, Text

__all__ = [
    "AliasAt",
    "CreateModelVersion",
    "CreateRegisteredModel",
    "DeleteModelVersion",
    "DeleteModelVersionTag",
    "DeleteRegisteredModel",
    "DeleteRegisteredModelAlias",
    "DeleteRegisteredModelTag",
    "GetLatestVersions",
    "GetModelVersion",
    "GetModelVersionByAlias",
    "GetRegisteredModel",
    "History",
    "RenameRegisteredModel",
    "SearchModelVersions",
    "SearchRegisteredModels",
    "SetModelVersionTag",
    "SetRegisteredModelAlias",
    "SetRegisteredModelTag",
    "TransitionModelVersionStage",
    "UpdateModelVersion",
    "UpdateRegisteredModel",
    "WriteRequest",
    "event_json",
    "model_version_json",
    "registered_model_json",
]


class _Request(BaseModel):
    # Unknown fields are ignored and numbers read as strings (versions), as MLflow's
    # server does; a body double-encoded as a JSON string is decoded again.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _decode_twice(cls, data: Any) -> Any:
        if isinstance(data, str):
            try:
                return json.loads(data)
            except ValueError:
                return data  # not an object: validation says so
        return data


class WriteRequest(_Request):
    """A request that changes the registry."""

    #: Runwright's addition: who the caller acts for (see the module docstring).
    user_id: Text | None = None


class GetRegisteredModel(_Request):
    name: Text


class DeleteRegisteredModel(WriteRequest):
    name: Text


class CreateRegisteredModel(WriteRequest):
    name: Text
    tags: list[KeyValue] = Field(default_factory=list)
    description: Text | None = None


class RenameRegisteredModel(WriteRequest):
    name: Text
    new_name: Text | None = None


class UpdateRegisteredModel(WriteRequest):
    name: Text
    description: Text | None = None


class SearchRegisteredModels(_Request):
    filter: Text | None = None
    max_results: Int64 = 100
    order_by: list[Text] = Field(default_factory=list)
    page_token: Text | None = None


class GetLatestVersions(_Request):
    name: Text
    stages: list[Text] = Field(default_factory=list)


class SetRegisteredModelTag(WriteRequest):
    name: Text
    key: Text
    value: Text


class DeleteRegisteredModelTag(WriteRequest):
    name: Text
    key: Text


class GetModelVersionByAlias(_Request):
    name: Text
    alias: Text


class DeleteRegisteredModelAlias(WriteRequest):
    name: Text
    alias: Text


class SetRegisteredModelAlias(WriteRequest):
    name: Text
    alias: Text
    version: Text


class CreateModelVersion(WriteRequest):
    name: Text
    source: Text
    run_id: Text | None = None
    tags: list[KeyValue] = Field(default_factory=list)
    run_link: Text | None = None
    description: Text | None = None
    model_id: Text | None = None


class GetModelVersion(_Request):
    """Also the request of get-download-uri."""

    name: Text
    version: Text


class DeleteModelVersion(WriteRequest):
    name: Text
    version: Text


class UpdateModelVersion(WriteRequest):
    name: Text
    version: Text
    description: Text | None = None


class TransitionModelVersionStage(WriteRequest):
    name: Text
    version: Text
    stage: Text
    archive_existing_versions: bool = False


class SearchModelVersions(_Request):
    filter: Text | None = None
    max_results: Int64 = 10_000
    order_by: list[Text] = Field(default_factory=list)
    page_token: Text | None = None


class SetModelVersionTag(WriteRequest):
    name: Text
    version: Text
    key: Text
    value: Text


class DeleteModelVersionTag(WriteRequest):
    name: Text
    version: Text
    key: Text


class History(_Request):
    """Runwright's `/registry/history`: the audit events of a model name."""

    name: Text
    alias: Text | None = None
    version: Text | None = None


class AliasAt(_Request):
    """Runwright's `/registry/alias-at`: the version an alias pointed at, at `time` (ms)."""

    name: Text
    alias: Text
    time: Millis


def _pairs(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in mapping.items()]


def _with_optional(rendered: dict[str, Any], optional: Mapping[str, Any]) -> dict[str, Any]:
    # Protobuf's JSON leaves unset fields out.
    rendered.update((key, value) for key, value in optional.items() if value)
    return rendered


def model_version_json(version: ModelVersion) -> dict[str, Any]:
    """MLflow's ModelVersion message."""
    rendered: dict[str, Any] = {
        "name": version.name,
        "version": version.version,
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "current_stage": version.current_stage.value,
        "source": version.source,
        "status": version.status.value,
        "tags": _pairs(version.tags),
        "aliases": list(version.aliases),
    }
    return _with_optional(
        rendered,
        {
            "user_id": version.user_id,
            "description": version.description,
            "run_id": version.run_id,
            "status_message": version.status_message,
            "run_link": version.run_link,
            "model_id": version.model_id,
        },
    )


def registered_model_json(model: RegisteredModel) -> dict[str, Any]:
    """MLflow's RegisteredModel message."""
    rendered: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "latest_versions": [model_version_json(v) for v in model.latest_versions],
        "tags": _pairs(model.tags),
        "aliases": [{"alias": a, "version": v} for a, v in model.aliases.items()],
    }
    return _with_optional(rendered, {"user_id": model.user_id, "description": model.description})


def event_json(event: RegistryEvent) -> dict[str, Any]:
    """One audit event; `before` and `after` are JSON objects (absent when None)."""
    rendered: dict[str, Any] = {
        "id": event.id,
        "time": event.time,
        "user_id": event.user,
        "name": event.model_name,
        "action": event.action.value,
    }
    optional = {"version": event.version, "alias": event.alias}
    rendered.update((key, value) for key, value in optional.items() if value is not None)
    if event.before is not None:
        rendered["before"] = dict(event.before)
    if event.after is not None:
        rendered["after"] = dict(event.after)
    return rendered
