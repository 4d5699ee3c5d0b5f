"""The model registry: registered models, their numbered versions, aliases, and the
audit history of every change.

A registered model is a name that versions are registered under; a version points at
a model's files (`source`, e.g. `models:/m-<logged model id>` or `runs:/<run>/model`).
Aliases (`champion`) name one version each; the MLflow stages (None, Staging,
Production, Archived) are kept for compatibility. Every change is recorded as a
:class:`RegistryEvent`, so the state at any past moment can be answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from runwright.errors import InvalidArgumentError

__all__ = [
    "ModelVersion",
    "ModelVersionStatus",
    "RegisteredModel",
    "RegistryAction",
    "RegistryEvent",
    "Stage",
]


class Stage(StrEnum):
    """MLflow's (deprecated) model version stages, spelled as MLflow stores them."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, value: Stage | str) -> Stage:
        """The stage named by `value`, in any letter case."""
        if isinstance(value, Stage):
            return value
        for stage in cls:
            if isinstance(value, str) and value.lower() == stage.value.lower():
                return stage
        names = ", ".join(stage.value for stage in cls)
        raise InvalidArgumentError(
            f"Invalid Model Version stage: {value}. Value must be one of {names}."
        )


class ModelVersionStatus(StrEnum):
    """Registration is synchronous here, so a stored version is always READY."""

    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One registered version; `version` is a string holding an integer, as in MLflow."""

    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: Stage
    source: str
    status: ModelVersionStatus = ModelVersionStatus.READY
    user_id: str | None = None
    description: str | None = None
    run_id: str | None = None
    status_message: str | None = None
    run_link: str | None = None
    #: The logged model (`m-...`) the version was registered from, if any.
    model_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The aliases that point at this version, sorted.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str | None = None
    description: str | None = None
    #: The highest version in each stage that has one, newest first.
    latest_versions: tuple[ModelVersion, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    #: alias -> version (a string holding an integer).
    aliases: Mapping[str, str] = field(default_factory=dict)


class RegistryAction(StrEnum):
    """What a registry event recorded."""

    CREATE_REGISTERED_MODEL = "create_registered_model"
    RENAME = "rename"
    UPDATE_DESCRIPTION = "update_description"
    SET_TAG = "set_tag"
    DELETE_TAG = "delete_tag"
    DELETE_REGISTERED_MODEL = "delete_registered_model"
    CREATE_MODEL_VERSION = "create_model_version"
    DELETE_MODEL_VERSION = "delete_model_version"
    TRANSITION_STAGE = "transition_stage"
    SET_ALIAS = "set_alias"
    DELETE_ALIAS = "delete_alias"


@dataclass(frozen=True, slots=True)
class RegistryEvent:
    """One change to the registry: who made it, when, to what, and the values before and
    after (None when the thing did not exist before, or no longer does).

    `version` is set for changes to a version (and for alias changes: the version the
    alias points at after, or pointed at before a deletion); `alias` for alias changes.
    A registered model's events outlive it, and follow it when it is renamed.
    """

    id: int
    time: int
    user: str
    model_name: str
    action: RegistryAction
    version: str | None = None
    alias: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
