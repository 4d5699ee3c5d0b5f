"""A tracking server on SQLite killed (SIGKILL, every process of it) in the middle of a
burst of writes loses none it acknowledged: after a restart on the same store the
database passes `PRAGMA integrity_check`, and every run, metric point, param and tag
that got a 200 is there.

Writer threads create runs and send log-batch requests over plain HTTP (no client
retries, so a request is either acknowledged once or not at all) and record what got
a 200. Requests in flight at the kill may or may not be stored; either is fine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import runwright as rw
from tests.fixtures.live_server import LiveServer, start_server

API = "/api/2.0/mlflow"
WRITERS = 6
WORKERS = 2
BATCHES_PER_RUN = 4
KEYS = ("loss", "acc", "lr")
STEPS_PER_BATCH = 10
ACKS_BEFORE_KILL = 150


@dataclass
class Acked:
    """What the server acknowledged, shared by the writer threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    runs: set[str] = field(default_factory=set)
    points: dict[tuple[str, str], set[tuple[int, float]]] = field(default_factory=dict)
    params: dict[tuple[str, str], str] = field(default_factory=dict)
    tags: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: int = 0
    refusals: list[str] = field(default_factory=list)

    @property
    def point_count(self) -> int:
        return sum(len(points) for points in self.points.values())


@pytest.mark.slow
def test_a_killed_server_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    store, artifacts = tmp_path / "store", tmp_path / "artifacts"
    server = start_server(str(store), str(artifacts), workers=WORKERS, log_dir=tmp_path)
    try:
        experiment_id = httpx.post(
            f"{server.url}{API}/experiments/create", json={"name": "crash"}, timeout=30
        ).json()["experiment_id"]
        acked = Acked()
        stop = threading.Event()
        writers = [
            threading.Thread(target=_write, args=(server.url, experiment_id, i, acked, stop))
            for i in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        _wait_for(lambda: acked.requests >= ACKS_BEFORE_KILL or not _any_alive(writers), 120)
        assert not acked.refusals, acked.refusals[:5]
        assert _any_alive(writers), "the writers stopped before the kill"

        _kill_everything(server)
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    finally:
        if server.process.poll() is None:
            _kill_everything(server)

    restarted = start_server(str(store), str(artifacts), workers=WORKERS, log_dir=tmp_path)
    try:
        with contextlib.closing(sqlite3.connect(store / "runwright.db")) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        _assert_all_stored(store, acked)
        _assert_serves_and_takes_writes(restarted, experiment_id, next(iter(acked.runs)))
    finally:
        restarted.stop()
    assert not acked.refusals, acked.refusals[:5]
    print(
        f"\nacknowledged before the kill: {acked.requests} requests, {len(acked.runs)} runs, "
        f"{acked.point_count} metric points, {len(acked.params)} params, {len(acked.tags)} tags"
    )


def _any_alive(threads: list[threading.Thread]) -> bool:
    return any(thread.is_alive() for thread in threads)


def _write(url: str, experiment_id: str, writer: int, acked: Acked, stop: threading.Event) -> None:
    """Create runs and fill them until the server stops answering."""
    with httpx.Client(base_url=url + API, timeout=30) as http:
        batch = 0
        while not stop.is_set():
            try:
                response = http.post(
                    "/runs/create", json={"experiment_id": experiment_id, "run_name": f"w{writer}"}
                )
            except httpx.TransportError:
                return
            if not _acknowledged(response, acked):
                return
            run_id = response.json()["run"]["info"]["run_id"]
            with acked.lock:
                acked.runs.add(run_id)
            for _ in range(BATCHES_PER_RUN):
                batch += 1
                body = _batch(run_id, writer, batch)
                try:
                    response = http.post("/runs/log-batch", json=body)
                except httpx.TransportError:
                    return
                if not _acknowledged(response, acked):
                    return
                _record(acked, body)


def _acknowledged(response: httpx.Response, acked: Acked) -> bool:
    with acked.lock:
        if response.status_code != 200:
            acked.refusals.append(f"{response.status_code} {response.text[:300]}")
            return False
        acked.requests += 1
        return True


def _batch(run_id: str, writer: int, batch: int) -> dict[str, Any]:
    steps = range(batch * STEPS_PER_BATCH, (batch + 1) * STEPS_PER_BATCH)
    return {
        "run_id": run_id,
        "metrics": [
            {"key": key, "value": writer + step / 1000, "timestamp": 1_000 + step, "step": step}
            for key in KEYS
            for step in steps
        ],
        "params": [{"key": f"batch-{batch}", "value": f"w{writer}"}],
        "tags": [{"key": f"tag-{batch}", "value": str(batch)}],
    }


def _record(acked: Acked, body: dict[str, Any]) -> None:
    run_id = str(body["run_id"])
    with acked.lock:
        for metric in body["metrics"]:
            points = acked.points.setdefault((run_id, metric["key"]), set())
            points.add((metric["step"], metric["value"]))
        for param in body["params"]:
            acked.params[(run_id, param["key"])] = param["value"]
        for tag in body["tags"]:
            acked.tags[(run_id, tag["key"])] = tag["value"]


def _kill_everything(server: LiveServer) -> None:
    """SIGKILL the server and its worker processes, as a crash of the host process would.

    The supervisor goes first, so that it cannot start new workers; its workers are
    found first, since once orphaned they no longer name it as their parent."""
    workers = _descendants(server.process.pid)
    os.kill(server.process.pid, signal.SIGKILL)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=30)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    pending = list(children.get(pid, []))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, []))
    return found


def _assert_all_stored(store: Path, acked: Acked) -> None:
    client = rw.Client(str(store))
    try:
        for run_id in acked.runs:
            client.get_run(run_id)
        missing_points = 0
        for (run_id, key), points in acked.points.items():
            stored = {(m.step, m.value) for m in client.get_metric_history(run_id, key)}
            missing_points += len(points - stored)
        runs = {run_id: client.get_run(run_id).data for run_id in {r for r, _ in acked.params}}
        missing_params = sum(
            runs[run_id].params.get(key) != value for (run_id, key), value in acked.params.items()
        )
        missing_tags = sum(
            runs[run_id].tags.get(key) != value for (run_id, key), value in acked.tags.items()
        )
    finally:
        client.close()
    assert (missing_points, missing_params, missing_tags) == (0, 0, 0)
    assert acked.point_count >= ACKS_BEFORE_KILL // 2 * len(KEYS) * STEPS_PER_BATCH


def _assert_serves_and_takes_writes(server: LiveServer, experiment_id: str, run_id: str) -> None:
    with httpx.Client(base_url=server.url + API, timeout=30) as http:
        assert http.get("/runs/get", params={"run_id": run_id}).status_code == 200
        created = http.post("/runs/create", json={"experiment_id": experiment_id})
        assert created.status_code == 200, created.text
        new_run = created.json()["run"]["info"]["run_id"]
        logged = http.post("/runs/log-batch", json=_batch(new_run, 99, 1))
        assert logged.status_code == 200, logged.text


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {seconds} s")
        time.sleep(0.05)
