"""HTTP workloads against an MLflow REST API 2.0 server: the same code for every server.

Plain httpx against the endpoints, no tracking library: what is timed is the server
(plus the loopback round trip), not a client library. Request bodies that do not depend
on an answer are encoded before the clock starts; responses are read in full inside
the timed span but parsed outside it.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from workloads.shapes import (
    HISTORY_KEY,
    SEARCH_FILTER,
    SEARCH_ORDER_BY,
    SEARCH_PAGE_SIZE,
    SearchRow,
    history_points,
    percentile,
    search_rows,
)

__all__ = [
    "FULL",
    "HISTORY_PAGE",
    "QUICK",
    "Api",
    "ApiError",
    "Sizes",
    "concurrent_mix",
    "create_runs",
    "ingest",
    "ping",
    "populate_search",
    "read_history",
    "search_latencies",
]


@dataclass(frozen=True)
class Sizes:
    """How big each server workload is."""

    runs: int  # runs/create requests, one after another
    batches: int  # log-batch requests of `batch` metrics; the history is batches x batch
    batch: int
    clients: int  # concurrent mix: client processes, and how long they run
    mix_seconds: float
    search_runs: int
    search_queries: int  # per round
    history_reads: int  # per round and way of reading


FULL = Sizes(500, 100, 1_000, 8, 20.0, 10_000, 30, 3)
QUICK = Sizes(100, 20, 1_000, 8, 5.0, 1_000, 15, 2)

API = "/api/2.0/mlflow"
JSON = {"Content-Type": "application/json"}
# The page size MLflow's own client uses to read a metric history.
HISTORY_PAGE = 25_000
# Tags the MLflow client sets on every run it creates.
_RUN_TAGS = [
    {"key": "mlflow.user", "value": "bench"},
    {"key": "mlflow.source.name", "value": "bench/tracking_server.py"},
    {"key": "mlflow.source.type", "value": "LOCAL"},
]
_TIMEOUT = httpx.Timeout(120.0)


class ApiError(Exception):
    """A request outside a timed mix failed: the benchmark cannot go on without it."""


class Api:
    """One keep-alive connection to a server, with the few calls the setup needs."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url + API, timeout=_TIMEOUT)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post_raw(self, path: str, body: bytes) -> httpx.Response:
        response = self.http.post(path, content=body, headers=JSON)
        if response.status_code != 200:
            raise ApiError(f"POST {path}: {response.status_code} {response.text[:300]}")
        return response

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.post_raw(path, json.dumps(body).encode()).json()
        return answer

    def get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        response = self.http.get(path, params=params)
        if response.status_code != 200:
            raise ApiError(f"GET {path}: {response.status_code} {response.text[:300]}")
        return response

    def create_experiment(self, name: str) -> str:
        experiment_id: str = self.post("/experiments/create", {"name": name})["experiment_id"]
        return experiment_id

    def create_run(self, experiment_id: str, name: str, start_time: int | None = None) -> str:
        body = _run_body(experiment_id, name, start_time or int(time.time() * 1000))
        run_id: str = self.post("/runs/create", body)["run"]["info"]["run_id"]
        return run_id


def _run_body(experiment_id: str, name: str, start_time: int) -> dict[str, Any]:
    return {
        "experiment_id": experiment_id,
        "run_name": name,
        "start_time": start_time,
        "tags": _RUN_TAGS,
    }


# -- sequential workloads ------------------------------------------------------------------


def create_runs(base_url: str, runs: int, warmup: int = 10) -> dict[str, Any]:
    """`runs/create`, one after another, in one experiment (after `warmup` untimed)."""
    with Api(base_url) as api:
        experiment_id = api.create_experiment("create-runs")
        now = int(time.time() * 1000)
        bodies = [
            json.dumps(_run_body(experiment_id, f"run-{i}", now + i)).encode()
            for i in range(warmup + runs)
        ]
        for body in bodies[:warmup]:
            api.post_raw("/runs/create", body)
        start = time.perf_counter()
        for body in bodies[warmup:]:
            api.post_raw("/runs/create", body)
        seconds = time.perf_counter() - start
    return {"runs": runs, "seconds": seconds}


def ping(base_url: str, requests: int, warmup: int = 5) -> dict[str, Any]:
    """`GET /health` on one keep-alive connection, one after another: the round trip
    that every other request pays on top of its own work."""
    seconds = []
    with httpx.Client(base_url=base_url, timeout=_TIMEOUT) as http:
        for index in range(warmup + requests):
            began = time.perf_counter()
            response = http.get("/health")
            took = time.perf_counter() - began
            if response.status_code != 200:
                raise ApiError(f"GET /health: {response.status_code}")
            if index >= warmup:
                seconds.append(took)
    return {"seconds": seconds, "p50": percentile(seconds, 50)}


def _metric_batches(run_id: str, batches: int, size: int) -> list[bytes]:
    points = history_points(batches * size)
    out = []
    for b in range(batches):
        chunk = points[b * size : (b + 1) * size]
        metrics = [
            {"key": HISTORY_KEY, "value": v, "timestamp": ts, "step": step} for v, step, ts in chunk
        ]
        out.append(json.dumps({"run_id": run_id, "metrics": metrics}).encode())
    return out


