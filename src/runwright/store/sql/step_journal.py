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
from runwright.store.sql.schema import (
    ExperimentRow,
    ParamRow,
    PipelineRunRow,
    PipelineStepRow,
    RunRow,
    StepInputRow,
    StepOutputRow,
    TagRow,
)

__all__ = ["SqlStepJournal"]

_RUNS = cast(Table, RunRow.__table__)
_EXPERIMENTS = cast(Table, ExperimentRow.__table__)
_PIPELINES = cast(Table, PipelineRunRow.__table__)
_STEPS = cast(Table, PipelineStepRow.__table__)
_OUTPUTS = cast(Table, StepOutputRow.__table__)
_INPUTS = cast(Table, StepInputRow.__table__)

_STEP_COLUMNS = (
    _STEPS.c.run_id,
    _STEPS.c.pipeline_run_id,
    _STEPS.c.pipeline_name,
    _STEPS.c.node_id,
    _STEPS.c.step_name,
    _RUNS.c.status,
    _RUNS.c.start_time,
    _RUNS.c.end_time,
    _STEPS.c.attempts,
    _STEPS.c.cache_key,
    _STEPS.c.cache_status,
    _STEPS.c.cache_reason,
    _STEPS.c.cached_from_run_id,
    _STEPS.c.cache_components,
)
_OUTPUT_COLUMNS = (
    _OUTPUTS.c.name,
    _OUTPUTS.c.uri,
    _OUTPUTS.c.serializer,
    _OUTPUTS.c.content_hash,
    _OUTPUTS.c.size,
    _OUTPUTS.c.producer_run_id,
)
_FINISHED_AND_ACTIVE = (
    _RUNS.c.status == RunStatus.FINISHED.value,
    _RUNS.c.lifecycle_stage == LifecycleStage.ACTIVE.value,
)


def _steps() -> Any:
    return select(*_STEP_COLUMNS).join(_RUNS, _RUNS.c.run_id == _STEPS.c.run_id)


def _update_run(**values: Any) -> Any:
    return update(_RUNS).where(_RUNS.c.run_id == bindparam("target")).values(**values)


