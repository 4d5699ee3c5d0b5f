"""Registry entities from their rows, and the lookups every registry change starts with."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from runwright.entities import ModelVersion, RegisteredModel
from runwright.errors import AlreadyExistsError, NotFoundError
from runwright.store.sql.schema import (
    ModelVersionRow,
    ModelVersionTagRow,
    RegisteredModelAliasRow,
    RegisteredModelRow,
    RegisteredModelTagRow,
)

__all__ = [
    "already_exists",
    "latest_version_ids",
    "load_model",
    "load_model_versions",
    "load_registered_models",
    "load_version",
    "require_model",
    "require_version",
]

_IN_CHUNK = 5000


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    # As `loading.chunks`, for integer keys.
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def already_exists(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(f"Registered Model (name={name}) already exists.")


def _model_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Registered Model with name={name} not found")


def _version_not_found(name: str, version: int) -> NotFoundError:
    return NotFoundError(f"Model Version (name={name}, version={version}) not found")


def require_model(session: Session, name: str) -> RegisteredModelRow:
    row = session.scalars(select(RegisteredModelRow).where(RegisteredModelRow.name == name)).first()
    if row is None:
        raise _model_not_found(name)
    return row


def require_version(session: Session, name: str, version: int) -> ModelVersionRow:
    row = session.scalars(
        select(ModelVersionRow)
        .join(RegisteredModelRow, RegisteredModelRow.id == ModelVersionRow.registered_model_id)
        .where(RegisteredModelRow.name == name, ModelVersionRow.version == version)
    ).first()
    if row is None:
        raise _version_not_found(name, version)
    return row


def load_model_versions(session: Session, ids: Sequence[int]) -> list[ModelVersion]:
    """Versions in the order of `ids` (ids that do not exist are left out)."""
    rows: dict[int, tuple[ModelVersionRow, str]] = {}
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    for part in _chunks(ids):
        for row, name in session.execute(
            select(ModelVersionRow, RegisteredModelRow.name)
            .join(RegisteredModelRow, RegisteredModelRow.id == ModelVersionRow.registered_model_id)
            .where(ModelVersionRow.id.in_(part))
        ):
            rows[row.id] = (row, name)
        for tag in session.scalars(
            select(ModelVersionTagRow).where(ModelVersionTagRow.version_id.in_(part))
        ):
            tags[tag.version_id][tag.key] = tag.value
    aliases: dict[tuple[int, int], list[str]] = {}
    model_ids = sorted({row.registered_model_id for row, _ in rows.values()})
    for part in _chunks(model_ids):
        for alias in session.scalars(
            select(RegisteredModelAliasRow).where(
                RegisteredModelAliasRow.registered_model_id.in_(part)
            )
        ):
            aliases.setdefault((alias.registered_model_id, alias.version), []).append(alias.alias)
    found = []
    for i in ids:
        if i not in rows:
            continue
        row, name = rows[i]
        named = tuple(sorted(aliases.get((row.registered_model_id, row.version), ())))
        found.append(row.to_entity(name=name, tags=tags[i], aliases=named))
    return found


def latest_version_ids(session: Session, model_ids: Sequence[int]) -> list[int]:
    """The ids of the highest version in each stage of each model."""
    versions = ModelVersionRow.__table__.c
    ids: list[int] = []
    for part in _chunks(model_ids):
        highest = (
            select(versions.registered_model_id, func.max(versions.version))
            .where(versions.registered_model_id.in_(part))
            .group_by(versions.registered_model_id, versions.current_stage)
        )
        pairs = [tuple(pair) for pair in session.execute(highest)]
        if pairs:
            ids.extend(
                session.scalars(
                    select(versions.id).where(
                        tuple_(versions.registered_model_id, versions.version).in_(pairs)
                    )
                )
            )
    return ids


def load_registered_models(session: Session, ids: Sequence[int]) -> list[RegisteredModel]:
    """Models in the order of `ids`, with tags, aliases and latest versions."""
    rows: dict[int, RegisteredModelRow] = {}
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    aliases: dict[int, dict[str, str]] = {i: {} for i in ids}
    for part in _chunks(ids):
        for row in session.scalars(
            select(RegisteredModelRow).where(RegisteredModelRow.id.in_(part))
        ):
            rows[row.id] = row
        for tag in session.scalars(
            select(RegisteredModelTagRow).where(RegisteredModelTagRow.registered_model_id.in_(part))
        ):
            tags[tag.registered_model_id][tag.key] = tag.value
        for alias in session.scalars(
            select(RegisteredModelAliasRow)
            .where(RegisteredModelAliasRow.registered_model_id.in_(part))
            .order_by(RegisteredModelAliasRow.alias)
        ):
            aliases[alias.registered_model_id][alias.alias] = str(alias.version)
    latest: dict[str, list[ModelVersion]] = {}
    for version in load_model_versions(session, latest_version_ids(session, list(rows))):
        latest.setdefault(version.name, []).append(version)
    models = []
    for i in ids:
        if i not in rows:
            continue
        newest_first = sorted(latest.get(rows[i].name, ()), key=lambda v: -int(v.version))
        models.append(
            rows[i].to_entity(tags=tags[i], aliases=aliases[i], latest_versions=tuple(newest_first))
        )
    return models


def load_model(session: Session, row: RegisteredModelRow) -> RegisteredModel:
    session.flush()
    return load_registered_models(session, [row.id])[0]


def load_version(session: Session, row: ModelVersionRow) -> ModelVersion:
    session.flush()
    return load_model_versions(session, [row.id])[0]
