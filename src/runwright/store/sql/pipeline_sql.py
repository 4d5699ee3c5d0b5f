"""The statements that record pipeline runs and their steps, as plain SQL (see `plain`
for why): a fully cached rerun runs only these, and compiling Core statements would
cost it more than running them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table

from runwright.entities import LifecycleStage, RunStatus, Tag
from runwright.store.sql.direct import DirectConnection, Statement
from runwright.store.sql.plain import column_list, insert_sql, update_sql
from runwright.store.sql.schema import ExperimentRow, ParamRow, PipelineRunRow, TagRow
from runwright.store.sql.step_rows import INPUTS, OUTPUTS, RUNS, STEP_COLUMNS, STEPS, output_columns

__all__ = ["FINISHED_AND_ACTIVE", "Statements", "tag_rows"]

_EXPERIMENTS = cast(Table, ExperimentRow.__table__)
_PIPELINES = cast(Table, PipelineRunRow.__table__)
_TAGS = cast(Table, TagRow.__table__)
_STEPS_FROM = 'FROM "pipeline_steps" JOIN "runs" ON "runs"."run_id" = "pipeline_steps"."run_id"'
_FINISHED_AND_ACTIVE_SQL = '"runs"."status" = :finished AND "runs"."lifecycle_stage" = :active'
FINISHED_AND_ACTIVE = {
    "finished": RunStatus.FINISHED.value,
    "active": LifecycleStage.ACTIVE.value,
}

_PARENT_COLUMNS = column_list(
    (
        RUNS.c.experiment_id,
        RUNS.c.user_id,
        _PIPELINES.c.pipeline_name,
        _EXPERIMENTS.c.artifact_location,
        _EXPERIMENTS.c.lifecycle_stage,
    )
)

# Plain SQL (see `plain` for why), adapted to the driver once per process and dialect.
_SQL: dict[str, str] = {
    "parent": (
        f"SELECT {_PARENT_COLUMNS} "
        'FROM "runs" JOIN "pipeline_runs" ON "pipeline_runs"."run_id" = "runs"."run_id" '
        'JOIN "experiments" ON "experiments"."experiment_id" = "runs"."experiment_id" '
        'WHERE "runs"."run_id" = :run_id'
    ),
    "experiment_for_run": (
        'SELECT "experiment_id", "lifecycle_stage", "artifact_location" FROM "experiments" '
        'WHERE "experiment_id" = :experiment_id'
    ),
    "insert_pipeline": insert_sql(_PIPELINES),
    "insert_run": insert_sql(RUNS),
    "insert_tags": insert_sql(_TAGS),
    "upsert_tags": insert_sql(_TAGS, conflict_keys=("run_id", "key"), update=("value",)),
    "insert_params": insert_sql(cast(Table, ParamRow.__table__)),
    "insert_step": insert_sql(STEPS),
    "insert_outputs": insert_sql(OUTPUTS),
    "insert_inputs": insert_sql(INPUTS),
    "end_run": update_sql(
        RUNS, {"status": "status", "end_time": "end_time"}, where="run_id", key="target"
    ),
    "begin_run": update_sql(
        RUNS, {"status": "status", "start_time": "start_time"}, where="run_id", key="target"
    ),
    "end_pipeline": update_sql(
        RUNS,
        {"status": "status", "end_time": "end_time", "heartbeat_time": "end_time"},
        where="run_id",
        key="target",
    ),
    "heartbeat": update_sql(
        RUNS, {"heartbeat_time": "heartbeat_time"}, where="run_id", key="target"
    ),
    "count_attempts": update_sql(STEPS, {"attempts": "attempts"}, where="run_id", key="target"),
    "cached": (
        f"SELECT {column_list(STEP_COLUMNS)} {_STEPS_FROM} "
        'WHERE "pipeline_steps"."cache_key" = :cache_key '
        'AND "pipeline_steps"."cached_from_run_id" IS NULL '
        f'AND {_FINISHED_AND_ACTIVE_SQL} ORDER BY "runs"."end_time" DESC LIMIT 1'
    ),
    "previous": (
        f"SELECT {column_list(STEP_COLUMNS)} {_STEPS_FROM} "
        'WHERE "pipeline_steps"."pipeline_name" = :pipeline_name '
        'AND "pipeline_steps"."node_id" = :node_id '
        'AND "pipeline_steps"."pipeline_run_id" <> :pipeline_run_id '
        f'AND {_FINISHED_AND_ACTIVE_SQL} ORDER BY "runs"."start_time" DESC LIMIT 1'
    ),
    "outputs": (
        f'SELECT {column_list(output_columns())} FROM "step_outputs" '
        'WHERE "step_outputs"."run_id" = :run_id'
    ),
}
_prepared: dict[tuple[str, str], Statement] = {}


class Statements:
    """The statements above by name, for one connection's driver."""

    def __init__(self, connection: DirectConnection) -> None:
        self._connection = connection

    def __getitem__(self, name: str) -> Statement:
        key = (self._connection.paramstyle, name)
        found = _prepared.get(key)
        if found is None:
            found = self._connection.prepare(_SQL[name])
            _prepared[key] = found
        return found


def tag_rows(run_id: str, tags: Sequence[Tag]) -> list[dict[str, Any]]:
    return [{"run_id": run_id, "key": t.key, "value": t.value} for t in tags]