# Built and compiled on first use, once per process and dialect: a fully cached rerun
# uses about half of them, and compiling costs more than running them.
_BUILDERS: dict[str, Callable[[str], Any]] = {
    "parent": lambda _: (
        select(
            _RUNS.c.experiment_id,
            _RUNS.c.user_id,
            _PIPELINES.c.pipeline_name,
            _EXPERIMENTS.c.artifact_location,
            _EXPERIMENTS.c.lifecycle_stage,
        )
        .join(_PIPELINES, _PIPELINES.c.run_id == _RUNS.c.run_id)
        .join(_EXPERIMENTS, _EXPERIMENTS.c.experiment_id == _RUNS.c.experiment_id)
        .where(_RUNS.c.run_id == bindparam("run_id"))
    ),
    "insert_run": lambda _: insert(_RUNS),
    "insert_tags": lambda _: insert(cast(Table, TagRow.__table__)),
    "upsert_tags": lambda dialect: upsert(
        dialect, TagRow, keys=("run_id", "key"), update=("value",)
    ),
    "insert_params": lambda _: insert(cast(Table, ParamRow.__table__)),
    "insert_step": lambda _: insert(_STEPS),
    "insert_outputs": lambda _: insert(_OUTPUTS),
    "insert_inputs": lambda _: insert(_INPUTS),
    "end_run": lambda _: _update_run(status=bindparam("status"), end_time=bindparam("end_time")),
    "end_pipeline": lambda _: _update_run(
        status=bindparam("status"),
        end_time=bindparam("end_time"),
        heartbeat_time=bindparam("end_time"),
    ),
    "heartbeat": lambda _: _update_run(heartbeat_time=bindparam("heartbeat_time")),
    "count_attempts": lambda _: (
        update(_STEPS)
        .where(_STEPS.c.run_id == bindparam("target"))
        .values(attempts=bindparam("attempts"))
    ),
    "cached": lambda _: (
        _steps()
        .where(
            _STEPS.c.cache_key == bindparam("cache_key"),
            _STEPS.c.cached_from_run_id.is_(None),
            *_FINISHED_AND_ACTIVE,
        )
        .order_by(_RUNS.c.end_time.desc())
        .limit(1)
    ),
    "previous": lambda _: (
        _steps()
        .where(
            _STEPS.c.pipeline_name == bindparam("pipeline_name"),
            _STEPS.c.node_id == bindparam("node_id"),
            _STEPS.c.pipeline_run_id != bindparam("pipeline_run_id"),
            *_FINISHED_AND_ACTIVE,
        )
        .order_by(_RUNS.c.start_time.desc())
        .limit(1)
    ),
    "outputs": lambda _: select(*_OUTPUT_COLUMNS).where(_OUTPUTS.c.run_id == bindparam("run_id")),
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


def _step_record(row: tuple[Any, ...], outputs: Mapping[str, OutputRef]) -> StepRecord:
    return StepRecord(
        run_id=row[0],
        pipeline_run_id=row[1],
        pipeline_name=row[2],
        node_id=row[3],
        step_name=row[4],
        status=row[5],
        start_time=row[6],
        end_time=row[7],
        attempts=row[8],
        cache_key=row[9],
        cache_status=CacheStatus(row[10]),
        cache_reason=row[11],
        cached_from_run_id=row[12],
        cache_components=json.loads(row[13]),
        outputs=outputs,
    )


_OUTPUT_FIELDS = ("name", "uri", "serializer", "content_hash", "size", "producer_run_id")
_INPUT_FIELDS = ("arg", "position", "content_hash", "producer_run_id", "output_name")


def _rows(run_id: str, items: Sequence[Any], fields: Sequence[str]) -> list[dict[str, Any]]:
    """One row per output or input of a step run: the run id and the entity's fields."""
    return [{"run_id": run_id, **{name: getattr(item, name) for name in fields}} for item in items]


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
        if stage != LifecycleStage.ACTIVE.value:
            self._connection.close()
            raise InvalidArgumentError(
                f"experiment {experiment_id} is deleted; it must be in the 'active' state"
            )
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
        from runwright.artifacts import join_uri

        # A step served from the cache is over the moment it is recorded.
        cached = cached_from_run_id is not None
        info = RunInfo(
            run_id=run_id,
            experiment_id=str(self._experiment_id),
            run_name=run_name,
            user_id=self._user_id,
            status=RunStatus.FINISHED if cached else RunStatus.RUNNING,
            start_time=start_time,
            end_time=start_time if cached else None,
            lifecycle_stage=LifecycleStage.ACTIVE,
            artifact_uri=join_uri(self._artifact_location, run_id, "artifacts"),
            heartbeat_time=start_time,
        )
        sql = self._sql
        connection.execute(
            sql["insert_run"],
            {
                "run_id": run_id,
                "experiment_id": self._experiment_id,
                "name": run_name,
                "user_id": self._user_id,
                "status": info.status.value,
                "start_time": start_time,
                "end_time": info.end_time,
                "lifecycle_stage": info.lifecycle_stage.value,
                "artifact_uri": info.artifact_uri,
                "heartbeat_time": start_time,
                "deleted_time": None,
            },
        )
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
            connection.execute_many(sql["insert_outputs"], _rows(run_id, outputs, _OUTPUT_FIELDS))
            connection.execute_many(sql["insert_inputs"], _rows(run_id, inputs, _INPUT_FIELDS))
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
            connection.execute_many(sql["insert_outputs"], _rows(run_id, outputs, _OUTPUT_FIELDS))
            connection.execute_many(sql["insert_inputs"], _rows(run_id, inputs, _INPUT_FIELDS))
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
            for row in connection.fetch(self._sql["outputs"], {"run_id": rows[0][0]}):
                refs[row[0]] = OutputRef(*row)
        return _step_record(rows[0], refs)

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
