"""Sixteen writer processes against one tracking server (two worker processes) for a
minute, on SQLite and on PostgreSQL: no request fails, and every value a writer saw
acknowledged is in the store afterwards.

Half the writers are the real mlflow client (`mlflow.start_run`, `log_params`,
`log_metrics`, `MlflowClient.log_batch`, `set_tag`), the other half Runwright's own
client over HTTP (`runwright.Client(server_url)`, the REST store). The mlflow client
runs with retries off, and Runwright's REST store reports each retry, so a refused or
failed request cannot hide behind a successful retry. The store is read afterwards
directly, not through the server.

This module is also the writers' program: `python -m <this module> <kind> ...`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import runwright as rw
from runwright.entities import RunStatus
from tests.fixtures.live_server import start_server

SECONDS = 60.0
WRITERS = 16
WORKERS = 2
KINDS = ("mlflow", "runwright")
METRIC_STEPS = 5
BATCH_METRICS = 20
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", "postgres"])
def backend_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "store")
    return str(request.getfixturevalue("postgres_url"))


@pytest.mark.slow
def test_sixteen_writers_for_a_minute_lose_nothing(backend_uri: str, tmp_path: Path) -> None:
    server = start_server(
        backend_uri, str(tmp_path / "artifacts"), workers=WORKERS, log_dir=tmp_path
    )
    try:
        created = httpx.post(
            f"{server.url}/api/2.0/mlflow/experiments/create",
            json={"name": "concurrent"},
            timeout=30,
        )
        assert created.status_code == 200, created.text
        experiment_id = created.json()["experiment_id"]
        reports = _run_writers(server.url, experiment_id, tmp_path)
        log = server.log.read_text()
    finally:
        server.stop()

    failures = [failure for report in reports for failure in report["failures"]]
    assert failures == [], failures[:10]
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    counted = _assert_all_stored(backend_uri, experiment_id, reports, tmp_path)
    requests = Counter[str]()
    for report in reports:
        requests[report["kind"]] += report["requests"]
    backend = "postgresql" if backend_uri.startswith("postgres") else "sqlite"
    print(
        f"\n{backend}: {requests.total()} requests in {SECONDS:.0f} s, "
        f"{requests.total() / SECONDS:.0f}/s ({dict(requests)}); stored and checked: {counted}"
    )


def _run_writers(url: str, experiment_id: str, folder: Path) -> list[dict[str, Any]]:
    """Start every writer, let them all import, then give them the same minute."""
    go = folder / "go"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    writers = []
    for index in range(WRITERS):
        kind = KINDS[index % len(KINDS)]
        out = folder / f"writer-{index}.json"
        command = [sys.executable, "-m", __name__, kind, url, experiment_id, str(index)]
        command += [str(SECONDS), str(go), str(out)]
        with (folder / f"writer-{index}.log").open("wb") as sink:
            process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        writers.append((process, out, folder / f"writer-{index}.log"))
    deadline = time.monotonic() + 180
    while not all(Path(f"{out}.ready").exists() for _, out, _ in writers):
        failed = [log for process, _, log in writers if process.poll() is not None]
        assert not failed, failed[0].read_text()[-3000:]
        assert time.monotonic() < deadline, "the writers did not start within 180 s"
        time.sleep(0.2)
    go.touch()
    reports = []
    for process, out, log in writers:
        assert process.wait(timeout=SECONDS + 300) == 0, log.read_text()[-3000:]
        reports.append(json.loads(out.read_text()))
    return reports


def _assert_all_stored(
    backend_uri: str, experiment_id: str, reports: list[dict[str, Any]], folder: Path
) -> dict[str, int]:
    """Compare each writer's acknowledged values with the store, read without the server."""
    settings = _client_settings(folder)
    client = rw.Client(backend_uri, settings=settings)
    counted = Counter[str]()
    try:
        runs = {run.info.run_id: run for run in _all_runs(client, experiment_id)}
        for report in reports:
            for run_id, expected in report["runs"].items():
                run = runs[run_id]
                assert run.data.params.items() >= expected["params"].items()
                assert run.data.tags.items() >= expected["tags"].items()
                if expected["finished"]:
                    assert run.info.status is RunStatus.FINISHED
                for key, points in expected["metrics"].items():
                    stored = {(m.step, m.value) for m in client.get_metric_history(run_id, key)}
                    assert {(step, value) for step, value in points} <= stored
                    counted["metric points"] += len(points)
                counted["runs"] += 1
                counted["params"] += len(expected["params"])
                counted["tags"] += len(expected["tags"])
        assert len(runs) == counted["runs"]
    finally:
        client.close()
    return dict(counted)


