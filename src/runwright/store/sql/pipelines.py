"""Pipeline runs and their step records in the SQL store (a running pipeline writes its
steps through `step_journal`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from runwright._host import new_run_id
from runwright.entities import LifecycleStage, Tag
from runwright.entities.pipelines import (
    LineageEdge,
    OutputRef,
    PipelineRunRecord,
    StepInput,
    StepRecord,
)
from runwright.errors import NotFoundError
from runwright.store.pipelines import StepJournal
from runwright.store.sql.database import Database
from runwright.store.sql.direct import DirectConnection
from runwright.store.sql.experiments import parse_experiment_id
from runwright.store.sql.pipeline_sql import Statements, tag_rows
from runwright.store.sql.runs import check_experiment_takes_runs, new_run_row
from runwright.store.sql.schema import (
    PipelineRunRow,
    RunRow,
    StepInputRow,
)
from runwright.store.sql.step_journal import SqlStepJournal
from runwright.store.sql.step_rows import (
    INPUTS,
    OUTPUTS,
    RUNS,
    STEPS,
    input_columns,
    output_columns,
    step_record,
    steps_query,
)

__all__ = ["SqlPipelines"]


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


def _load_steps(session: Session, query: Select[Any]) -> list[StepRecord]:
    """Step records for the query's rows, with their outputs and inputs (a query each)."""
    rows = session.execute(query).all()
    run_ids = [row[0] for row in rows]
    outputs: dict[str, dict[str, OutputRef]] = {run_id: {} for run_id in run_ids}
    inputs: dict[str, list[StepInput]] = {run_id: [] for run_id in run_ids}
    if run_ids:
        for *fields, run_id in session.execute(
            select(*output_columns()).where(OUTPUTS.c.run_id.in_(run_ids))
        ):
            ref = OutputRef(*fields)
            outputs[run_id][ref.name] = ref
        for *fields, run_id in session.execute(
            select(*input_columns())
            .where(INPUTS.c.run_id.in_(run_ids))
            .order_by(INPUTS.c.arg, INPUTS.c.position)
        ):
            inputs[run_id].append(StepInput(*fields))
    return [step_record(row, outputs[row[0]], inputs[row[0]]) for row in rows]


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
        run_id = new_run_id()

        def work(connection: DirectConnection) -> str:
            found = connection.fetch(
                sql["experiment_for_run"], {"experiment_id": parse_experiment_id(experiment_id)}
            )
            if not found:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")
            experiment_number, stage, location = found[0]
            check_experiment_takes_runs(experiment_id, stage)
            _info, row = new_run_row(
                run_id=run_id,
                experiment_id=experiment_number,
                artifact_location=location,
                run_name=run_name,
                user_id=user_id,
                start_time=start_time,
            )
            connection.execute(sql["insert_run"], row)
            connection.execute_many(sql["insert_tags"], tag_rows(run_id, tags))
            connection.execute_many(
                sql["insert_params"],
                [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()],
            )
            connection.execute(
                sql["insert_pipeline"],
                {
                    "run_id": run_id,
                    "pipeline_name": pipeline_name,
                    "source": json.dumps(dict(source)),
                    "parameters_blob": parameters_blob,
                    "parameters": json.dumps(dict(parameters)),
                    "graph": json.dumps(dict(graph)),
                    "options": json.dumps(dict(options)),
                },
            )
            return run_id

        # Plain SQL and a lazy commit: a cached rerun must not pay for compiling
        # statements or for an extra flush to disk; the run's end
        # (`StepJournal.end_pipeline`) is durable and makes this durable too.
        connection = DirectConnection(self._db)
        try:
            sql = Statements(connection)
            return connection.write(work)
        finally:
            connection.close()

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

    def open_step_journal(self, *, pipeline_run_id: str) -> StepJournal:
        return SqlStepJournal(self._db, pipeline_run_id=pipeline_run_id)

    def list_steps(self, *, pipeline_run_id: str) -> list[StepRecord]:
        query = (
            steps_query()
            .where(STEPS.c.pipeline_run_id == pipeline_run_id)
            .order_by(RUNS.c.start_time, RUNS.c.run_id)
        )
        with self._db.read() as session:
            return _load_steps(session, query)

    def get_step(self, *, run_id: str) -> StepRecord:
        with self._db.read() as session:
            found = _load_steps(session, steps_query().where(STEPS.c.run_id == run_id))
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
