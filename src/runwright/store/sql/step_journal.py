"""The step records of one pipeline run, on a connection its driver holds.

A pipeline writes a run per step: the run row, its tags and params, the step record,
and at the end its outputs and inputs. Every statement here is plain SQL (`plain`),
and the facts every step shares (the experiment, the user, the artifact location) are
read once when the journal opens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from runwright._host import new_run_id
from runwright.entities import PARENT_RUN_TAG, RunInfo, RunStatus, Tag
from runwright.entities.pipelines import CacheStatus, OutputRef, StepInput, StepRecord
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.store.pipelines import StepJournal
from runwright.store.sql.database import Database
from runwright.store.sql.direct import DirectConnection
from runwright.store.sql.pipeline_sql import FINISHED_AND_ACTIVE, Statements, tag_rows
from runwright.store.sql.runs import check_experiment_takes_runs, new_run_row
from runwright.store.sql.step_rows import (
    INPUT_FIELDS,
    OUTPUT_FIELDS,
    entity_rows,
    step_record,
)

__all__ = ["SqlStepJournal"]


class SqlStepJournal(StepJournal):
    def __init__(self, database: Database, *, pipeline_run_id: str) -> None:
        self.pipeline_run_id = pipeline_run_id
        self._connection = DirectConnection(database)
        try:
            self._sql = Statements(self._connection)
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

    def batch(self) -> AbstractContextManager[None]:
        return self._connection.batch()

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
        scheduled: bool = False,
    ) -> RunInfo:
        # A step served from the cache is over the moment it is recorded.
        cached = cached_from_run_id is not None
        status = RunStatus.SCHEDULED if scheduled else RunStatus.RUNNING
        info, row = new_run_row(
            run_id=run_id,
            experiment_id=self._experiment_id,
            artifact_location=self._artifact_location,
            run_name=run_name,
            user_id=self._user_id,
            start_time=start_time,
            status=RunStatus.FINISHED if cached else status,
            end_time=start_time if cached else None,
        )
        sql = self._sql
        connection.execute(sql["insert_run"], row)
        connection.execute_many(
            sql["insert_tags"],
            tag_rows(run_id, [*tags, Tag(PARENT_RUN_TAG, self.pipeline_run_id)]),
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
        scheduled: bool = False,
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
                scheduled=scheduled,
            )
        )

    def begin_step(self, *, run_id: str, start_time: int) -> None:
        def work(connection: DirectConnection) -> None:
            params = {"target": run_id, "status": RunStatus.RUNNING.value}
            if not connection.execute(self._sql["begin_run"], {**params, "start_time": start_time}):
                raise NotFoundError(f"no run with id {run_id!r}")

        self._connection.write(work)

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
            connection.execute_many(sql["upsert_tags"], tag_rows(run_id, tags))

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
        rows = connection.fetch(self._sql[query], {**params, **FINISHED_AND_ACTIVE})
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
