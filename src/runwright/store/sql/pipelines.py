"""Pipeline and step runs in the SQL store; one transaction per step transition."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from runwright.entities import PARENT_RUN_TAG, LifecycleStage, RunInfo, RunStatus, Tag
from runwright.entities.pipelines import (
    CacheStatus,
    LineageEdge,
    OutputRef,
    PipelineRunRecord,
    StepInput,
    StepRecord,
)
from runwright.errors import NotFoundError
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.runs import add_run_row
from runwright.store.sql.schema import (
    ParamRow,
    PipelineRunRow,
    PipelineStepRow,
    RunRow,
    StepInputRow,
    StepOutputRow,
    TagRow,
)

__all__ = ["SqlPipelines"]

_RUNS = cast(Table, RunRow.__table__)
_PIPELINES = cast(Table, PipelineRunRow.__table__)
_STEPS = cast(Table, PipelineStepRow.__table__)
_OUTPUTS = cast(Table, StepOutputRow.__table__)
_INPUTS = cast(Table, StepInputRow.__table__)

# The per-step paths (start, finish, cache lookups) use Core statements: a pipeline
# writes a run per step, and the ORM's unit of work cost more than the database did.


_PARAMS = cast(Table, ParamRow.__table__)
_INSERT = {table.name: insert(table) for table in (_PARAMS, _STEPS, _OUTPUTS, _INPUTS)}
_PARENT = (
    select(_RUNS.c.experiment_id, _RUNS.c.user_id, _PIPELINES.c.pipeline_name)
    .join(_PIPELINES, _PIPELINES.c.run_id == _RUNS.c.run_id)
    .where(_RUNS.c.run_id == bindparam("run_id"))
)
_END_RUN = (
    update(_RUNS)
    .where(_RUNS.c.run_id == bindparam("target"))
    .values(status=bindparam("status"), end_time=bindparam("end_time"))
)
_COUNT_ATTEMPTS = (
    update(_STEPS)
    .where(_STEPS.c.run_id == bindparam("target"))
    .values(attempts=bindparam("attempts"))
)


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_INSERT[table.name], rows)


def _params(session: Session, run_id: str, params: Mapping[str, str]) -> None:
    _insert(
        session,
        _PARAMS,
        [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()],
    )


def _add_outputs(session: Session, run_id: str, outputs: Sequence[OutputRef]) -> None:
    _insert(
        session,
        _OUTPUTS,
        [
            {
                "run_id": run_id,
                "name": o.name,
                "uri": o.uri,
                "serializer": o.serializer,
                "content_hash": o.content_hash,
                "size": o.size,
                "producer_run_id": o.producer_run_id,
            }
            for o in outputs
        ],
    )


def _add_inputs(session: Session, run_id: str, inputs: Sequence[StepInput]) -> None:
    _insert(
        session,
        _INPUTS,
        [
            {
                "run_id": run_id,
                "arg": i.arg,
                "position": i.position,
                "content_hash": i.content_hash,
                "producer_run_id": i.producer_run_id,
                "output_name": i.output_name,
            }
            for i in inputs
        ],
    )


def _record(run: RunRow, parent: PipelineRunRow) -> PipelineRunRecord:
    return PipelineRunRecord(
        run_id=run.run_id,
        pipeline_name=parent.pipeline_name,
        source=json.loads(parent.source),
        parameters_blob=parent.parameters_blob,
        parameters=json.loads(parent.parameters),
        graph=json.loads(parent.graph),
        options=json.loads(parent.options),
        status=run.status,
        start_time=run.start_time,
        end_time=run.end_time,
    )


def _steps() -> Select[Any]:
    return select(
        _STEPS,
        _RUNS.c.status,
        _RUNS.c.start_time,
        _RUNS.c.end_time,
    ).join(_RUNS, _RUNS.c.run_id == _STEPS.c.run_id)


def _load_steps(
    session: Session, query: Select[Any], *, with_outputs: bool = True, with_inputs: bool = True
) -> list[StepRecord]:
    """Step records for the query's rows; the per-step cache lookups skip the parts
    they do not use (a query each)."""
    rows = session.execute(query).all()
    run_ids = [row.run_id for row in rows]
    outputs: dict[str, dict[str, OutputRef]] = {run_id: {} for run_id in run_ids}
    inputs: dict[str, list[StepInput]] = {run_id: [] for run_id in run_ids}
    if run_ids and with_outputs:
        for out in session.execute(select(_OUTPUTS).where(_OUTPUTS.c.run_id.in_(run_ids))):
            outputs[out.run_id][out.name] = OutputRef(
                name=out.name,
                uri=out.uri,
                serializer=out.serializer,
                content_hash=out.content_hash,
                size=out.size,
                producer_run_id=out.producer_run_id,
            )
    if run_ids and with_inputs:
        for inp in session.execute(
            select(_INPUTS)
            .where(_INPUTS.c.run_id.in_(run_ids))
            .order_by(_INPUTS.c.arg, _INPUTS.c.position)
        ):
            inputs[inp.run_id].append(
                StepInput(
                    arg=inp.arg,
                    position=inp.position,
                    content_hash=inp.content_hash,
                    producer_run_id=inp.producer_run_id,
                    output_name=inp.output_name,
                )
            )
    return [
        StepRecord(
            run_id=row.run_id,
            pipeline_run_id=row.pipeline_run_id,
            pipeline_name=row.pipeline_name,
            node_id=row.node_id,
            step_name=row.step_name,
            status=row.status,
            start_time=row.start_time,
            end_time=row.end_time,
            attempts=row.attempts,
            cache_key=row.cache_key,
            cache_status=CacheStatus(row.cache_status),
            cache_reason=row.cache_reason,
            cached_from_run_id=row.cached_from_run_id,
            cache_components=json.loads(row.cache_components),
            outputs=outputs[row.run_id],
            inputs=tuple(inputs[row.run_id]),
        )
        for row in rows
    ]


def _add_step_run(
    session: Session,
    *,
    run_id: str,
    pipeline_run_id: str,
    run_name: str,
    start_time: int,
    tags: Sequence[Tag],
    params: Mapping[str, str],
    node_id: str,
    step_name: str,
    cache_key: str | None,
    cache_status: CacheStatus,
    cache_reason: str,
    cache_components: Mapping[str, Any],
    cached_from_run_id: str | None,
) -> RunInfo:
    """A run nested in the pipeline run (same experiment and user) with its step record."""
    parent = session.execute(_PARENT, {"run_id": pipeline_run_id}).first()
    if parent is None:
        raise NotFoundError(f"no pipeline run with id {pipeline_run_id!r}")
    info = add_run_row(
        session,
        run_id=run_id,
        experiment_id=str(parent.experiment_id),
        run_name=run_name,
        user_id=parent.user_id,
        start_time=start_time,
        tags=[*tags, Tag(PARENT_RUN_TAG, pipeline_run_id)],
        # A step served from the cache is over the moment it is recorded.
        status=RunStatus.RUNNING if cached_from_run_id is None else RunStatus.FINISHED,
        end_time=None if cached_from_run_id is None else start_time,
    )
    _params(session, run_id, params)
    _insert(
        session,
        _STEPS,
        [
            {
                "run_id": run_id,
                "pipeline_run_id": pipeline_run_id,
                "pipeline_name": parent.pipeline_name,
                "node_id": node_id,
                "step_name": step_name,
                "attempts": 0,
                "cache_key": cache_key,
                "cache_status": cache_status.value,
                "cache_reason": cache_reason,
                "cache_components": json.dumps(dict(cache_components)),
                "cached_from_run_id": cached_from_run_id,
            }
        ],
    )
    return info


class SqlPipelines:
    _db: Database

    def create_pipeline_run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        pipeline_name: str,
        source: Mapping[str, str],
        parameters_blob: bytes,
        parameters: Mapping[str, Any],
        graph: Mapping[str, Any],
        options: Mapping[str, Any],
    ) -> str:
        run_id = uuid.uuid4().hex

        def work(session: Session) -> str:
            add_run_row(
                session,
                run_id=run_id,
                experiment_id=experiment_id,
                run_name=run_name,
                user_id=user_id,
                start_time=start_time,
                tags=tags,
            )
            _params(session, run_id, params)
            session.add(
                PipelineRunRow(
                    run_id=run_id,
                    pipeline_name=pipeline_name,
                    source=json.dumps(dict(source)),
                    parameters_blob=parameters_blob,
                    parameters=json.dumps(dict(parameters)),
                    graph=json.dumps(dict(graph)),
                    options=json.dumps(dict(options)),
                )
            )
            return run_id

        return self._db.run_write(work)

    def get_pipeline_run(self, *, run_id: str) -> PipelineRunRecord:
        with self._db.read() as session:
            found = session.execute(
                select(RunRow, PipelineRunRow)
                .join(PipelineRunRow, PipelineRunRow.run_id == RunRow.run_id)
                .where(RunRow.run_id == run_id)
            ).first()
        if found is None:
            raise NotFoundError(f"no pipeline run with id {run_id!r}")
        return _record(*found)

    def list_pipeline_runs(
        self, *, pipeline_name: str | None = None, max_results: int = 100
    ) -> list[PipelineRunRecord]:
        query = (
            select(RunRow, PipelineRunRow)
            .join(PipelineRunRow, PipelineRunRow.run_id == RunRow.run_id)
            .where(RunRow.lifecycle_stage == LifecycleStage.ACTIVE.value)
            .order_by(RunRow.start_time.desc(), RunRow.run_id)
            .limit(max_results)
        )
        if pipeline_name is not None:
            query = query.where(PipelineRunRow.pipeline_name == pipeline_name)
        with self._db.read() as session:
            return [_record(run, parent) for run, parent in session.execute(query)]

    def start_step(
        self,
        *,
        pipeline_run_id: str,
        run_name: str,
        start_time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        node_id: str,
        step_name: str,
        cache_key: str | None,
        cache_status: CacheStatus,
        cache_reason: str,
        cache_components: Mapping[str, Any],
    ) -> RunInfo:
        run_id = uuid.uuid4().hex

        def work(session: Session) -> RunInfo:
            return _add_step_run(
                session,
                run_id=run_id,
                pipeline_run_id=pipeline_run_id,
                run_name=run_name,
                start_time=start_time,
                tags=tags,
                params=params,
                node_id=node_id,
                step_name=step_name,
                cache_key=cache_key,
                cache_status=cache_status,
                cache_reason=cache_reason,
                cache_components=cache_components,
                cached_from_run_id=None,
            )

        return self._db.run_write(work, durable=False)

    def finish_step(
        self,
        *,
        run_id: str,
        status: RunStatus,
        end_time: int,
        attempts: int,
        outputs: Sequence[OutputRef],
        inputs: Sequence[StepInput],
        tags: Sequence[Tag],
    ) -> None:
        def work(session: Session) -> None:
            found: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                _END_RUN, {"target": run_id, "status": status.value, "end_time": end_time}
            )
            if not found.rowcount:
                raise NotFoundError(f"no run with id {run_id!r}")
            step: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                _COUNT_ATTEMPTS, {"target": run_id, "attempts": attempts}
            )
            if not step.rowcount:
                raise NotFoundError(f"run {run_id} is not a pipeline step")
            _add_outputs(session, run_id, outputs)
            _add_inputs(session, run_id, inputs)
            if tags:
                session.execute(
                    upsert(self._db.dialect, TagRow, keys=("run_id", "key"), update=("value",)),
                    [{"run_id": run_id, "key": t.key, "value": t.value} for t in tags],
                )

        self._db.run_write(work)

    def record_cached_step(
        self,
        *,
        pipeline_run_id: str,
        run_name: str,
        time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        node_id: str,
        step_name: str,
        cache_key: str,
        cache_reason: str,
        cache_components: Mapping[str, Any],
        cached_from: StepRecord,
        inputs: Sequence[StepInput],
    ) -> str:
        run_id = uuid.uuid4().hex

        def work(session: Session) -> str:
            _add_step_run(
                session,
                run_id=run_id,
                pipeline_run_id=pipeline_run_id,
                run_name=run_name,
                start_time=time,
                tags=tags,
                params=params,
                node_id=node_id,
                step_name=step_name,
                cache_key=cache_key,
                cache_status=CacheStatus.HIT,
                cache_reason=cache_reason,
                cache_components=cache_components,
                cached_from_run_id=cached_from.run_id,
            )
            _add_outputs(session, run_id, list(cached_from.outputs.values()))
            _add_inputs(session, run_id, inputs)
            return run_id

        return self._db.run_write(work)

    def find_cached_step(self, *, cache_key: str) -> StepRecord | None:
        query = (
            _steps()
            .where(
                _STEPS.c.cache_key == cache_key,
                _STEPS.c.cached_from_run_id.is_(None),
                _RUNS.c.status == RunStatus.FINISHED.value,
                _RUNS.c.lifecycle_stage == LifecycleStage.ACTIVE.value,
            )
            .order_by(_RUNS.c.end_time.desc())
            .limit(1)
        )
        with self._db.read() as session:
            found = _load_steps(session, query, with_inputs=False)
        return found[0] if found else None

    def previous_step(
        self, *, pipeline_name: str, node_id: str, before_pipeline_run_id: str
    ) -> StepRecord | None:
        query = (
            _steps()
            .where(
                _STEPS.c.pipeline_name == pipeline_name,
                _STEPS.c.node_id == node_id,
                _STEPS.c.pipeline_run_id != before_pipeline_run_id,
                _RUNS.c.status == RunStatus.FINISHED.value,
                _RUNS.c.lifecycle_stage == LifecycleStage.ACTIVE.value,
            )
            .order_by(_RUNS.c.start_time.desc())
            .limit(1)
        )
        with self._db.read() as session:
            found = _load_steps(session, query, with_outputs=False, with_inputs=False)
        return found[0] if found else None

    def list_steps(self, *, pipeline_run_id: str) -> list[StepRecord]:
        query = (
            _steps()
            .where(_STEPS.c.pipeline_run_id == pipeline_run_id)
            .order_by(_RUNS.c.start_time, _RUNS.c.run_id)
        )
        with self._db.read() as session:
            return _load_steps(session, query)

    def get_step(self, *, run_id: str) -> StepRecord:
        with self._db.read() as session:
            found = _load_steps(session, _steps().where(_STEPS.c.run_id == run_id))
        if not found:
            raise NotFoundError(f"run {run_id!r} is not a pipeline step run")
        return found[0]

    def lineage_edges(
        self,
        *,
        producer_run_ids: Sequence[str] = (),
        consumer_run_ids: Sequence[str] = (),
        content_hashes: Sequence[str] = (),
    ) -> list[LineageEdge]:
        conditions = []
        if producer_run_ids:
            conditions.append(StepInputRow.producer_run_id.in_(list(producer_run_ids)))
        if consumer_run_ids:
            conditions.append(StepInputRow.run_id.in_(list(consumer_run_ids)))
        if content_hashes:
            conditions.append(StepInputRow.content_hash.in_(list(content_hashes)))
        if not conditions:
            return []
        with self._db.read() as session:
            rows = session.scalars(
                select(StepInputRow)
                .join(RunRow, RunRow.run_id == StepInputRow.run_id)
                .where(or_(*conditions), RunRow.lifecycle_stage == LifecycleStage.ACTIVE.value)
                .order_by(StepInputRow.run_id, StepInputRow.arg, StepInputRow.position)
            ).all()
        return [
            LineageEdge(
                producer_run_id=r.producer_run_id,
                output_name=r.output_name,
                content_hash=r.content_hash,
                consumer_run_id=r.run_id,
                arg=r.arg,
            )
            for r in rows
        ]