def ingest(base_url: str, batches: int, size: int) -> dict[str, Any]:
    """`batches` log-batch requests of `size` metrics each into one run, one after
    another; the run's history of HISTORY_KEY then holds batches x size points.

    One untimed batch goes to another run first, so that each server has seen the
    request shape before the clock starts."""
    with Api(base_url) as api:
        experiment_id = api.create_experiment("ingest")
        warm_run = api.create_run(experiment_id, "warm-up")
        api.post_raw("/runs/log-batch", _metric_batches(warm_run, 1, size)[0])
        run_id = api.create_run(experiment_id, "ingest")
        bodies = _metric_batches(run_id, batches, size)
        start = time.perf_counter()
        for body in bodies:
            api.post_raw("/runs/log-batch", body)
        seconds = time.perf_counter() - start
    return {
        "run_id": run_id,
        "metrics": batches * size,
        "requests": batches,
        "seconds": seconds,
        "body_bytes": len(bodies[0]),
    }


def read_history(base_url: str, run_id: str, reads: int, page: int | None) -> dict[str, Any]:
    """Time reading the whole history of HISTORY_KEY, `reads` times: in one request
    (`page` None), or page by page with max_results=`page` as MLflow's client does."""
    seconds = []
    counts = []
    pages = 0
    with Api(base_url) as api:
        for _ in range(reads):
            bodies = []
            token: str | None = None
            began = time.perf_counter()
            while True:
                params: dict[str, Any] = {"run_id": run_id, "metric_key": HISTORY_KEY}
                if page is not None:
                    params["max_results"] = page
                if token:
                    params["page_token"] = token
                response = api.get("/metrics/get-history", params)
                bodies.append(response.content)
                if page is None:
                    break
                # The token must be known to ask for the next page, so paged reads parse
                # inside the timed span, as any paging client has to.
                token = json.loads(response.content).get("next_page_token")
                if not token:
                    break
            seconds.append(time.perf_counter() - began)
            counts.append(sum(len(json.loads(b).get("metrics", [])) for b in bodies))
            pages = len(bodies)
    return {"seconds": seconds, "points": counts[-1] if counts else 0, "pages": pages}


# -- search -------------------------------------------------------------------------------


def populate_search(base_url: str, runs: int, threads: int = 8) -> dict[str, Any]:
    """Store shapes.search_rows through the API: runs/create (with the 2 tags), then one
    log-batch with the 5 params and 5 metrics, from `threads` clients at once. Not a
    measure (its time is reported); a failed request is tried again, up to 3 times."""
    start = time.perf_counter()
    with Api(base_url) as api:
        experiment_id = api.create_experiment("search")
    rows = list(enumerate(search_rows(runs)))

    def store(share: list[tuple[int, SearchRow]]) -> None:
        with Api(base_url) as api:
            for index, row in share:
                body = _run_body(experiment_id, f"run-{index}", row.timestamp)
                body["tags"] = [{"key": k, "value": v} for k, v in row.tags.items()]
                created = _post_retried(api, "/runs/create", body)
                batch = {
                    "run_id": created["run"]["info"]["run_id"],
                    "params": [{"key": k, "value": v} for k, v in row.params.items()],
                    "metrics": [
                        {"key": k, "value": v, "timestamp": row.timestamp, "step": 0}
                        for k, v in row.metrics.items()
                    ],
                }
                _post_retried(api, "/runs/log-batch", batch)

    with ThreadPoolExecutor(threads) as pool:
        for done in [pool.submit(store, rows[i::threads]) for i in range(threads)]:
            done.result()
    return {"experiment_id": experiment_id, "seconds": time.perf_counter() - start}


def _post_retried(api: Api, path: str, body: dict[str, Any], attempts: int = 3) -> dict[str, Any]:
    for attempt in range(attempts):
        try:
            return api.post(path, body)
        except (ApiError, httpx.TransportError):
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)
    raise AssertionError("unreachable")


def search_latencies(
    base_url: str, experiment_id: str, queries: int, warmup: int
) -> dict[str, Any]:
    """`queries` timed runs/search calls: the filtered, ordered first page of 100."""
    body = json.dumps(
        {
            "experiment_ids": [experiment_id],
            "filter": SEARCH_FILTER,
            "order_by": SEARCH_ORDER_BY,
            "max_results": SEARCH_PAGE_SIZE,
            "run_view_type": "ACTIVE_ONLY",
        }
    ).encode()
    with Api(base_url) as api:
        for _ in range(warmup):
            api.post_raw("/runs/search", body)
        seconds = []
        content = b""
        for _ in range(queries):
            began = time.perf_counter()
            content = api.post_raw("/runs/search", body).content
            seconds.append(time.perf_counter() - began)
    runs = json.loads(content).get("runs", [])

    def values(run: dict[str, Any], field: str) -> dict[str, Any]:
        return {item["key"]: item["value"] for item in run.get("data", {}).get(field, [])}

    return {
        "p50": percentile(seconds, 50),
        "p95": percentile(seconds, 95),
        "seconds": seconds,
        "check": {
            "page_size": len(runs),
            "m2": [round(values(r, "metrics").get("m2", -1.0), 12) for r in runs],
            "complete": all(
                len(values(r, "params")) == 5 and len(values(r, "metrics")) == 5 for r in runs
            ),
        },
    }


