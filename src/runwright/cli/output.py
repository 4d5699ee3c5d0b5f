"""Rendering for the CLI: Rich tables for people, JSON for scripts."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from runwright.entities import Experiment, Run, RunStatus

__all__ = [
    "console",
    "experiments_table",
    "plain",
    "print_json",
    "runs_table",
    "to_jsonable",
]

# Piped output is read by people too (and by tests): do not squeeze it to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 200)

_STATUS_STYLE = {
    RunStatus.RUNNING: "cyan",
    RunStatus.FINISHED: "green",
    RunStatus.FAILED: "red",
    RunStatus.KILLED: "magenta",
    RunStatus.SCHEDULED: "blue",
}


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/Infinity; keep them readable
    if hasattr(value, "items"):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def plain(value: str) -> Text:
    """Text a user chose (names, values, paths), shown as typed: Rich would read
    "[relu]" as markup and drop it, and fail outright on "[/x]"."""
    return Text(value)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2) + "\n")


def format_time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(start: int, end: int | None) -> str:
    seconds = ((end if end is not None else int(time.time() * 1000)) - start) / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def format_number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.6g}"


def status_text(run: Run, *, stale_after_ms: int) -> str:
    status = run.info.status
    style = _STATUS_STYLE.get(status, "white")
    now = int(time.time() * 1000)
    if run.info.is_stale(now_ms=now, threshold_ms=stale_after_ms):
        return "[yellow]RUNNING (stale)[/yellow]"
    return f"[{style}]{status.value}[/{style}]"


def _top_keys(mappings: Sequence[Any], limit: int) -> list[str]:
    keys: dict[str, None] = {}
    for mapping in mappings:
        for key in mapping:
            keys.setdefault(key, None)
    return sorted(keys)[:limit]


def runs_table(runs: Sequence[Run], *, title: str, stale_after_ms: int) -> Table:
    metric_keys = _top_keys([r.data.metrics for r in runs], 6)
    param_keys = _top_keys([r.data.params for r in runs], 4)
    table = Table(title=escape(title), title_justify="left", header_style="bold")
    table.add_column("run id", style="dim", no_wrap=True)
    table.add_column("name", max_width=32)
    table.add_column("status", no_wrap=True)
    table.add_column("started", no_wrap=True)
    table.add_column("duration", justify="right")
    for key in metric_keys:
        table.add_column(key, justify="right", style="bold")
    for key in param_keys:
        table.add_column(f"{key}", style="italic")
    for run in runs:
        info = run.info
        table.add_row(
            info.run_id,
            plain(info.run_name),
            status_text(run, stale_after_ms=stale_after_ms),
            format_time(info.start_time),
            format_duration(info.start_time, info.end_time),
            *(
                format_number(run.data.metrics[k]) if k in run.data.metrics else "-"
                for k in metric_keys
            ),
            *(plain(run.data.params.get(k, "-")) for k in param_keys),
        )
    return table


def experiments_table(experiments: Sequence[Experiment]) -> Table:
    table = Table(title="Experiments", title_justify="left", header_style="bold")
    for column in ("id", "name", "stage", "created", "artifact location"):
        table.add_column(column)
    for experiment in experiments:
        table.add_row(
            experiment.experiment_id,
            plain(experiment.name),
            experiment.lifecycle_stage.value,
            format_time(experiment.creation_time),
            plain(experiment.artifact_location),
        )
    return table
