"""Experiments in the SQL store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runwright._host import now_ms
from runwright.entities import Experiment, LifecycleStage, PagedList, ViewType
from runwright.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.schema import ExperimentRow, ExperimentTagRow, RunRow
from runwright.store.sql.search import plan_experiment_search

__all__ = ["SqlExperiments"]


def parse_experiment_id(experiment_id: str) -> int:
    try:
        number = int(experiment_id)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number < 2**31:  # the id column is a 32-bit integer
        raise InvalidArgumentError(
            f"experiment id must be a whole number from 0 to 2147483647, got {experiment_id!r}"
        )
    return number


class SqlExperiments:
    _db: Database
    default_artifact_root: str

    def create_experiment(
        self, *, name: str, artifact_location: str | None, tags: Mapping[str, str]
    ) -> str:
        from runwright.artifacts import join_uri

        def work(session: Session) -> int:
            now = now_ms()
            row = ExperimentRow(
                name=name,
                artifact_location=artifact_location or "",
                lifecycle_stage=LifecycleStage.ACTIVE.value,
                creation_time=now,
                last_update_time=now,
            )
            session.add(row)
            session.flush()
            if not artifact_location:
                row.artifact_location = join_uri(self.default_artifact_root, str(row.experiment_id))
            session.add_all(
                ExperimentTagRow(experiment_id=row.experiment_id, key=k, value=v)
                for k, v in tags.items()
            )
            return row.experiment_id

        try:
            return str(self._db.run_write(work))
        except IntegrityError:
            raise AlreadyExistsError(f"experiment {name!r} already exists") from None

    def get_experiment(self, *, experiment_id: str) -> Experiment:
        with self._db.read() as session:
            row = session.get(ExperimentRow, parse_experiment_id(experiment_id))
            if row is None:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")
            return self._experiment_entities(session, [row])[0]

    def get_experiment_by_name(self, *, name: str) -> Experiment | None:
        with self._db.read() as session:
            row = session.scalars(select(ExperimentRow).where(ExperimentRow.name == name)).first()
            return None if row is None else self._experiment_entities(session, [row])[0]

    def search_experiments(
        self,
        *,
        view_type: ViewType,
        filter_string: str | None,
        order_by: Sequence[str] | None,
        max_results: int,
        page_token: str | None,
    ) -> PagedList[Experiment]:
        plan = plan_experiment_search(
            dialect=self._db.dialect,
            lifecycle_stages=[stage.value for stage in view_type.stages()],
            filter_string=filter_string,
            order_by=order_by,
            max_results=max_results,
            page_token=page_token,
        )
        with self._db.read() as session:
            rows = session.execute(plan.statement).all()
            ids = [int(i) for i in plan.page_ids(rows)]
            found = session.scalars(
                select(ExperimentRow).where(ExperimentRow.experiment_id.in_(ids))
            ).all()
            by_id = {row.experiment_id: row for row in found}
            ordered = [by_id[i] for i in ids if i in by_id]
            return PagedList(
                self._experiment_entities(session, ordered), plan.next_page_token(rows)
            )

    def rename_experiment(self, *, experiment_id: str, new_name: str) -> None:
        def work(session: Session) -> None:
            row = _require_experiment(session, experiment_id)
            row.name = new_name
            row.last_update_time = now_ms()

        try:
            self._db.run_write(work)
        except IntegrityError:
            raise AlreadyExistsError(f"experiment {new_name!r} already exists") from None

    def delete_experiment(self, *, experiment_id: str, deleted_time: int) -> None:
        def work(session: Session) -> None:
            row = _require_experiment(session, experiment_id)
            row.lifecycle_stage = LifecycleStage.DELETED.value
            row.last_update_time = deleted_time
            session.execute(
                update(RunRow)
                .where(
                    RunRow.experiment_id == row.experiment_id,
                    RunRow.lifecycle_stage == LifecycleStage.ACTIVE.value,
                )
                .values(lifecycle_stage=LifecycleStage.DELETED.value, deleted_time=deleted_time)
            )

        self._db.run_write(work)

    def restore_experiment(self, *, experiment_id: str, updated_time: int) -> None:
        def work(session: Session) -> None:
            row = _require_experiment(session, experiment_id)
            if row.lifecycle_stage == LifecycleStage.ACTIVE.value:
                return
            deleted_at = row.last_update_time
            row.lifecycle_stage = LifecycleStage.ACTIVE.value
            row.last_update_time = updated_time
            # Bring back the runs this experiment's deletion took with it, not the
            # runs that had been deleted on their own before.
            session.execute(
                update(RunRow)
                .where(RunRow.experiment_id == row.experiment_id, RunRow.deleted_time == deleted_at)
                .values(lifecycle_stage=LifecycleStage.ACTIVE.value, deleted_time=None)
            )

        self._db.run_write(work)

    def set_experiment_tag(self, *, experiment_id: str, key: str, value: str) -> None:
        def work(session: Session) -> None:
            row = _require_experiment(session, experiment_id)
            session.execute(
                upsert(
                    self._db.dialect,
                    ExperimentTagRow,
                    keys=("experiment_id", "key"),
                    update=("value",),
                ),
                [{"experiment_id": row.experiment_id, "key": key, "value": value}],
            )

        self._db.run_write(work)

    def delete_experiment_tag(self, *, experiment_id: str, key: str) -> None:
        def work(session: Session) -> None:
            row = _require_experiment(session, experiment_id)
            deleted = session.execute(
                delete(ExperimentTagRow).where(
                    ExperimentTagRow.experiment_id == row.experiment_id,
                    ExperimentTagRow.key == key,
                )
            )
            if not deleted.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"experiment {experiment_id} has no tag {key!r}")

        self._db.run_write(work)

    def purge_experiment(self, *, experiment_id: str) -> None:
        def work(session: Session) -> None:
            row = _require_experiment(session, experiment_id)
            session.delete(row)

        self._db.run_write(work)

    @staticmethod
    def _experiment_entities(session: Session, rows: Sequence[ExperimentRow]) -> list[Experiment]:
        ids = [row.experiment_id for row in rows]
        tags: dict[int, dict[str, str]] = {i: {} for i in ids}
        for tag in session.scalars(
            select(ExperimentTagRow).where(ExperimentTagRow.experiment_id.in_(ids))
        ):
            tags[tag.experiment_id][tag.key] = tag.value
        return [row.to_entity(tags[row.experiment_id]) for row in rows]


def _require_experiment(session: Session, experiment_id: str) -> ExperimentRow:
    row = session.get(ExperimentRow, parse_experiment_id(experiment_id))
    if row is None:
        raise NotFoundError(f"no experiment with id {experiment_id!r}")
    return row
