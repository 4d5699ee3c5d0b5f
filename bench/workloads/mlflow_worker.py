"""Run one tracking workload against MLflow's SQLite store (sqlite:///…/mlflow.db).

Run with the interpreter of the pinned MLflow virtual environment that
`bench/tracking_local.py` creates; see `shapes.py` for the command line and output.
Never imports Runwright.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import mlflow
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.tracking import MlflowClient
from shapes import (
    HISTORY_KEY,
    LOG_METRIC_KEY,
    PAGE_ORDER_BY,
    SEARCH_FILTER,
    SEARCH_ORDER_BY,
    SEARCH_PAGE_SIZE,
    history_points,
    run_worker,
    search_rows,
    summarise_latencies,
)

# MLflow's own limit on metrics per log_batch call.
_BATCH_LIMIT = 1000
# How long MLflow's async logger gathers values before writing them in one batch
# (MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS); unset, it writes each value on its own.
_BUFFERING_SECONDS = "1"


def _uri(root: str) -> str:
    return f"sqlite:///{Path(root, 'mlflow.db')}"


def _artifacts(root: str) -> str:
    return Path(root, "artifacts").as_uri()


def _fluent_experiment(root: str, name: str) -> None:
    mlflow.set_tracking_uri(_uri(root))
    experiment_id = mlflow.create_experiment(name, artifact_location=_artifacts(root))
    mlflow.set_experiment(experiment_id=experiment_id)


def log_metric(root: str, calls: int, mode: str) -> dict[str, Any]:
    """`mlflow.log_metric` in a tight loop inside an active run.

    mode: "sync" (each call commits), "async" (synchronous=False, MLflow's defaults),
    or "async_buffered" (synchronous=False with MLflow's batching buffer turned on).
    """
    if mode not in ("sync", "async", "async_buffered"):
        raise ValueError(f"unknown mode {mode!r}")
    if mode == "async_buffered":
        os.environ["MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS"] = _BUFFERING_SECONDS
    synchronous = mode == "sync"
    _fluent_experiment(root, "bench")
    with mlflow.start_run() as run:
        start = time.perf_counter()
        for step in range(calls):
            mlflow.log_metric(LOG_METRIC_KEY, step * 0.001, step=step, synchronous=synchronous)
        queued = time.perf_counter()
        if not synchronous:
            mlflow.flush_async_logging()
        stored = time.perf_counter()
    count = len(MlflowClient(_uri(root)).get_metric_history(run.info.run_id, LOG_METRIC_KEY))
    return {
        "calls": calls,
        "mode": mode,
        "call_seconds": queued - start,
        "persist_seconds": stored - start,
        "stored": count,
    }


def create_runs(root: str, runs: int) -> dict[str, Any]:
    """`mlflow.start_run()` + `mlflow.end_run()`, `runs` times (after one untimed warm-up)."""
    _fluent_experiment(root, "bench")
    mlflow.start_run()
    mlflow.end_run()
    start = time.perf_counter()
    for _ in range(runs):
        mlflow.start_run()
        mlflow.end_run()
    return {"runs": runs, "seconds": time.perf_counter() - start}


def _populate(client: MlflowClient, experiment_id: str, runs: int) -> float:
    """Store the search population (shapes.search_rows); returns the seconds it took."""
    start = time.perf_counter()
    for row in search_rows(runs):
        run_id = client.create_run(experiment_id, start_time=row.timestamp).info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, row.timestamp, 0) for k, v in row.metrics.items()],
            params=[Param(k, v) for k, v in row.params.items()],
            tags=[RunTag(k, v) for k, v in row.tags.items()],
        )
    return time.perf_counter() - start


def search(root: str, runs: int, rounds: int, queries: int, page: int) -> dict[str, Any]:
    """Time the filtered, ordered first page and deep paging over `runs` runs.

    The runs are stored first, unless the folder already holds them (the driver may
    copy in a database it populated earlier with the same shapes).
    """
    client = MlflowClient(_uri(root))
    existing = client.get_experiment_by_name("search")
    populate_seconds = None
    if existing is None:
        experiment_id = client.create_experiment("search", artifact_location=_artifacts(root))
        populate_seconds = _populate(client, experiment_id, runs)
    else:
        experiment_id = existing.experiment_id

    def first_page() -> Any:
        return client.search_runs(
            [experiment_id],
            SEARCH_FILTER,
            ViewType.ACTIVE_ONLY,
            SEARCH_PAGE_SIZE,
            SEARCH_ORDER_BY,
        )

    found = first_page()
    first_page()
    latencies = []
    for _ in range(rounds):
        samples = []
        for _ in range(queries):
            began = time.perf_counter()
            first_page()
            samples.append(time.perf_counter() - began)
        latencies.append(summarise_latencies(samples))

    result: dict[str, Any] = {
        "runs": runs,
        "populate_seconds": populate_seconds,
        "rounds": latencies,
        "check": {
            "page_size": len(found),
            "top_m2": found[0].data.metrics["m2"] if found else None,
            "page_runs_complete": all(
                len(r.data.params) == 5 and len(r.data.metrics) == 5 for r in found
            ),
        },
    }
    if page > 1 and runs >= page * SEARCH_PAGE_SIZE:
        result.update(_deep_page(client, experiment_id, page, rounds))
    return result


def _deep_page(client: MlflowClient, experiment_id: str, page: int, rounds: int) -> dict[str, Any]:
    def fetch(token: str | None, size: int = SEARCH_PAGE_SIZE) -> Any:
        return client.search_runs(
            [experiment_id], None, ViewType.ACTIVE_ONLY, size, PAGE_ORDER_BY, token
        )

    # One search returning every run before the page gives the same token as walking
    # the pages one by one, without the walk's cost (minutes for MLflow).
    start = time.perf_counter()
    token = fetch(None, (page - 1) * SEARCH_PAGE_SIZE).token
    skip_seconds = time.perf_counter() - start
    fetches = []
    for _ in range(max(rounds, 3)):
        began = time.perf_counter()
        deep = fetch(token)
        fetches.append(time.perf_counter() - began)
    return {
        "page": page,
        "skip_seconds": skip_seconds,
        "page_fetch_seconds": fetches,
        "page_check": {"size": len(deep), "top_m2": deep[0].data.metrics["m2"] if deep else None},
    }


def metric_history(root: str, points: int, reads: int) -> dict[str, Any]:
    """Store one `points`-long history with `log_batch`, then time `get_metric_history`."""
    client = MlflowClient(_uri(root))
    experiment_id = client.create_experiment("history", artifact_location=_artifacts(root))
    run_id = client.create_run(experiment_id).info.run_id
    metrics = [Metric(HISTORY_KEY, v, ts, step) for v, step, ts in history_points(points)]
    start = time.perf_counter()
    for offset in range(0, len(metrics), _BATCH_LIMIT):
        client.log_batch(run_id, metrics=metrics[offset : offset + _BATCH_LIMIT])
    populate_seconds = time.perf_counter() - start
    read_seconds = []
    count = 0
    for _ in range(reads):
        began = time.perf_counter()
        count = len(client.get_metric_history(run_id, HISTORY_KEY))
        read_seconds.append(time.perf_counter() - began)
    return {
        "points": points,
        "populate_seconds": populate_seconds,
        "read_seconds": read_seconds,
        "stored": count,
    }


if __name__ == "__main__":
    run_worker(
        {
            "log_metric": log_metric,
            "create_runs": create_runs,
            "search": search,
            "metric_history": metric_history,
        }
    )