def _all_runs(client: rw.Client, experiment_id: str) -> list[rw.Run]:
    found: list[rw.Run] = []
    token = None
    while True:
        page = client.search_runs(experiment_id, max_results=1000, page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            return found


def _client_settings(folder: Path) -> Any:
    from runwright.settings import Settings

    return Settings().with_overrides(artifacts_uri=str(folder / "client-artifacts"))


# -- the writers' program ---------------------------------------------------------------


@dataclass
class Acked:
    """What one writer saw acknowledged, by run."""

    kind: str
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def run(self, run_id: str) -> dict[str, Any]:
        return self.runs.setdefault(
            run_id, {"params": {}, "tags": {}, "metrics": {}, "finished": False}
        )

    def points(self, run_id: str, key: str, points: list[tuple[int, float]]) -> None:
        self.run(run_id)["metrics"].setdefault(key, []).extend(points)


def _mlflow_writer(acked: Acked, url: str, experiment_id: str, writer: int) -> Callable[[], None]:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.utils import rest_utils

    send = rest_utils.http_request

    def counted(*args: Any, **kwargs: Any) -> Any:
        acked.requests += 1
        return send(*args, **kwargs)

    rest_utils.http_request = counted
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    iteration = 0

    def one_run() -> None:
        nonlocal iteration
        iteration += 1
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"mlflow-{writer}") as run:
            run_id = run.info.run_id
            params = {f"p{i}": f"{writer}-{iteration}-{i}" for i in range(3)}
            mlflow.log_params(params)
            acked.run(run_id)["params"].update(params)
            for step in range(METRIC_STEPS):
                values = {"loss": 1 / (step + 1), "acc": step / METRIC_STEPS}
                mlflow.log_metrics(values, step=step)
                for key, value in values.items():
                    acked.points(run_id, key, [(step, value)])
            now = int(time.time() * 1000)
            batch = [Metric("batch", float(i), now, i) for i in range(BATCH_METRICS)]
            client.log_batch(
                run_id,
                metrics=batch,
                params=[Param("batch-param", str(iteration))],
                tags=[RunTag("batch-tag", str(writer))],
            )
            acked.points(run_id, "batch", [(m.step, m.value) for m in batch])
            acked.run(run_id)["params"]["batch-param"] = str(iteration)
            acked.run(run_id)["tags"]["batch-tag"] = str(writer)
            mlflow.set_tag("done", "yes")
            acked.run(run_id)["tags"]["done"] = "yes"
        acked.run(run_id)["finished"] = True

    return one_run


def _runwright_writer(
    acked: Acked, url: str, experiment_id: str, writer: int
) -> Callable[[], None]:
    from runwright.store.rest.transport import RestTransport

    send = RestTransport._send

    def counted(self: RestTransport, *args: Any, **kwargs: Any) -> Any:
        acked.requests += 1
        return send(self, *args, **kwargs)

    RestTransport._send = counted  # type: ignore[method-assign]
    logging.getLogger("runwright.store.rest").addHandler(_RetryRecorder(acked))
    client = rw.Client(url)
    iteration = 0

    def one_run() -> None:
        nonlocal iteration
        iteration += 1
        run_id = client.create_run(experiment_id, run_name=f"runwright-{writer}").info.run_id
        client.log_param(run_id, "p0", f"{writer}-{iteration}")
        acked.run(run_id)["params"]["p0"] = f"{writer}-{iteration}"
        now = int(time.time() * 1000)
        batch = [rw.Metric("batch", float(i), now, i) for i in range(BATCH_METRICS)]
        client.log_batch(
            run_id,
            metrics=batch,
            params=[rw.Param("batch-param", str(iteration))],
            tags=[rw.Tag("batch-tag", str(writer))],
        )
        acked.points(run_id, "batch", [(m.step, m.value) for m in batch])
        acked.run(run_id)["params"]["batch-param"] = str(iteration)
        acked.run(run_id)["tags"]["batch-tag"] = str(writer)
        for step in range(METRIC_STEPS):
            client.log_metric(run_id, "loss", 1 / (step + 1), step=step)
        client.flush()
        acked.points(run_id, "loss", [(step, 1 / (step + 1)) for step in range(METRIC_STEPS)])
        client.set_tag(run_id, "done", "yes")
        acked.run(run_id)["tags"]["done"] = "yes"
        client.set_terminated(run_id)
        acked.run(run_id)["finished"] = True

    return one_run


class _RetryRecorder(logging.Handler):
    """The REST store retries 429/502/503/504 and lost connections, logging each."""

    def __init__(self, acked: Acked) -> None:
        super().__init__(logging.WARNING)
        self.acked = acked

    def emit(self, record: logging.LogRecord) -> None:
        self.acked.failures.append(f"retried: {record.getMessage()}")


def _main(argv: list[str]) -> None:
    kind, url, experiment_id, writer, seconds, go, out = argv
    acked = Acked(kind)
    make = _mlflow_writer if kind == "mlflow" else _runwright_writer
    one_run = make(acked, url, experiment_id, int(writer))
    Path(f"{out}.ready").touch()
    while not Path(go).exists():
        time.sleep(0.05)
    acked.requests = 0
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            one_run()
        except Exception as exc:
            acked.failures.append(f"{type(exc).__name__}: {exc}"[:500])
    report = {"kind": kind, "runs": acked.runs, "failures": acked.failures}
    Path(out).write_text(json.dumps({**report, "requests": acked.requests}))


if __name__ == "__main__":
    _main(sys.argv[1:])
