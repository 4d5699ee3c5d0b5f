"""Runs as a pandas DataFrame, in the column layout MLflow's `search_runs` returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runwright.entities import Run

__all__ = ["runs_to_frame"]


def runs_to_frame(runs: Sequence[Run]) -> Any:
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for run in runs:
        info = run.info
        row: dict[str, Any] = {
            "run_id": info.run_id,
            "experiment_id": info.experiment_id,
            "run_name": info.run_name,
            "status": info.status.value,
            "artifact_uri": info.artifact_uri,
            "start_time": pd.to_datetime(info.start_time, unit="ms", utc=True),
            "end_time": (
                pd.to_datetime(info.end_time, unit="ms", utc=True)
                if info.end_time is not None
                else pd.NaT
            ),
        }
        row.update({f"metrics.{k}": value for k, value in run.data.metrics.items()})
        row.update({f"params.{k}": value for k, value in run.data.params.items()})
        row.update({f"tags.{k}": value for k, value in run.data.tags.items()})
        rows.append(row)
    return pd.DataFrame(rows)
