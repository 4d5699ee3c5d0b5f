"""Runs in the SQL store: lifecycle, inputs, search and garbage collection."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from runwright._host import new_run_id
from runwright.entities import (
    CONTEXT_TAG,
    DatasetInput,
    LifecycleStage,
    PagedList,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    Tag,
    ViewType,
)
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.experiments import parse_experiment_id
from runwright.store.sql.loading import chunks, load_runs
from runwright.store.sql.schema import DatasetRow, ExperimentRow, RunInputRow, RunRow, TagRow
from runwright.store.sql.search import plan_run_search

__all__ = [
    "SqlRuns",
    "add_run_row",
    "check_experiment_takes_runs",
    "new_run_row",
    "require_run",
]


def require_run(session: Session, run_id: str, *, active: bool = False) -> RunRow:
    row = session.get(RunRow, run_id)
    if row is None:
        raise NotFoundError(f"no run with id {run_id!r}")
    if active and row.lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise InvalidArgumentError(
            f"run {run_id} is deleted; it must be in the 'active' state to be changed"
        )
    return row


_EXPERIMENTS = cast(Table, ExperimentRow.__table__)
# Built once: these run for every new run, and pipelines make a run per step.
_EXPERIMENT_FOR_NEW_RUN = select(
    _EXPERIMENTS.c.experiment_id, _EXPERIMENTS.c.lifecycle_stage, _EXPERIMENTS.c.artifact_location
).where(_EXPERIMENTS.c.experiment_id == bindparam("experiment_id"))
_INSERT_RUN = insert(cast(Table, RunRow.__table__))
_INSERT_TAG = insert(cast(Table, TagRow.__table__))


def check_experiment_takes_runs(experiment_id: object, lifecycle_stage: str) -> None:
    if lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise InvalidArgumentError(
            f"experiment {experiment_id} is deleted; it must be in the 'active' state"
        )


def new_run_row(
    *,
    run_id: str,
    experiment_id: int,
    artifact_location: str,
    run_name: str,
    user_id: str,
    start_time: int,
    status: RunStatus = RunStatus.RUNNING,
    end_time: int | None = None,
) -> tuple[RunInfo, dict[str, object]]:
    """A new run as an entity and as its `runs` row: what every way of creating a run
    (the tracking API, a pipeline's step journal) inserts."""
    from runwright.artifacts import join_uri

    info = RunInfo(
        run_id=run_id,
        experiment_id=str(experiment_id),
        run_name=run_name,
        user_id=user_id,
        status=status,
        start_time=start_time,
        end_time=end_time,
        lifecycle_stage=LifecycleStage.ACTIVE,
        artifact_uri=join_uri(artifact_location, run_id, "artifacts"),
        heartbeat_time=start_time,
    )
    row = {
        "run_id": run_id,
        "experiment_id": experiment_id,
        "name": run_name,
        "user_id": user_id,
        "status": status.value,
        "start_time": start_time,
        "end_time": end_time,
        "lifecycle_stage": info.lifecycle_stage.value,
        "artifact_uri": info.artifact_uri,
        "heartbeat_time": start_time,
        "deleted_time": None,
    }
    return info, row


def add_run_row(
    session: Session,
    *,
    run_id: str,
    experiment_id: str,
    run_name: str,
    user_id: str,
    start_time: int,
    tags: Sequence[Tag],
    status: RunStatus = RunStatus.RUNNING,
    end_time: int | None = None,
) -> RunInfo:
    """Insert a new run (RUNNING unless told) with its tags; the caller commits.

    Plain Core statements, not the ORM unit of work: the ORM's bookkeeping costs more
    than the database does for a row this simple.
    """
    experiment = session.execute(
        _EXPERIMENT_FOR_NEW_RUN, {"experiment_id": parse_experiment_id(experiment_id)}
    ).first()
    if experiment is None:
        raise NotFoundError(f"no experiment with id {experiment_id!r}")
    check_experiment_takes_runs(experiment_id, experiment.lifecycle_stage)
    info, row = new_run_row(
        run_id=run_id,
        experiment_id=experiment.experiment_id,
        artifact_location=experiment.artifact_location,
        run_name=run_name,
        user_id=user_id,
        start_time=start_time,
        status=status,
        end_time=end_time,
    )
    session.execute(_INSERT_RUN, row)
    if tags:
        session.execute(
            _INSERT_TAG,
            [{"run_id": run_id, "key": t.key, "value": t.value} for t in tags],
        )
    return info


class SqlRuns:
    _db: Database

    def create_run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[Tag],
    ) -> Run:
        run_id = new_run_id()

        def work(session: Session) -> Run:
            info = add_run_row(
                session,
                run_id=run_id,
                experiment_id=experiment_id,
                run_name=run_name,
                user_id=user_id,
                start_time=start_time,
                tags=tags,
            )
            # A new run holds exactly these tags and nothing else: no need to read it back.
            return Run(info=info, data=RunData(tags={t.key: t.value for t in tags}))

        return self._db.run_write(work)

    def get_run(self, *, run_id: str) -> Run:
        with self._db.read() as session:
            found = load_runs(session, [run_id])
        if not found:
            raise NotFoundError(f"no run with id {run_id!r}")
        return found[0]

    def update_run(
        self,
        *,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        def work(session: Session) -> RunInfo:
            row = require_run(session, run_id, active=True)
            if status is not None:
                row.status = status.value
            if end_time is not None:
                row.end_time = end_time
            if run_name is not None:
                row.name = run_name
                session.execute(
                    upsert(self._db.dialect, TagRow, keys=("run_id", "key"), update=("value",)),
                    [{"run_id": run_id, "key": "mlflow.runName", "value": run_name}],
                )
            session.flush()
            return row.to_info()

        return self._db.run_write(work)

    def delete_run(self, *, run_id: str, deleted_time: int) -> None:
        def work(session: Session) -> None:
            row = require_run(session, run_id)
            if row.lifecycle_stage == LifecycleStage.DELETED.value:
                return  # deleting again must not restart the gc --older-than clock
            row.lifecycle_stage = LifecycleStage.DELETED.value
            row.deleted_time = deleted_time

        self._db.run_write(work)

    def restore_run(self, *, run_id: str) -> None:
        def work(session: Session) -> None:
            row = require_run(session, run_id)
            experiment = session.get(ExperimentRow, row.experiment_id)
            if experiment is not None and experiment.lifecycle_stage != LifecycleStage.ACTIVE.value:
                raise InvalidArgumentError(
                    f"run {run_id} belongs to deleted experiment {row.experiment_id}; "
                    "restore the experiment instead"
                )
            row.lifecycle_stage = LifecycleStage.ACTIVE.value
            row.deleted_time = None

        self._db.run_write(work)

    def log_inputs(self, *, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        def work(session: Session) -> None:
            run = require_run(session, run_id, active=True)
            for item in datasets:
                dataset_id = self._dataset_id(session, run.experiment_id, item)
                session.execute(
                    upsert(
                        self._db.dialect,
                        RunInputRow,
                        keys=("run_id", "dataset_id"),
                        update=("tags_json", "context"),
                    ),
                    [
                        {
                            "run_id": run_id,
                            "dataset_id": dataset_id,
                            "tags_json": json.dumps(dict(item.tags), sort_keys=True),
                            "context": item.tags.get(CONTEXT_TAG),
                        }
                    ],
                )

        self._db.run_write(work)

    def _dataset_id(self, session: Session, experiment_id: int, item: DatasetInput) -> str:
        dataset = item.dataset
        session.execute(
            upsert(self._db.dialect, DatasetRow, keys=("experiment_id", "name", "digest")),
            [
                {
                    "dataset_id": uuid.uuid4().hex,
                    "experiment_id": experiment_id,
                    "name": dataset.name,
                    "digest": dataset.digest,
                    "source_type": dataset.source_type,
                    "source": dataset.source,
                    "schema": dataset.schema,
                    "profile": dataset.profile,
                }
            ],
        )
        found = session.scalar(
            select(DatasetRow.dataset_id).where(
                DatasetRow.experiment_id == experiment_id,
                DatasetRow.name == dataset.name,
                DatasetRow.digest == dataset.digest,
            )
        )
        assert found is not None
        return found

    def search_runs(
        self,
        *,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        view_type: ViewType,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> PagedList[Run]:
        plan = plan_run_search(
            dialect=self._db.dialect,
            experiment_ids=[parse_experiment_id(i) for i in experiment_ids],
            lifecycle_stages=[stage.value for stage in view_type.stages()],
            filter_string=filter_string,
            order_by=order_by,
            max_results=max_results,
            page_token=page_token,
        )
        with self._db.read() as session:
            rows = session.execute(plan.statement).all()
            ids = [str(i) for i in plan.page_ids(rows)]
            return PagedList(load_runs(session, ids), plan.next_page_token(rows))

    def list_deleted_runs(self, *, deleted_before: int | None) -> list[RunInfo]:
        query = select(RunRow).where(RunRow.lifecycle_stage == LifecycleStage.DELETED.value)
        if deleted_before is not None:
            query = query.where(RunRow.deleted_time < deleted_before)
        with self._db.read() as session:
            return [row.to_info() for row in session.scalars(query.order_by(RunRow.run_id))]

    def purge_runs(self, *, run_ids: Sequence[str]) -> None:
        def work(session: Session) -> None:
            for part in chunks(list(run_ids)):
                session.execute(delete(RunRow).where(RunRow.run_id.in_(part)))

        self._db.run_write(work)

    def record_heartbeat(self, *, run_ids: Sequence[str], time: int) -> None:
        def work(session: Session) -> None:
            session.execute(
                update(RunRow)
                .where(RunRow.run_id.in_(list(run_ids)), RunRow.status == RunStatus.RUNNING.value)
                .values(heartbeat_time=time)
            )

        self._db.run_write(work)
