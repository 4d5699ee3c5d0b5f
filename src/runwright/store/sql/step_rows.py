"""Step records as rows and back: the one mapping the store's readers (`pipelines`) and
the driver's writer (`step_journal`) share."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, select

from runwright.entities.pipelines import CacheStatus, OutputRef, StepInput, StepRecord
from runwright.store.sql.schema import PipelineStepRow, RunRow, StepInputRow, StepOutputRow

__all__ = [
    "INPUTS",
    "INPUT_FIELDS",
    "OUTPUTS",
    "OUTPUT_FIELDS",
    "RUNS",
    "STEPS",
    "STEP_COLUMNS",
    "entity_rows",
    "input_columns",
    "output_columns",
    "step_record",
    "steps_query",
]

RUNS = cast(Table, RunRow.__table__)
STEPS = cast(Table, PipelineStepRow.__table__)
OUTPUTS = cast(Table, StepOutputRow.__table__)
INPUTS = cast(Table, StepInputRow.__table__)

#: The entities' fields, in their constructors' order; the tables' columns share the names.
OUTPUT_FIELDS = ("name", "uri", "serializer", "content_hash", "size", "producer_run_id")
INPUT_FIELDS = ("arg", "position", "content_hash", "producer_run_id", "output_name")

STEP_COLUMNS = (
    STEPS.c.run_id,
    STEPS.c.pipeline_run_id,
    STEPS.c.pipeline_name,
    STEPS.c.node_id,
    STEPS.c.step_name,
    RUNS.c.status,
    RUNS.c.start_time,
    RUNS.c.end_time,
    STEPS.c.attempts,
    STEPS.c.cache_key,
    STEPS.c.cache_status,
    STEPS.c.cache_reason,
    STEPS.c.cached_from_run_id,
    STEPS.c.cache_components,
)


def steps_query() -> Select[Any]:
    """Step records joined with their runs, in the column order `step_record` reads."""
    return select(*STEP_COLUMNS).join(RUNS, RUNS.c.run_id == STEPS.c.run_id)


def output_columns() -> tuple[Any, ...]:
    """`OutputRef(*row)` columns, then the step run's id."""
    return (*(OUTPUTS.c[name] for name in OUTPUT_FIELDS), OUTPUTS.c.run_id)


def input_columns() -> tuple[Any, ...]:
    """`StepInput(*row)` columns, then the step run's id."""
    return (*(INPUTS.c[name] for name in INPUT_FIELDS), INPUTS.c.run_id)


def step_record(
    row: Sequence[Any], outputs: Mapping[str, OutputRef], inputs: Sequence[StepInput] = ()
) -> StepRecord:
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
        inputs=tuple(inputs),
    )


def entity_rows(run_id: str, items: Sequence[Any], fields: Sequence[str]) -> list[dict[str, Any]]:
    """One row per output or input of a step run: the run id and the entity's fields."""
    return [{"run_id": run_id, **{name: getattr(item, name) for name in fields}} for item in items]
