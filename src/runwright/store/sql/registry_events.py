"""The registry's audit history in SQL: writing an event, and reading them back."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runwright.entities import ModelVersion, RegisteredModel, RegistryAction, RegistryEvent
from runwright.store.sql.schema import RegisteredModelRow, RegistryEventRow

__all__ = ["alias_at", "list_events", "model_state", "record", "version_state"]


def record(
    session: Session,
    model: RegisteredModelRow,
    action: RegistryAction,
    *,
    user: str,
    time: int,
    version: int | None = None,
    alias: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Add the event of one change to the transaction that makes the change."""
    session.add(
        RegistryEventRow(
            time=time,
            user_id=user,
            registered_model_id=model.id,
            model_name=model.name,
            action=action.value,
            version=version,
            alias=alias,
            before_json=None if before is None else json.dumps(before, sort_keys=True),
            after_json=None if after is None else json.dumps(after, sort_keys=True),
        )
    )


def version_state(version: ModelVersion) -> dict[str, Any]:
    """What an event keeps of a version."""
    return {
        "source": version.source,
        "run_id": version.run_id,
        "model_id": version.model_id,
        "description": version.description,
        "stage": version.current_stage.value,
        "tags": dict(version.tags),
        "aliases": list(version.aliases),
    }


def model_state(model: RegisteredModel, versions: Sequence[int]) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "versions": [str(v) for v in versions],
    }


def list_events(
    session: Session, *, name: str, alias: str | None, version: int | None
) -> list[RegistryEvent]:
    """The events recorded under a model name, oldest first."""
    query = select(RegistryEventRow).where(RegistryEventRow.model_name == name)
    if alias is not None:
        query = query.where(RegistryEventRow.alias == alias)
    if version is not None:
        query = query.where(RegistryEventRow.version == version)
    rows = session.scalars(query.order_by(RegistryEventRow.time, RegistryEventRow.id))
    return [row.to_entity() for row in rows]


def alias_at(session: Session, *, name: str, alias: str, time: int) -> str | None:
    """The version the alias pointed at, at `time`: its last set or delete until then."""
    query = (
        select(RegistryEventRow.action, RegistryEventRow.version)
        .where(
            RegistryEventRow.model_name == name,
            RegistryEventRow.alias == alias,
            RegistryEventRow.time <= time,
            RegistryEventRow.action.in_(
                [RegistryAction.SET_ALIAS.value, RegistryAction.DELETE_ALIAS.value]
            ),
        )
        .order_by(RegistryEventRow.time.desc(), RegistryEventRow.id.desc())
        .limit(1)
    )
    last = session.execute(query).first()
    if last is None or last.action != RegistryAction.SET_ALIAS.value:
        return None
    return None if last.version is None else str(last.version)
