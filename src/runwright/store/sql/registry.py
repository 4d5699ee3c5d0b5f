"""The model registry in the SQL store: registered models, versions, tags, aliases, and
the audit history, each change recorded in the transaction that makes it.

Rows refer to their model by its integer id, so a rename changes one column of
`registered_models` (and the name on the model's past events); the id is never reused,
so the events of a deleted model stay apart from a later model of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runwright.entities import (
    ModelVersion,
    ModelVersionStatus,
    PagedList,
    RegisteredModel,
    RegistryAction,
    RegistryEvent,
    Stage,
)
from runwright.errors import InvalidArgumentError
from runwright.store.model_registry import RegistryStore
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.registry_events import (
    alias_at,
    list_events,
    model_state,
    record,
    version_state,
)
from runwright.store.sql.registry_loading import (
    already_exists,
    latest_version_ids,
    load_model,
    load_model_versions,
    load_registered_models,
    load_version,
    require_model,
    require_version,
)
from runwright.store.sql.registry_search import (
    plan_model_version_search,
    plan_registered_model_search,
)
from runwright.store.sql.schema import (
    ModelVersionRow,
    ModelVersionTagRow,
    RegisteredModelAliasRow,
    RegisteredModelRow,
    RegisteredModelTagRow,
    RegistryEventRow,
)

__all__ = ["SqlRegistry"]

T = TypeVar("T")


class SqlRegistry(RegistryStore):
    _db: Database

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
        def work(session: Session) -> RegisteredModel:
            taken = session.scalar(
                select(RegisteredModelRow.id).where(RegisteredModelRow.name == name)
            )
            if taken is not None:
                raise already_exists(name)
            row = RegisteredModelRow(
                name=name,
                creation_time=time,
                last_updated_time=time,
                user_id=user or None,
                description=description,
                last_version=0,
            )
            session.add(row)
            try:
                session.flush()  # the model row first: its tags refer to it
            except IntegrityError:
                # Created by another writer since the check (PostgreSQL).
                raise already_exists(name) from None
            session.add_all(
                RegisteredModelTagRow(registered_model_id=row.id, key=k, value=v)
                for k, v in tags.items()
            )
            after = {"name": name, "description": description, "tags": dict(tags)}
            action = RegistryAction.CREATE_REGISTERED_MODEL
            record(session, row, action, user=user, time=time, after=after)
            return load_model(session, row)

        return self._db.run_write(work)

    def get_registered_model(self, *, name: str) -> RegisteredModel:
        with self._db.read() as session:
            return load_model(session, require_model(session, name))

    def rename_registered_model(
        self, *, name: str, new_name: str, user: str, time: int
    ) -> RegisteredModel:
        def work(session: Session) -> RegisteredModel:
            row = require_model(session, name)
            if new_name == name:
                return load_model(session, row)
            taken = session.scalar(
                select(RegisteredModelRow.id).where(RegisteredModelRow.name == new_name)
            )
            if taken is not None:
                raise already_exists(new_name)
            row.name = new_name
            row.last_updated_time = time
            session.execute(
                update(ModelVersionRow)
                .where(ModelVersionRow.registered_model_id == row.id)
                .values(last_updated_time=time)
            )
            # The model's history goes with it; an earlier model's of the same name stays.
            session.execute(
                update(RegistryEventRow)
                .where(RegistryEventRow.registered_model_id == row.id)
                .values(model_name=new_name)
            )
            record(
                session,
                row,
                RegistryAction.RENAME,
                user=user,
                time=time,
                before={"name": name},
                after={"name": new_name},
            )
            try:
                return load_model(session, row)
            except IntegrityError:
                raise already_exists(new_name) from None

        return self._db.run_write(work)

    def update_registered_model(
        self, *, name: str, description: str | None, user: str, time: int
    ) -> RegisteredModel:
        def work(session: Session) -> RegisteredModel:
            row = require_model(session, name)
            before = {"description": row.description}
            row.description = description
            row.last_updated_time = time
            record(
                session,
                row,
                RegistryAction.UPDATE_DESCRIPTION,
                user=user,
                time=time,
                before=before,
                after={"description": description},
            )
            return load_model(session, row)

        return self._db.run_write(work)

    def delete_registered_model(self, *, name: str, user: str, time: int) -> None:
        def work(session: Session) -> None:
            row = require_model(session, name)
            model = load_model(session, row)
            numbers = list(
                session.scalars(
                    select(ModelVersionRow.version)
                    .where(ModelVersionRow.registered_model_id == row.id)
                    .order_by(ModelVersionRow.version)
                )
            )
            for alias, version in model.aliases.items():
                record(
                    session,
                    row,
                    RegistryAction.DELETE_ALIAS,
                    user=user,
                    time=time,
                    version=int(version),
                    alias=alias,
                    before={"version": version},
                )
            record(
                session,
                row,
                RegistryAction.DELETE_REGISTERED_MODEL,
                user=user,
                time=time,
                before=model_state(model, numbers),
            )
            # Versions, tags and aliases go with the row (ON DELETE CASCADE).
            session.execute(delete(RegisteredModelRow).where(RegisteredModelRow.id == row.id))

        self._db.run_write(work)

    def set_registered_model_tag(
        self, *, name: str, key: str, value: str, user: str, time: int
    ) -> None:
        def work(session: Session) -> None:
            row = require_model(session, name)
            tag = session.get(RegisteredModelTagRow, (row.id, key))
            before = None if tag is None else {"key": key, "value": tag.value}
            if tag is not None and tag.value == value:
                return
            session.execute(
                upsert(
                    self._db.dialect,
                    RegisteredModelTagRow,
                    keys=("registered_model_id", "key"),
                    update=("value",),
                ),
                [{"registered_model_id": row.id, "key": key, "value": value}],
            )
            record(
                session,
                row,
                RegistryAction.SET_TAG,
                user=user,
                time=time,
                before=before,
                after={"key": key, "value": value},
            )

        self._db.run_write(work)

    def delete_registered_model_tag(self, *, name: str, key: str, user: str, time: int) -> None:
        def work(session: Session) -> None:
            row = require_model(session, name)
            tag = session.get(RegisteredModelTagRow, (row.id, key))
            if tag is None:
                return
            before = {"key": key, "value": tag.value}
            session.delete(tag)
            record(session, row, RegistryAction.DELETE_TAG, user=user, time=time, before=before)

        self._db.run_write(work)

    def search_registered_models(
        self,
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[RegisteredModel]:
        return self._search(
            plan_registered_model_search,
            load_registered_models,
            filter_string=filter_string,
            max_results=max_results,
            order_by=order_by,
            page_token=page_token,
        )

    def get_latest_versions(
        self, *, name: str, stages: Sequence[Stage] | None
    ) -> list[ModelVersion]:
        wanted = set(stages or Stage)
        with self._db.read() as session:
            row = require_model(session, name)
            found = load_model_versions(session, latest_version_ids(session, [row.id]))
        return sorted(
            (v for v in found if v.current_stage in wanted), key=lambda v: -int(v.version)
        )

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
        def work(session: Session) -> ModelVersion:
            model = require_model(session, name)
            # One UPDATE both takes the next number and serialises concurrent creates: a
            # second writer waits for the row lock (SQLite: for the write lock).
            number = session.execute(
                update(RegisteredModelRow)
                .where(RegisteredModelRow.id == model.id)
                .values(last_version=RegisteredModelRow.last_version + 1, last_updated_time=time)
                .returning(RegisteredModelRow.last_version)
                .execution_options(synchronize_session=False)
            ).scalar_one()
            row = ModelVersionRow(
                registered_model_id=model.id,
                version=number,
                creation_time=time,
                last_updated_time=time,
                user_id=user or None,
                current_stage=Stage.NONE.value,
                description=description,
                source=source,
                storage_location=storage_location,
                run_id=run_id,
                run_link=run_link,
                status=ModelVersionStatus.READY.value,
                status_message=None,
                model_id=model_id,
            )
            session.add(row)
            session.flush()  # the version row first: its tags refer to it
            session.add_all(
                ModelVersionTagRow(version_id=row.id, key=k, value=v) for k, v in tags.items()
            )
            created = load_version(session, row)
            record(
                session,
                model,
                RegistryAction.CREATE_MODEL_VERSION,
                user=user,
                time=time,
                version=number,
                after=version_state(created),
            )
            return created

        return self._db.run_write(work)

    def get_model_version(self, *, name: str, version: int) -> ModelVersion:
        with self._db.read() as session:
            return load_version(session, require_version(session, name, version))

    def update_model_version(
        self, *, name: str, version: int, description: str | None, user: str, time: int
    ) -> ModelVersion:
        def work(session: Session) -> ModelVersion:
            row = require_version(session, name, version)
            before = {"description": row.description}
            row.description = description
            row.last_updated_time = time
            record(
                session,
                require_model(session, name),
                RegistryAction.UPDATE_DESCRIPTION,
                user=user,
                time=time,
                version=version,
                before=before,
                after={"description": description},
            )
            return load_version(session, row)

        return self._db.run_write(work)

    def delete_model_version(self, *, name: str, version: int, user: str, time: int) -> None:
        def work(session: Session) -> None:
            row = require_version(session, name, version)
            model = require_model(session, name)
            gone = load_version(session, row)
            for alias in gone.aliases:
                record(
                    session,
                    model,
                    RegistryAction.DELETE_ALIAS,
                    user=user,
                    time=time,
                    version=version,
                    alias=alias,
                    before={"version": str(version)},
                )
            record(
                session,
                model,
                RegistryAction.DELETE_MODEL_VERSION,
                user=user,
                time=time,
                version=version,
                before=version_state(gone),
            )
            session.execute(
                delete(RegisteredModelAliasRow).where(
                    RegisteredModelAliasRow.registered_model_id == model.id,
                    RegisteredModelAliasRow.version == version,
                )
            )
            # Its tags go with the row (ON DELETE CASCADE).
            session.execute(delete(ModelVersionRow).where(ModelVersionRow.id == row.id))
            model.last_updated_time = time

        self._db.run_write(work)

    def set_model_version_tag(
        self, *, name: str, version: int, key: str, value: str, user: str, time: int
    ) -> None:
        def work(session: Session) -> None:
            row = require_version(session, name, version)
            tag = session.get(ModelVersionTagRow, (row.id, key))
            if tag is not None and tag.value == value:
                return
            before = None if tag is None else {"key": key, "value": tag.value}
            session.execute(
                upsert(
                    self._db.dialect,
                    ModelVersionTagRow,
                    keys=("version_id", "key"),
                    update=("value",),
                ),
                [{"version_id": row.id, "key": key, "value": value}],
            )
            record(
                session,
                require_model(session, name),
                RegistryAction.SET_TAG,
                user=user,
                time=time,
                version=version,
                before=before,
                after={"key": key, "value": value},
            )

        self._db.run_write(work)

    def delete_model_version_tag(
        self, *, name: str, version: int, key: str, user: str, time: int
    ) -> None:
        def work(session: Session) -> None:
            row = require_version(session, name, version)
            tag = session.get(ModelVersionTagRow, (row.id, key))
            if tag is None:
                return
            before = {"key": key, "value": tag.value}
            session.delete(tag)
            record(
                session,
                require_model(session, name),
                RegistryAction.DELETE_TAG,
                user=user,
                time=time,
                version=version,
                before=before,
            )

        self._db.run_write(work)

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
        def work(session: Session) -> ModelVersion:
            row = require_version(session, name, version)
            model = require_model(session, name)
            moved: list[tuple[ModelVersionRow, Stage]] = []
            if archive_existing_versions:
                others = session.scalars(
                    select(ModelVersionRow)
                    .where(
                        ModelVersionRow.registered_model_id == model.id,
                        ModelVersionRow.version != version,
                        ModelVersionRow.current_stage == stage.value,
                    )
                    .order_by(ModelVersionRow.version)
                )
                moved.extend((other, Stage.ARCHIVED) for other in others)
            if row.current_stage != stage.value:
                moved.append((row, stage))
            for target, new_stage in moved:
                record(
                    session,
                    model,
                    RegistryAction.TRANSITION_STAGE,
                    user=user,
                    time=time,
                    version=target.version,
                    before={"stage": target.current_stage},
                    after={"stage": new_stage.value},
                )
                target.current_stage = new_stage.value
                target.last_updated_time = time
            row.last_updated_time = time
            model.last_updated_time = time
            return load_version(session, row)

        return self._db.run_write(work)

    def search_model_versions(
        self,
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[ModelVersion]:
        return self._search(
            plan_model_version_search,
            load_model_versions,
            filter_string=filter_string,
            max_results=max_results,
            order_by=order_by,
            page_token=page_token,
        )

    def _search(
        self,
        plan_search: Callable[..., Any],
        load: Callable[[Session, list[Any]], list[T]],
        *,
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> PagedList[T]:
        """One search: plan it, read one page of ids, load those entities."""
        plan = plan_search(
            dialect=self._db.dialect,
            filter_string=filter_string,
            order_by=order_by,
            max_results=max_results,
            page_token=page_token,
        )
        with self._db.read() as session:
            rows = session.execute(plan.statement).all()
            return PagedList(load(session, plan.page_ids(rows)), plan.next_page_token(rows))

    def get_model_version_download_uri(self, *, name: str, version: int) -> str:
        with self._db.read() as session:
            row = require_version(session, name, version)
            return row.storage_location or row.source

    # -- aliases -------------------------------------------------------------------------

    def set_registered_model_alias(
        self, *, name: str, alias: str, version: int, user: str, time: int
    ) -> None:
        def work(session: Session) -> None:
            require_version(session, name, version)
            model = require_model(session, name)
            current = session.get(RegisteredModelAliasRow, (model.id, alias))
            if current is not None and current.version == version:
                return
            before = None if current is None else {"version": str(current.version)}
            session.execute(
                upsert(
                    self._db.dialect,
                    RegisteredModelAliasRow,
                    keys=("registered_model_id", "alias"),
                    update=("version",),
                ),
                [{"registered_model_id": model.id, "alias": alias, "version": version}],
            )
            record(
                session,
                model,
                RegistryAction.SET_ALIAS,
                user=user,
                time=time,
                version=version,
                alias=alias,
                before=before,
                after={"version": str(version)},
            )

        self._db.run_write(work)

    def delete_registered_model_alias(self, *, name: str, alias: str, user: str, time: int) -> None:
        def work(session: Session) -> None:
            model = require_model(session, name)
            current = session.get(RegisteredModelAliasRow, (model.id, alias))
            if current is None:
                return
            version = current.version
            session.delete(current)
            record(
                session,
                model,
                RegistryAction.DELETE_ALIAS,
                user=user,
                time=time,
                version=version,
                alias=alias,
                before={"version": str(version)},
            )

        self._db.run_write(work)

    def get_model_version_by_alias(self, *, name: str, alias: str) -> ModelVersion:
        with self._db.read() as session:
            model = require_model(session, name)
            current = session.get(RegisteredModelAliasRow, (model.id, alias))
            if current is None:
                raise InvalidArgumentError(f"Registered model alias {alias} not found.")
            return load_version(session, require_version(session, name, current.version))

    # -- history -------------------------------------------------------------------------

    def list_registry_events(
        self, *, name: str, alias: str | None, version: int | None
    ) -> list[RegistryEvent]:
        with self._db.read() as session:
            return list_events(session, name=name, alias=alias, version=version)

    def get_alias_at(self, *, name: str, alias: str, time: int) -> str | None:
        with self._db.read() as session:
            return alias_at(session, name=name, alias=alias, time=time)
