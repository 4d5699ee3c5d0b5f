"""The step records of one pipeline run, on a connection its driver holds.

A pipeline writes a run per step: the run row, its tags and params, the step record,
and at the end its outputs and inputs. Every statement here is compiled once per
dialect (`direct.Statement`), and the facts every step shares (the experiment, the
user, the artifact location) are read once when the journal opens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from runwright._host import new_run_id
from runwright.entities import PARENT_RUN_TAG, LifecycleStage, RunInfo, RunStatus, Tag
from runwright.entities.pipelines import CacheStatus, OutputRef, StepInput, StepRecord
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.store.pipelines import StepJournal
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.direct import DirectConnection, Statement
from runwright.store.sql.runs import check_experiment_takes_runs, new_run_row
from runwright.store.sql.schema import (
    ExperimentRow,
    ParamRow,
    PipelineRunRow,
    TagRow,
)
from runwright.store.sql.step_rows import (
    INPUT_FIELDS,
    INPUTS,
    OUTPUT_FIELDS,
    OUTPUTS,
    RUNS,
    STEPS,
    entity_rows,
    output_columns,
    step_record,
    steps_query,
)

__all__ = ["SqlStepJournal"]

_EXPERIMENTS = cast(Table, ExperimentRow.__table__)
_PIPELINES = cast(Table, PipelineRunRow.__table__)
_FINISHED_AND_ACTIVE = (
    RUNS.c.status == RunStatus.FINISHED.value,
    RUNS.c.lifecycle_stage == LifecycleStage.ACTIVE.value,
)


def _update_run(**values: Any) -> Any:
    return update(RUNS).where(RUNS.c.run_id == bindparam("target")).values(**values)


# Built and compiled on first use, once per process and dialect: a fully cached rerun
# uses about half of them, and compiling costs more than running them.
_BUILDERS: dict[str, Callable[[str], Any]] = {
    "parent": lambda _: (
        select(
            RUNS.c.experiment_id,
            RUNS.c.user_id,
            _PIPELINES.c.pipeline_name,
            _EXPERIMENTS.c.artifact_location,
            _EXPERIMENTS.c.lifecycle_stage,
        )
        .join(_PIPELINES, _PIPELINES.c.run_id == RUNS.c.run_id)
        .join(_EXPERIMENTS, _EXPERIMENTS.c.experiment_id == RUNS.c.experiment_id)
        .where(RUNS.c.run_id == bindparam("run_id"))
    ),
    "insert_run": lambda _: insert(RUNS),
    "insert_tags": lambda _: insert(cast(Table, TagRow.__table__)),
    "upsert_tags": lambda dialect: upsert(
        dialect, TagRow, keys=("run_id", "key"), update=("value",)
    ),
    "insert_params": lambda _: insert(cast(Table, ParamRow.__table__)),
    "insert_step": lambda _: insert(STEPS),
    "insert_outputs": lambda _: insert(OUTPUTS),
    "insert_inputs": lambda _: insert(INPUTS),
    "end_run": lambda _: _update_run(status=bindparam("status"), end_time=bindparam("end_time")),
    "end_pipeline": lambda _: _update_run(
        status=bindparam("status"),
        end_time=bindparam("end_time"),
        heartbeat_time=bindparam("end_time"),
    ),
    "heartbeat": lambda _: _update_run(heartbeat_time=bindparam("heartbeat_time")),
    "count_attempts": lambda _: (
        update(STEPS)
        .where(STEPS.c.run_id == bindparam("target"))
        .values(attempts=bindparam("attempts"))
    ),
    "cached": lambda _: (
        steps_query()
        .where(
            STEPS.c.cache_key == bindparam("cache_key"),
            STEPS.c.cached_from_run_id.is_(None),
            *_FINISHED_AND_ACTIVE,
        )
        .order_by(RUNS.c.end_time.desc())
        .limit(1)
    ),
    "previous": lambda _: (
        steps_query()
        .where(
            STEPS.c.pipeline_name == bindparam("pipeline_name"),
            STEPS.c.node_id == bindparam("node_id"),
            STEPS.c.pipeline_run_id != bindparam("pipeline_run_id"),
            *_FINISHED_AND_ACTIVE,
        )
        .order_by(RUNS.c.start_time.desc())
        .limit(1)
    ),
    "outputs": lambda _: select(*output_columns()).where(OUTPUTS.c.run_id == bindparam("run_id")),
}
_compiled: dict[tuple[str, str], Statement] = {}


class _Statements:
    def __init__(self, connection: DirectConnection, dialect: str) -> None:
        self._connection = connection
        self._dialect = dialect

    def __getitem__(self, name: str) -> Statement:
        key = (self._dialect, name)
        found = _compiled.get(key)
        if found is None:
            found = self._connection.compile(_BUILDERS[name](self._dialect))
            _compiled[key] = found
        return found


def _tag_rows(run_id: str, tags: Sequence[Tag]) -> list[dict[str, Any]]:
    return [{"run_id": run_id, "key": t.key, "value": t.value} for t in tags]


class SqlStepJournal(StepJournal):
    def __init__(self, database: Database, *, pipeline_run_id: str) -> None:
        self.pipeline_run_id = pipeline_run_id
        self._connection = DirectConnection(database)
        try:
            self._sql = _Statements(self._connection, database.dialect)
            found = self._connection.read(
                lambda c: c.fetch(self._sql["parent"], {"run_id": pipeline_run_id})
            )
        except BaseException:
            self._connection.close()
            raise
        if not found:
            self._connection.close()
            raise NotFoundError(f"no pipeline run with id {pipeline_run_id!r}")
        experiment_id, self._user_id, self._pipeline_name, location, stage = found[0]
        try:
            check_experiment_takes_runs(experiment_id, stage)
        except InvalidArgumentError:
            self._connection.close()
            raise
        self._experiment_id = experiment_id
        self._artifact_location = location

    # -- writes ----------------------------------------------------------------------

    def _add_step_run(
        self,
        connection: DirectConnection,
        *,
        run_id: str,
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
        # A step served from the cache is over the moment it is recorded.
        cached = cached_from_run_id is not None
        info, row = new_run_row(
            run_id=run_id,
            experiment_id=self._experiment_id,
            artifact_location=self._artifact_location,
            run_name=run_name,
            user_id=self._user_id,
            start_time=start_time,
            status=RunStatus.FINISHED if cached else RunStatus.RUNNING,
            end_time=start_time if cached else None,
        )
        sql = self._sql
        connection.execute(sql["insert_run"], row)
        connection.execute_many(
            sql["insert_tags"],
            _tag_rows(run_id, [*tags, Tag(PARENT_RUN_TAG, self.pipeline_run_id)]),
        )
        connection.execute_many(
            sql["insert_params"],
            [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()],
        )
        connection.execute(
            sql["insert_step"],
            {
                "run_id": run_id,
                "pipeline_run_id": self.pipeline_run_id,
                "pipeline_name": self._pipeline_name,
                "node_id": node_id,
                "step_name": step_name,
                "attempts": 0,
                "cache_key": cache_key,
                "cache_status": cache_status.value,
                "cache_reason": cache_reason,
                "cache_components": json.dumps(dict(cache_components)),
                "cached_from_run_id": cached_from_run_id,
            },
        )
        return info

    def start_step(
        self,
        *,
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
        run_id = new_run_id()
        return self._connection.write(
            lambda connection: self._add_step_run(
                connection,
                run_id=run_id,
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
        )

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
        sql = self._sql

        def work(connection: DirectConnection) -> None:
            ended = connection.execute(
                sql["end_run"], {"target": run_id, "status": status.value, "end_time": end_time}
            )
            if not ended:
                raise NotFoundError(f"no run with id {run_id!r}")
            counted = connection.execute(
                sql["count_attempts"], {"target": run_id, "attempts": attempts}
            )
            if not counted:
                raise NotFoundError(f"run {run_id} is not a pipeline step")
            connection.execute_many(
                sql["insert_outputs"], entity_rows(run_id, outputs, OUTPUT_FIELDS)
            )
            connection.execute_many(sql["insert_inputs"], entity_rows(run_id, inputs, INPUT_FIELDS))
            connection.execute_many(sql["upsert_tags"], _tag_rows(run_id, tags))

        self._connection.write(work)

    def record_cached_step(
        self,
        *,
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
        run_id = new_run_id()
        sql = self._sql

        def work(connection: DirectConnection) -> str:
            self._add_step_run(
                connection,
                run_id=run_id,
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
            outputs = list(cached_from.outputs.values())
            connection.execute_many(
                sql["insert_outputs"], entity_rows(run_id, outputs, OUTPUT_FIELDS)
            )
            connection.execute_many(sql["insert_inputs"], entity_rows(run_id, inputs, INPUT_FIELDS))
            return run_id

        return self._connection.write(work)

    def checkpoint(self, *, heartbeat_time: int) -> None:
        self._connection.write(
            lambda connection: connection.execute(
                self._sql["heartbeat"],
                {"target": self.pipeline_run_id, "heartbeat_time": heartbeat_time},
            ),
            durable=True,
        )

    def end_pipeline(self, *, status: RunStatus, end_time: int) -> None:
        self._connection.write(
            lambda connection: connection.execute(
                self._sql["end_pipeline"],
                {"target": self.pipeline_run_id, "status": status.value, "end_time": end_time},
            ),
            durable=True,
        )

    # -- reads -----------------------------------------------------------------------

    def _first_step(
        self, connection: DirectConnection, query: str, params: dict[str, Any], *, outputs: bool
    ) -> StepRecord | None:
        rows = connection.fetch(self._sql[query], params)
        if not rows:
            return None
        refs: dict[str, OutputRef] = {}
        if outputs:
            for *fields, _run_id in connection.fetch(self._sql["outputs"], {"run_id": rows[0][0]}):
                ref = OutputRef(*fields)
                refs[ref.name] = ref
        return step_record(rows[0], refs)

    def find_cached_step(self, *, cache_key: str) -> StepRecord | None:
        return self._connection.read(
            lambda c: self._first_step(c, "cached", {"cache_key": cache_key}, outputs=True)
        )

    def previous_step(self, *, node_id: str) -> StepRecord | None:
        params = {
            "pipeline_name": self._pipeline_name,
            "node_id": node_id,
            "pipeline_run_id": self.pipeline_run_id,
        }
        return self._connection.read(
            lambda c: self._first_step(c, "previous", params, outputs=False)
        )

    def close(self) -> None:
        self._connection.close()
