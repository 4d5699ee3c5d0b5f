"""Logged models in the SQL store, and the run outputs that point at them."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runwright.entities import (
    LifecycleStage,
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
    PagedList,
)
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.store.logged_models import LoggedModelStore
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.experiments import parse_experiment_id
from runwright.store.sql.loading import chunks
from runwright.store.sql.logged_model_search import plan_logged_model_search
from runwright.store.sql.runs import require_run
from runwright.store.sql.schema import (
    ExperimentRow,
    LoggedModelMetricRow,
    LoggedModelParamRow,
    LoggedModelRow,
    LoggedModelTagRow,
    RunOutputRow,
)

__all__ = ["SqlLoggedModels", "load_logged_models"]

# MLflow's layout: a model's files sit beside the runs, under the experiment's root.
MODELS_FOLDER = "models"
ARTIFACTS_FOLDER = "artifacts"


def _require_model(session: Session, model_id: str) -> LoggedModelRow:
    row = session.get(LoggedModelRow, model_id)
    if row is None or row.lifecycle_stage != LifecycleStage.ACTIVE.value:
        raise NotFoundError(f"no logged model with id {model_id!r}")
    return row


def load_logged_models(session: Session, model_ids: Sequence[str]) -> list[LoggedModel]:
    """Models in the order of `model_ids`, with tags, params and metrics (missing ids left out)."""
    rows: dict[str, LoggedModelRow] = {}
    tags: dict[str, dict[str, str]] = {i: {} for i in model_ids}
    params: dict[str, dict[str, str]] = {i: {} for i in model_ids}
    metrics: dict[str, list[LoggedModelMetric]] = {i: [] for i in model_ids}
    for part in chunks(model_ids):
        for row in session.scalars(select(LoggedModelRow).where(LoggedModelRow.model_id.in_(part))):
            rows[row.model_id] = row
        for tag in session.scalars(
            select(LoggedModelTagRow).where(LoggedModelTagRow.model_id.in_(part))
        ):
            tags[tag.model_id][tag.key] = tag.value
        for param in session.scalars(
            select(LoggedModelParamRow).where(LoggedModelParamRow.model_id.in_(part))
        ):
            params[param.model_id][param.key] = param.value
        for point in session.scalars(
            select(LoggedModelMetricRow)
            .where(LoggedModelMetricRow.model_id.in_(part))
            .order_by(LoggedModelMetricRow.id)
        ):
            metrics[point.model_id].append(
                LoggedModelMetric(
                    key=point.key,
                    value=math.nan if point.is_nan else point.value,
                    timestamp=point.timestamp,
                    step=point.step,
                    run_id=point.run_id,
                    dataset_name=point.dataset_name,
                    dataset_digest=point.dataset_digest,
                )
            )
    return [
        rows[i].to_entity(tags=tags[i], params=params[i], metrics=tuple(metrics[i]))
        for i in model_ids
        if i in rows
    ]


class SqlLoggedModels(LoggedModelStore):
    _db: Database

    def create_logged_model(
        self,
        *,
        experiment_id: str,
        name: str,
        model_type: str | None,
        source_run_id: str | None,
        params: Mapping[str, str],
        tags: Mapping[str, str],
        creation_time: int,
    ) -> LoggedModel:
        from runwright.artifacts import join_uri

        model_id = f"m-{uuid.uuid4().hex}"

        def work(session: Session) -> LoggedModel:
            experiment = session.get(ExperimentRow, parse_experiment_id(experiment_id))
            if experiment is None:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")
            if experiment.lifecycle_stage != LifecycleStage.ACTIVE.value:
                raise InvalidArgumentError(
                    f"experiment {experiment_id} is deleted; it must be in the 'active' state"
                )
            row = LoggedModelRow(
                model_id=model_id,
                experiment_id=experiment.experiment_id,
                name=name,
                artifact_location=join_uri(
                    experiment.artifact_location, MODELS_FOLDER, model_id, ARTIFACTS_FOLDER
                ),
                status=LoggedModelStatus.PENDING.value,
                status_message=None,
                lifecycle_stage=LifecycleStage.ACTIVE.value,
                model_type=model_type,
                source_run_id=source_run_id,
                creation_time=creation_time,
                last_updated_time=creation_time,
            )
            session.add(row)
            session.flush()  # the model row first: its tags and params refer to it
            session.add_all(
                LoggedModelTagRow(model_id=model_id, key=k, value=v) for k, v in tags.items()
            )
            session.add_all(
                LoggedModelParamRow(model_id=model_id, key=k, value=v) for k, v in params.items()
            )
            session.flush()
            return row.to_entity(tags=dict(tags), params=dict(params), metrics=())

        return self._db.run_write(work)

    def get_logged_model(self, *, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        with self._db.read() as session:
            found = load_logged_models(session, [model_id])
        if not found or (
            found[0].lifecycle_stage is not LifecycleStage.ACTIVE and not allow_deleted
        ):
            raise NotFoundError(f"no logged model with id {model_id!r}")
        return found[0]

    def finalize_logged_model(
        self, *, model_id: str, status: LoggedModelStatus, updated_time: int
    ) -> LoggedModel:
        def work(session: Session) -> None:
            row = _require_model(session, model_id)
            row.status = status.value
            row.last_updated_time = updated_time

        self._db.run_write(work)
        return self.get_logged_model(model_id=model_id)

    def delete_logged_model(self, *, model_id: str, deleted_time: int) -> None:
        def work(session: Session) -> None:
            row = session.get(LoggedModelRow, model_id)
            if row is None:
                raise NotFoundError(f"no logged model with id {model_id!r}")
            if row.lifecycle_stage == LifecycleStage.DELETED.value:
                return  # deleting again keeps the time of the first deletion
            row.lifecycle_stage = LifecycleStage.DELETED.value
            row.last_updated_time = deleted_time

        self._db.run_write(work)

    def list_deleted_logged_models(self, *, deleted_before: int | None) -> list[LoggedModel]:
        query = select(LoggedModelRow.model_id).where(
            LoggedModelRow.lifecycle_stage == LifecycleStage.DELETED.value
        )
        if deleted_before is not None:
            # A deleted model refuses changes, so its last update is its deletion.
            query = query.where(LoggedModelRow.last_updated_time < deleted_before)
        with self._db.read() as session:
            ids = list(session.scalars(query.order_by(LoggedModelRow.model_id)))
            return load_logged_models(session, ids)

    def purge_logged_models(self, *, model_ids: Sequence[str]) -> None:
        def work(session: Session) -> None:
            # Tags, params, metrics and run outputs go with the row (ON DELETE CASCADE).
            for part in chunks(list(model_ids)):
                session.execute(delete(LoggedModelRow).where(LoggedModelRow.model_id.in_(part)))

        self._db.run_write(work)

    def set_logged_model_tags(self, *, model_id: str, tags: Mapping[str, str]) -> None:
        def work(session: Session) -> None:
            _require_model(session, model_id)
            if tags:
                session.execute(
                    upsert(
                        self._db.dialect,
                        LoggedModelTagRow,
                        keys=("model_id", "key"),
                        update=("value",),
                    ),
                    [{"model_id": model_id, "key": k, "value": v} for k, v in tags.items()],
                )

        self._db.run_write(work)

    def delete_logged_model_tag(self, *, model_id: str, key: str) -> None:
        def work(session: Session) -> None:
            _require_model(session, model_id)
            deleted = session.execute(
                delete(LoggedModelTagRow).where(
                    LoggedModelTagRow.model_id == model_id, LoggedModelTagRow.key == key
                )
            )
            if not deleted.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"logged model {model_id} has no tag {key!r}")

        self._db.run_write(work)

    def log_logged_model_params(self, *, model_id: str, params: Mapping[str, str]) -> None:
        def work(session: Session) -> None:
            _require_model(session, model_id)
            if not params:
                return
            stored: dict[str, str] = {
                key: value
                for key, value in session.execute(
                    select(LoggedModelParamRow.key, LoggedModelParamRow.value).where(
                        LoggedModelParamRow.model_id == model_id,
                        LoggedModelParamRow.key.in_(list(params)),
                    )
                )
            }
            for key, value in params.items():
                if key in stored and stored[key] != value:
                    raise InvalidArgumentError(
                        f"param {key!r} of logged model {model_id} is already {stored[key]!r}; "
                        f"it cannot be changed to {value!r}"
                    )
            session.execute(
                upsert(self._db.dialect, LoggedModelParamRow, keys=("model_id", "key")),
                [{"model_id": model_id, "key": k, "value": v} for k, v in params.items()],
            )

        self._db.run_write(work)

    def log_logged_model_metrics(
        self, *, model_id: str, metrics: Sequence[LoggedModelMetric]
    ) -> None:
        def work(session: Session) -> None:
            _require_model(session, model_id)
            session.add_all(
                LoggedModelMetricRow(
                    model_id=model_id,
                    key=m.key,
                    value=0.0 if math.isnan(m.value) else m.value,
                    is_nan=math.isnan(m.value),
                    timestamp=m.timestamp,
                    step=m.step,
                    run_id=m.run_id,
                    dataset_name=m.dataset_name,
                    dataset_digest=m.dataset_digest,
                )
                for m in metrics
            )

        self._db.run_write(work)

    def search_logged_models(
        self,
        *,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        datasets: Sequence[LoggedModelDataset],
        max_results: int,
        order_by: Sequence[LoggedModelOrder],
        page_token: str | None,
    ) -> PagedList[LoggedModel]:
        plan = plan_logged_model_search(
            dialect=self._db.dialect,
            experiment_ids=[parse_experiment_id(i) for i in experiment_ids],
            filter_string=filter_string,
            datasets=datasets,
            order_by=order_by,
            max_results=max_results,
            page_token=page_token,
        )
        with self._db.read() as session:
            rows = session.execute(plan.statement).all()
            ids = [str(i) for i in plan.page_ids(rows)]
            return PagedList(load_logged_models(session, ids), plan.next_page_token(rows))

    def log_outputs(self, *, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        def work(session: Session) -> None:
            require_run(session, run_id, active=True)
            for model_id in {m.model_id for m in models}:
                if session.get(LoggedModelRow, model_id) is None:
                    raise NotFoundError(f"no logged model with id {model_id!r}")
            pairs = sorted({(m.model_id, m.step) for m in models})
            if pairs:
                session.execute(
                    upsert(self._db.dialect, RunOutputRow, keys=("run_id", "model_id", "step")),
                    [{"run_id": run_id, "model_id": m, "step": step} for m, step in pairs],
                )

        self._db.run_write(work)

    def get_run_outputs(self, *, run_ids: Sequence[str]) -> dict[str, list[LoggedModelOutput]]:
        outputs: dict[str, list[LoggedModelOutput]] = {i: [] for i in run_ids}
        with self._db.read() as session:
            for part in chunks(list(run_ids)):
                for run_id, model_id, step in session.execute(
                    select(RunOutputRow.run_id, RunOutputRow.model_id, RunOutputRow.step)
                    .where(RunOutputRow.run_id.in_(part))
                    .order_by(RunOutputRow.run_id, RunOutputRow.step, RunOutputRow.model_id)
                ):
                    outputs[run_id].append(LoggedModelOutput(model_id=model_id, step=step))
        return outputs
