"""Attempts queued on a busy worker of the local executor, to start when its attempt
ends: SCHEDULED until then, never beyond the resources the driver allows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import runwright as rw
from runwright._host import now_ms
from runwright.entities import Run
from runwright.pipelines.executors.local import LocalExecutor
from runwright.pipelines.outputs import load_output
from runwright.pipelines.resources import Resources
from runwright.pipelines.result import StepState
from runwright.pipelines.session import pipeline_store
from runwright.pipelines.task import TaskResult, TaskSpec
from runwright.pipelines.views import step_state
from runwright.tracking.client import Client
from tests.integration.pipelines.test_local_executor import (
    _results,
    _spec,
    sleeps_long,
    worker_pid,
)

# -- the executor on its own ---------------------------------------------------------


@pytest.fixture
def executor() -> Iterator[LocalExecutor]:
    made = LocalExecutor(max_workers=1)
    yield made
    made.close()


def _by_node(results: list[TaskResult]) -> dict[str, TaskResult]:
    return {result.node_id: result for result in results}


def _one_behind_another(executor: LocalExecutor, leader: TaskSpec, follower: TaskSpec) -> None:
    executor.submit(leader, Resources())
    executor.queue_behind(follower, Resources(), leader=leader.node_id)


def test_an_attempt_queued_behind_another_runs_next_on_its_worker(
    tmp_path: Path, executor: LocalExecutor
) -> None:
    first, second = _spec(tmp_path, worker_pid), _spec(tmp_path, worker_pid)
    _one_behind_another(executor, first, second)
    results = _by_node(_results(executor, 2))
    assert results[first.node_id].ok and results[second.node_id].ok
    pids = {load_output(results[s.node_id].outputs[0]) for s in (first, second)}
    assert len(pids) == 1
    assert executor.take_started() == [(second.node_id, 1)]
    assert executor.take_started() == []


def test_a_queued_attempt_outlives_its_leader_timing_out(
    tmp_path: Path, executor: LocalExecutor
) -> None:
    slow, queued = _spec(tmp_path, sleeps_long, timeout=0.5), _spec(tmp_path, worker_pid)
    _one_behind_another(executor, slow, queued)
    results = _by_node(_results(executor, 2))
    assert results[slow.node_id].timed_out
    assert results[queued.node_id].ok, results[queued.node_id].error
    assert executor.take_started() == [(queued.node_id, 1)]


def test_an_attempt_queued_behind_one_that_ended_starts_at_once(
    tmp_path: Path, executor: LocalExecutor
) -> None:
    ended = _spec(tmp_path, worker_pid)
    executor.submit(ended, Resources())
    assert _results(executor, 1)[0].ok
    late = _spec(tmp_path, worker_pid)
    executor.queue_behind(late, Resources(), leader=ended.node_id)
    assert executor.take_started() == [(late.node_id, 1)]
    assert _results(executor, 1)[0].ok


def test_cancel_running_cancels_the_queued_attempt_too(
    tmp_path: Path, executor: LocalExecutor
) -> None:
    running, queued = _spec(tmp_path, sleeps_long), _spec(tmp_path, worker_pid)
    _one_behind_another(executor, running, queued)
    cancelled = executor.cancel_running()
    assert sorted(r.node_id for r in cancelled) == sorted([running.node_id, queued.node_id])
    assert {r.error for r in cancelled} == {"cancelled"}


# -- in a pipeline -------------------------------------------------------------------


@rw.step
def held(name: str, hold_file: str) -> str:
    """Waits while ``hold_file`` exists (saying it started), so a test can look."""
    Path(f"{hold_file}.{name}").touch()
    deadline = time.monotonic() + 60
    while Path(hold_file).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return name


@rw.pipeline
def two_held(hold_file: str):
    # The first returns at once: a step queues only behind one that ran short before.
    return [held("w", hold_file + ".never"), held("a", hold_file), held("b", hold_file)]


@rw.step
def pause(name: str, seconds: float, hold_file: str) -> str:
    time.sleep(seconds)
    return held.fn(name, hold_file)


@rw.pipeline
def after_a_long_one(hold_file: str):
    return [
        pause("w", 0.2, hold_file + ".never"),
        pause("a", 0, hold_file),
        pause("b", 0, hold_file),
    ]


@rw.step
def fails_when_told(hold_file: str) -> str:
    Path(f"{hold_file}.fails").touch()
    deadline = time.monotonic() + 60
    while not Path(f"{hold_file}.fail").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    raise RuntimeError("told to fail")


@rw.pipeline
def one_fails(hold_file: str):
    never = hold_file + ".never"
    return [
        held("w", never),
        held("a", hold_file),
        fails_when_told(hold_file),
        held("c", hold_file),
    ]


@rw.step(retries=1, retry_delay=0.2)
def fails_once(name: str, folder: str) -> str:
    """Fails its first attempt when named ``a``, after a mark that it ran."""
    mark = Path(folder, f"{name}.ran")
    first = not mark.exists()
    mark.touch()
    if name == "a" and first:
        raise RuntimeError("first attempt fails")
    return name


@rw.pipeline
def one_retries(folder: str):
    return [fails_once("w", folder), fails_once("a", folder), fails_once("b", folder)]


@rw.step(resources=rw.Resources(cpus=2))
def wide(name: str, hold_file: str) -> str:
    return held.fn(name, hold_file)


@rw.pipeline
def narrow_then_wide(hold_file: str):
    return [held("w", hold_file + ".never"), held("a", hold_file), wide("b", hold_file)]


def _steps_of_running_pipeline(client: Client) -> dict[str, Run]:
    runs = client.search_runs(
        [client.get_experiment_by_name("Default").experiment_id],  # type: ignore[union-attr]
        filter_string="tags.`runwright.run.type` = 'step'",
    )
    return {run.info.run_name: run for run in runs}


def _run_in_thread(target: object, **params: object) -> tuple[threading.Thread, list[object]]:
    done: list[object] = []
    thread = threading.Thread(
        target=lambda: done.append(target.run(executor="local", **params))  # type: ignore[attr-defined]
    )
    thread.start()
    return thread, done


@pytest.fixture
def hold(tmp_path: Path) -> Iterator[Path]:
    """While this file exists, `held` steps wait; it goes at the end whatever happens."""
    path = tmp_path / "hold"
    path.touch()
    yield path
    path.unlink(missing_ok=True)


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_a_queued_step_is_scheduled_until_it_really_starts(tmp_path: Path, hold: Path) -> None:
    thread, done = _run_in_thread(two_held, hold_file=str(hold), max_workers=1)
    _wait_for(tmp_path / "hold.a")
    client = Client()
    deadline = time.monotonic() + 30
    while len(steps := _steps_of_running_pipeline(client)) < 3:
        assert time.monotonic() < deadline, "the third step was never queued"
        time.sleep(0.01)
    assert steps["held-2"].info.status.value == "RUNNING"
    assert steps["held-3"].info.status.value == "SCHEDULED"
    queued = pipeline_store(client).get_step(run_id=steps["held-3"].info.run_id)
    assert step_state(queued, pipeline_status="RUNNING") is StepState.PENDING
    released = now_ms()
    hold.unlink()
    thread.join(60)
    [result] = done
    assert result.status == "FINISHED"  # type: ignore[attr-defined]
    steps = _steps_of_running_pipeline(client)
    assert {run.info.status.value for run in steps.values()} == {"FINISHED"}
    assert steps["held-3"].info.start_time >= released


def test_a_step_needing_more_is_not_queued_behind_one_needing_less(
    tmp_path: Path, hold: Path
) -> None:
    thread, done = _run_in_thread(narrow_then_wide, hold_file=str(hold), max_workers=2)
    _wait_for(tmp_path / "hold.a")
    time.sleep(0.3)  # time enough for the driver to queue the wide step, if it would
    assert not (tmp_path / "hold.b").exists()
    assert "wide" not in _steps_of_running_pipeline(Client())
    hold.unlink()
    thread.join(60)
    [result] = done
    assert result.status == "FINISHED"  # type: ignore[attr-defined]


def test_fail_fast_ends_a_queued_step_as_killed(tmp_path: Path, hold: Path) -> None:
    thread, done = _run_in_thread(one_fails, hold_file=str(hold), max_workers=2, fail_fast=True)
    _wait_for(tmp_path / "hold.a")
    _wait_for(tmp_path / "hold.fails")
    client = Client()
    deadline = time.monotonic() + 30
    while "held-3" not in _steps_of_running_pipeline(client):
        assert time.monotonic() < deadline, "the third step was never queued"
        time.sleep(0.01)
    (tmp_path / "hold.fail").touch()
    thread.join(60)
    [result] = done
    assert result.status == "FAILED"  # type: ignore[attr-defined]
    statuses = {
        name: run.info.status.value for name, run in _steps_of_running_pipeline(client).items()
    }
    assert statuses == {
        "held": "FINISHED",
        "held-2": "KILLED",
        "fails_when_told": "FAILED",
        "held-3": "KILLED",
    }
    assert not (tmp_path / "hold.c").exists()


def test_a_step_is_not_queued_behind_one_that_ran_long(tmp_path: Path, hold: Path) -> None:
    thread, done = _run_in_thread(after_a_long_one, hold_file=str(hold), max_workers=1)
    _wait_for(tmp_path / "hold.a")
    time.sleep(0.3)  # time enough for the driver to queue the third step, if it would
    assert "pause-3" not in _steps_of_running_pipeline(Client())
    hold.unlink()
    thread.join(60)
    [result] = done
    assert result.status == "FINISHED"  # type: ignore[attr-defined]


def test_a_step_queued_behind_one_that_fails_and_retries_runs_and_so_does_the_retry(
    tmp_path: Path,
) -> None:
    result = one_retries.run(folder=str(tmp_path), executor="local", max_workers=1)
    assert result.status == "FINISHED"
    assert result.output == ["w", "a", "b"]
    assert [result.steps[n].attempts for n in ("fails_once", "fails_once-2", "fails_once-3")] == [
        1,
        2,
        1,
    ]
    runs = _steps_of_running_pipeline(Client())
    assert {run.info.status.value for run in runs.values()} == {"FINISHED"}
