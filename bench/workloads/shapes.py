"""What the tracking workloads look like, shared by every tool's worker.

Standard library only: this module is imported by the Runwright worker (project
environment) and by the MLflow worker (its own virtual environment), so that both
tools run exactly the same shapes on exactly the same data.

A worker is run as ``python <tool>_worker.py WORKLOAD --root DIR --params JSON``; it
prints one line ``RESULT {json}`` on stdout (anything else a library prints is ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FULL",
    "HISTORY_KEY",
    "LOG_METRIC_KEY",
    "PAGE_ORDER_BY",
    "QUICK",
    "RESULT_PREFIX",
    "SEARCH_FILTER",
    "SEARCH_ORDER_BY",
    "SEARCH_PAGE_SIZE",
    "SearchRow",
    "Sizes",
    "history_points",
    "percentile",
    "run_worker",
    "search_rows",
    "search_rows_digest",
    "summarise_latencies",
]

RESULT_PREFIX = "RESULT "


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big each workload is; MLflow's logging counts are smaller because every
    synchronous call is a database transaction."""

    rw_log_metric_calls: int
    mlflow_sync_calls: int
    mlflow_async_calls: int
    mlflow_async_buffered_calls: int
    runs: int
    search_runs: int
    search_queries: int
    search_page: int
    history_points: int


FULL = Sizes(
    rw_log_metric_calls=200_000,
    mlflow_sync_calls=2_000,
    mlflow_async_calls=2_000,
    mlflow_async_buffered_calls=20_000,
    runs=500,
    search_runs=10_000,
    search_queries=20,
    search_page=50,
    history_points=100_000,
)
QUICK = Sizes(
    rw_log_metric_calls=20_000,
    mlflow_sync_calls=200,
    mlflow_async_calls=200,
    mlflow_async_buffered_calls=2_000,
    runs=50,
    search_runs=1_000,
    search_queries=10,
    search_page=5,
    history_points=10_000,
)

LOG_METRIC_KEY = "loss"
HISTORY_KEY = "loss"

# Search: p1 is 'a' or 'b' and m1 uniform in [0, 1), so the filter keeps about a
# quarter of the runs; the page is the top 100 of those by m2.
SEARCH_FILTER = "metrics.m1 > 0.5 and params.p1 = 'a'"
SEARCH_ORDER_BY = ["metrics.m2 DESC"]
SEARCH_PAGE_SIZE = 100
# Deep paging orders every run (no filter) by m2, so page 50 exists at 10,000 runs.
PAGE_ORDER_BY = ["metrics.m2 DESC"]

_SEARCH_SEED = 20240607
# Fixed start so both tools store identical timestamps.
_BASE_TIMESTAMP_MS = 1_700_000_000_000


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One run of the search population: 5 params, 5 metrics, 2 tags (plain values)."""

    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    timestamp: int


def search_rows(count: int) -> Iterator[SearchRow]:
    """The runs to store before searching; the same values for every tool."""
    rng = random.Random(_SEARCH_SEED)
    for index in range(count):
        params = {"p1": rng.choice("ab")}
        params.update({f"p{k}": f"v{rng.randrange(1000)}" for k in range(2, 6)})
        metrics = {f"m{k}": rng.random() for k in range(1, 6)}
        tags = {"team": rng.choice(("vision", "nlp", "tabular")), "stage": f"s{index % 7}"}
        yield SearchRow(params, metrics, tags, _BASE_TIMESTAMP_MS + index)


def search_rows_digest(count: int) -> str:
    """A fingerprint of the search population: a stored copy is valid while it matches."""
    digest = hashlib.sha256()
    for row in search_rows(count):
        digest.update(json.dumps([row.params, row.metrics, row.tags, row.timestamp]).encode())
    return digest.hexdigest()[:12]


def history_points(count: int) -> list[tuple[float, int, int]]:
    """(value, step, timestamp) for a metric history of `count` points."""
    return [(1.0 / (step + 1), step, _BASE_TIMESTAMP_MS + step) for step in range(count)]


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, like numpy's default."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100.0
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def summarise_latencies(seconds: list[float]) -> dict[str, float]:
    return {"p50": percentile(seconds, 50), "p95": percentile(seconds, 95)}


Workload = Callable[..., dict[str, Any]]


def run_worker(workloads: dict[str, Workload]) -> None:
    """Parse the worker command line, run one workload, print its RESULT line."""
    parser = argparse.ArgumentParser(description="Run one tracking workload, print JSON.")
    parser.add_argument("workload", choices=sorted(workloads))
    parser.add_argument("--root", required=True, help="an empty folder for this measurement")
    parser.add_argument("--params", default="{}", help="workload keyword arguments, as JSON")
    args = parser.parse_args()
    result = workloads[args.workload](args.root, **json.loads(args.params))
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
