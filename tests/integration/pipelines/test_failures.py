"""Retries, timeouts, failure propagation and fail_fast."""

from __future__ import annotations

import time

import pytest

import runwright as rw
from runwright.pipelines.result import StepState
from runwright.tracking.client import Client
from tests.integration.pipelines import defs


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_flaky_step_succeeds_on_a_retry(journal: str, executor: str) -> None:
    result = defs.retrying.run(journal=journal, fail_times=2, executor=executor)
    assert result.status == "FINISHED"
    assert result.output == "ok"
    assert result.steps["flaky"].attempts == 3
    run = Client().get_run(result.steps["flaky"].run_id)
    assert run.data.tags["runwright.step.attempts"] == "3"


def test_a_step_out_of_retries_fails_the_pipeline_with_its_traceback(journal: str) -> None:
    result = defs.retrying.run(journal=journal, fail_times=5, executor="inline")
    assert result.status == "FAILED"
    step = result.steps["flaky"]
    assert step.state is StepState.FAILED
    assert step.attempts == 3
    assert step.error == "RuntimeError: not yet"
    client = Client()
    run = client.get_run(step.run_id)
    assert run.info.status.value == "FAILED"
    assert run.data.tags["runwright.step.error"] == "RuntimeError: not yet"
    traceback = client.artifact_repository(step.run_id).read_bytes("logs/traceback.txt").decode()
    assert traceback.count("RuntimeError: not yet") == 3
    assert 'raise RuntimeError("not yet")' in traceback
    assert client.get_run(result.run_id).info.status.value == "FAILED"
    with pytest.raises(rw.PipelineFailedError, match="failed steps: flaky"):
        _ = result.output


def test_retries_wait_longer_each_time(journal: str) -> None:
    @rw.step(retries=2, retry_delay=0.2, retry_backoff=2.0)
    def always_fails(journal: str) -> None:
        defs.note(journal, str(time.monotonic()))
        raise RuntimeError("no")

    @rw.pipeline
    def backing_off():
        return always_fails(journal)

    backing_off.run(executor="inline")
    times = [float(t) for t in defs.executions(journal)]
    assert times[1] - times[0] >= 0.2
    assert times[2] - times[1] >= 0.4


def test_downstream_steps_are_skipped_and_independent_ones_finish(journal: str) -> None:
    result = defs.failing.run(journal=journal, executor="inline")
    states = {node: s.state for node, s in result.steps.items()}
    assert states == {
        "load": StepState.DONE,
        "explode": StepState.FAILED,
        "slow_branch": StepState.DONE,
        "after_explode": StepState.SKIPPED,
    }
    assert result.status == "FAILED"
    assert "after_explode" not in defs.executions(journal)


def test_fail_fast_stops_the_running_branches(journal: str) -> None:
    started = time.monotonic()
    result = defs.failing.run(journal=journal, seconds=60, executor="local", fail_fast=True)
    assert time.monotonic() - started < 30
    assert result.steps["explode"].state is StepState.FAILED
    assert result.steps["slow_branch"].state in (StepState.KILLED, StepState.SKIPPED)
    assert result.status == "FAILED"
    if result.steps["slow_branch"].run_id is not None:
        run = Client().get_run(result.steps["slow_branch"].run_id)
        assert run.info.status.value == "KILLED"


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_step_past_its_timeout_is_stopped(journal: str, executor: str) -> None:
    started = time.monotonic()
    result = defs.sleeping.run(journal=journal, seconds=30, executor=executor)
    assert time.monotonic() - started < 20
    step = result.steps["sleepy"]
    assert step.state is StepState.FAILED
    assert step.error is not None and "timeout of 1 s" in step.error


def test_an_inline_timeout_works_when_the_pipeline_runs_in_another_thread(journal: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(
            defs.spinning_pipeline.run, journal=journal, seconds=30, executor="inline"
        ).result()
    assert time.monotonic() - started < 20
    step = result.steps["spinning"]
    assert step.state is StepState.FAILED
    assert step.error == "the step ran longer than its timeout of 1 s"


def test_a_step_done_before_its_timeout_in_another_thread_is_left_alone(journal: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def run_then_linger() -> str:
        result = defs.spinning_pipeline.run(journal=journal, seconds=0.0, executor="inline")
        time.sleep(1.5)  # past the step's 1 s deadline: nothing may be raised here now
        return str(result.output)

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(run_then_linger).result() == "spun"


def test_a_worker_process_that_dies_fails_its_step(journal: str) -> None:
    @rw.step
    def dies() -> None:
        import os

        os._exit(3)

    @rw.pipeline
    def dying():
        return dies()

    result = dying.run(executor="local")
    assert result.steps["dies"].state is StepState.FAILED
    assert "exit code 3" in (result.steps["dies"].error or "")
