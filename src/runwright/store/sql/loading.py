"""Assemble Run entities from their rows, a page at a time."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from runwright.entities import Dataset, DatasetInput, Metric, Run, RunData
from runwright.store.sql.schema import (
    DatasetRow,
    LatestMetricRow,
    ParamRow,
    RunInputRow,
    RunRow,
    TagRow,
)

__all__ = ["chunks", "load_runs"]

# Stay well below SQLite's limit on bound parameters in one statement.
_IN_CHUNK = 5000


def chunks(ids: Sequence[str], size: int = _IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def load_runs(session: Session, run_ids: Sequence[str]) -> list[Run]:
    """Runs in the order of `run_ids` (ids that do not exist are left out).

    Reads latest metric values only; histories stay in their own table.
    """
    rows: dict[str, RunRow] = {}
    params: dict[str, dict[str, str]] = {i: {} for i in run_ids}
    tags: dict[str, dict[str, str]] = {i: {} for i in run_ids}
    metrics: dict[str, dict[str, float]] = {i: {} for i in run_ids}
    latest: dict[str, dict[str, Metric]] = {i: {} for i in run_ids}
    inputs: dict[str, list[DatasetInput]] = {i: [] for i in run_ids}
    for part in chunks(run_ids):
        for row in session.scalars(select(RunRow).where(RunRow.run_id.in_(part))):
            rows[row.run_id] = row
        for run_id, key, value in session.execute(
            select(ParamRow.run_id, ParamRow.key, ParamRow.value).where(ParamRow.run_id.in_(part))
        ):
            params[run_id][key] = value
        for run_id, key, value in session.execute(
            select(TagRow.run_id, TagRow.key, TagRow.value).where(TagRow.run_id.in_(part))
        ):
            tags[run_id][key] = value
        for run_id, key, number, is_nan, timestamp, step in session.execute(
            select(
                LatestMetricRow.run_id,
                LatestMetricRow.key,
                LatestMetricRow.value,
                LatestMetricRow.is_nan,
                LatestMetricRow.timestamp,
                LatestMetricRow.step,
            ).where(LatestMetricRow.run_id.in_(part))
        ):
            point = Metric(key, math.nan if is_nan else number, timestamp, step)
            metrics[run_id][key] = point.value
            latest[run_id][key] = point
        for run_id, tags_json, dataset in session.execute(
            select(RunInputRow.run_id, RunInputRow.tags_json, DatasetRow)
            .join(DatasetRow, DatasetRow.dataset_id == RunInputRow.dataset_id)
            .where(RunInputRow.run_id.in_(part))
            .order_by(DatasetRow.name, DatasetRow.digest)
        ):
            inputs[run_id].append(
                DatasetInput(
                    dataset=Dataset(
                        name=dataset.name,
                        digest=dataset.digest,
                        source_type=dataset.source_type,
                        source=dataset.source,
                        schema=dataset.schema,
                        profile=dataset.profile,
                    ),
                    tags=json.loads(tags_json),
                )
            )
    return [
        Run(
            info=rows[run_id].to_info(),
            data=RunData(
                params=params[run_id],
                metrics=metrics[run_id],
                tags=tags[run_id],
                latest_metrics=latest[run_id],
            ),
            inputs=tuple(inputs[run_id]),
        )
        for run_id in run_ids
        if run_id in rows
    ]
