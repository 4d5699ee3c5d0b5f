"""The local executor's worker processes: started as needed, reused, replaced."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import runwright as rw
from runwright.entities import LifecycleStage, RunInfo, RunStatus
from runwright.pipelines.executors.local import LocalExecutor
from runwright.pipelines.graph import Const
from runwright.pipelines.outputs import load_output
from runwright.pipelines.resources import Resources
from runwright.pipelines.task import TaskResult, TaskSpec


@rw.step
def worker_pid(previous: int = 0) -> int:
    return os.getpid()


@rw.pipeline
def chained():
    first = worker_pid()
    second = worker_pid(first)
    return worker_pid(second)


@rw.step
def pid_of_item(item: int) -> int:
    time.sleep(0.05)  # long enough for the fan to spread over the workers
    return os.getpid()


@rw.pipeline
def fanned(items: list[int]):
    return pid_of_item.map(item=items)


def test_a_chain_of_steps_runs_in_one_worker_process() -> None:
    result = chained.run(executor="local", max_workers=2)
    pids = {result.steps[node].outputs["output"] for node in result.steps}
    assert result.status == "FINISHED"
    assert len({load_output(ref) for ref in pids}) == 1
    assert load_output(next(iter(pids))) != os.getpid()


@rw.step
def own_run_status() -> str:
    run = rw.active_run()
    assert run is not None
    return rw.get_run(run.info.run_id).info.status.value


@rw.pipeline
def looking_at_itself():
    return own_run_status()


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_step_finds_its_own_run_recorded_as_running(executor: str) -> None:
    assert looking_at_itself.run(executor=executor).output == "RUNNING"


def test_a_fan_runs_in_no_more_workers_than_allowed() -> None:
    result = fanned.run(items=list(range(6)), executor="local", max_workers=2)
    assert result.status == "FINISHED"
    assert 1 <= len(set(result.output)) <= 2
    assert os.getpid() not in result.output


# -- the executor on its own ---------------------------------------------------------


def _spec(tmp_path: Path, step: rw.Step, *, timeout: float | None = None) -> TaskSpec:
    node_id = f"node-{uuid.uuid4().hex[:8]}"
    info = RunInfo(
        run_id=uuid.uuid4().hex,
        experiment_id="0",
        run_name=node_id,
        user_id="tester",
        status=RunStatus.RUNNING,
        start_time=0,
        end_time=None,
        lifecycle_stage=LifecycleStage.ACTIVE,
        artifact_uri=str(tmp_path / "artifacts" / node_id),
    )
    return TaskSpec(
        node_id=node_id,
        run=info,
        attempt=1,
        tracking_uri=str(tmp_path / "store"),
        fn=step.fn,
        output_spec=step.outputs,
        arguments={},
        upstream={},
        timeout=timeout,
    )


@pytest.fixture
def executor() -> Iterator[LocalExecutor]:
    made = LocalExecutor(max_workers=1)
    yield made
    made.close()


def _results(executor: LocalExecutor, count: int) -> list[TaskResult]:
    results: list[TaskResult] = []
    deadline = time.monotonic() + 60
    while len(results) < count and time.monotonic() < deadline:
        results += executor.wait(1.0)
    return results


def _run_one(executor: LocalExecutor, spec: TaskSpec) -> TaskResult:
    executor.submit(spec, Resources())
    [result] = _results(executor, 1)
    return result


def _gone(pid: int) -> Callable[[], bool]:
    """Whether the process has ended (a zombie not yet reaped counts as ended)."""

    def check() -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):  # gone before or while reading
            return True
        return stat.rpartition(")")[2].split()[0] in ("Z", "X")

    return check


def _eventually(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_an_idle_worker_is_reused(tmp_path: Path, executor: LocalExecutor) -> None:
    first = _run_one(executor, _spec(tmp_path, worker_pid))
    second = _run_one(executor, _spec(tmp_path, worker_pid))
    assert load_output(first.outputs[0]) == load_output(second.outputs[0])


def test_a_worker_that_died_while_idle_is_replaced(tmp_path: Path, executor: LocalExecutor) -> None:
    first = _run_one(executor, _spec(tmp_path, worker_pid))
    dead = load_output(first.outputs[0])
    os.kill(dead, signal.SIGKILL)
    assert _eventually(_gone(dead))
    second = _run_one(executor, _spec(tmp_path, worker_pid))
    assert second.ok, second.error
    assert load_output(second.outputs[0]) != dead


def test_an_attempt_that_cannot_be_sent_fails_alone(
    tmp_path: Path, executor: LocalExecutor
) -> None:
    spec = _spec(tmp_path, worker_pid)
    spec.arguments = {"previous": Const(threading.Lock())}
    failed = _run_one(executor, spec)
    assert not failed.ok
    assert failed.error is not None and "pickle" in failed.error
    assert _run_one(executor, _spec(tmp_path, worker_pid)).ok


@rw.step
def sleeps_long() -> int:
    time.sleep(60)
    return 0


def test_cancel_running_kills_the_busy_worker(tmp_path: Path, executor: LocalExecutor) -> None:
    started = _run_one(executor, _spec(tmp_path, worker_pid))
    pid = load_output(started.outputs[0])
    executor.submit(_spec(tmp_path, sleeps_long), Resources())
    [cancelled] = executor.cancel_running()
    assert cancelled.error == "cancelled"
    assert _eventually(_gone(pid))


def test_close_stops_every_worker(tmp_path: Path) -> None:
    executor = LocalExecutor(max_workers=2)
    executor.submit(_spec(tmp_path, worker_pid), Resources())
    [result] = _results(executor, 1)
    pid = load_output(result.outputs[0])
    executor.close()
    assert _eventually(_gone(pid))