# -- concurrent clients -------------------------------------------------------------------

# A new run every this many rounds of the mix, so that no run grows without bound and a
# faster server does not end up reading bigger runs.
_ROUNDS_PER_RUN = 25
_MIX_METRIC_KEYS = 10
_MIX_METRIC_STEPS = 10


@dataclass
class _Tally:
    ok: Counter[str]
    errors: Counter[str]
    latencies: list[float]


def _mix_client(
    base_url: str,
    experiment_id: str,
    client: int,
    seconds: float,
    barrier: Any,
    results: Any,
) -> None:
    """One client process of the mix: until the deadline, rounds of log-batch (100
    metrics: 10 keys x 10 steps), log-parameter (a new key), set-tag (one of 5 keys,
    overwritten) and runs/get, on its own run; a new run every 25 rounds."""
    tally = _Tally(Counter(), Counter(), [])
    http = httpx.Client(base_url=base_url + API, timeout=_TIMEOUT)

    def call(kind: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        began = time.perf_counter()
        try:
            if method == "GET":
                response = http.get(path, params=body)
            else:
                response = http.post(path, content=json.dumps(body).encode(), headers=JSON)
            response.read()
        except httpx.HTTPError as exc:
            tally.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        finally:
            tally.latencies.append(time.perf_counter() - began)
        if response.status_code != 200:
            code = response.text[:80].replace("\n", " ")
            tally.errors[f"{kind}: HTTP {response.status_code} {code}"] += 1
            return None
        tally.ok[kind] += 1
        return response

    def new_run(index: int) -> str | None:
        body = _run_body(experiment_id, f"mix-{client}-{index}", int(time.time() * 1000))
        response = call("runs/create", "POST", "/runs/create", body)
        return None if response is None else str(response.json()["run"]["info"]["run_id"])

    try:
        run_id = new_run(0)
        if run_id is None:
            raise ApiError(f"could not create the client's run: {dict(tally.errors)}")
        # The setup run is not part of the mix.
        tally.ok.clear()
        tally.latencies.clear()
        barrier.wait(timeout=600)
        began = time.perf_counter()
        deadline = began + seconds
        step = 0
        rounds = 0
        while time.perf_counter() < deadline:
            if rounds and rounds % _ROUNDS_PER_RUN == 0:
                run_id = new_run(rounds) or run_id
            now = int(time.time() * 1000)
            metrics = [
                {"key": f"m{k}", "value": 0.5 / (step + s + 1), "timestamp": now, "step": step + s}
                for s in range(_MIX_METRIC_STEPS)
                for k in range(_MIX_METRIC_KEYS)
            ]
            step += _MIX_METRIC_STEPS
            call(
                "runs/log-batch", "POST", "/runs/log-batch", {"run_id": run_id, "metrics": metrics}
            )
            param = {"run_id": run_id, "key": f"p{rounds}", "value": f"v{rounds}"}
            call("runs/log-parameter", "POST", "/runs/log-parameter", param)
            tag = {"run_id": run_id, "key": f"t{rounds % 5}", "value": str(rounds)}
            call("runs/set-tag", "POST", "/runs/set-tag", tag)
            call("runs/get", "GET", "/runs/get", {"run_id": run_id})
            rounds += 1
        ended = time.perf_counter()
        results.put(
            {
                "client": client,
                "began": began,
                "ended": ended,
                "ok": dict(tally.ok),
                "errors": dict(tally.errors),
                "latencies": tally.latencies,
            }
        )
    except Exception as exc:
        results.put({"client": client, "failed": f"{type(exc).__name__}: {exc}"})
    finally:
        http.close()


def concurrent_mix(base_url: str, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` processes running the mix at once for `seconds`: the requests answered
    with 200 (`requests`) over the span from the common start to the last client's end,
    the failed ones by kind (`errors`), latency percentiles of all of them."""
    with Api(base_url) as api:
        experiment_id = api.create_experiment("mix")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients)
    results = context.Queue()
    processes = [
        context.Process(
            target=_mix_client,
            args=(base_url, experiment_id, index, seconds, barrier, results),
            daemon=True,
        )
        for index in range(clients)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=seconds + 600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    failed = [r["failed"] for r in reports if "failed" in r]
    if failed:
        raise ApiError(f"mix client failed: {failed[0]}")
    ok: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    for report in reports:
        ok.update(report["ok"])
        errors.update(report["errors"])
        latencies += report["latencies"]
    span = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    return {
        "clients": clients,
        "seconds": span,
        "requests": sum(ok.values()),
        "ok": dict(ok),
        "errors": dict(errors),
        "error_count": sum(errors.values()),
        "p50": percentile(latencies, 50) if latencies else None,
        "p95": percentile(latencies, 95) if latencies else None,
        "mean": statistics.fmean(latencies) if latencies else None,
    }
