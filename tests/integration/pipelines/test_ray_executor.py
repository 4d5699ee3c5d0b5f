"""Pipelines on a real local Ray instance: same outputs as inline, tracked step runs,
Ray resources, retries and timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runwright.pipelines.result import PipelineResult, StepState
from runwright.tracking.client import Client
from tests.fixtures.rest_server import InProcessServer
from tests.integration.pipelines import ray_pipeline_defs as defs

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[None]:
    """A local Ray instance for the module; the executor finds it already initialised.

    Ray gives its workers the driver's working directory at ``ray.init`` (and the
    script's folder), not the driver's ``sys.path``: pytest's entry point is not in
    the repository, and the suite moves each test into a temporary folder, so workers
    could not import ``tests.…`` unless pytest happened to start in the repository
    root. The root therefore goes on the workers' PYTHONPATH through the job's runtime
    environment (lighter than a ``working_dir``, which would upload the repository).
    """
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(REPO_ROOT)}},
    )
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def fan_out_run(
    ray_instance: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[PipelineResult, str]:
    """One run of the fan-out/fan-in pipeline on Ray, shared by the tests that read it."""
    tracking_uri = str(tmp_path_factory.mktemp("ray-fan-out") / "store")
    result = defs.fan_out_in.run(
        executor="ray", tracking_uri=tracking_uri, items=[1, 2, 3], offset=10
    )
    return result, tracking_uri


def step_runs(result: PipelineResult, tracking_uri: str) -> dict[str, Any]:
    client = Client(tracking_uri)
    experiment_id = client.get_run(result.run_id).info.experiment_id
    runs = client.search_runs(
        [experiment_id], filter_string=f"tags.`runwright.pipeline.run_id` = '{result.run_id}'"
    )
    return {run.info.run_name: run for run in runs}


def test_a_pipeline_on_ray_gives_the_inline_executors_output(
    fan_out_run: tuple[PipelineResult, str], tmp_path: Path
) -> None:
    on_ray, _uri = fan_out_run
    inline = defs.fan_out_in.run(
        executor="inline", tracking_uri=str(tmp_path / "inline-store"), items=[1, 2, 3], offset=10
    )
    assert on_ray.status == "FINISHED"
    assert {step.state for step in on_ray.steps.values()} == {StepState.DONE}
    assert on_ray.output == inline.output == {"total": 24, "squares": [1, 4, 9]}


def test_a_map_over_a_list_computed_on_ray_gives_the_inline_executors_output(
    ray_instance: None, tmp_path: Path
) -> None:
    on_ray = defs.computed_fan_out.run(
        executor="ray", tracking_uri=str(tmp_path / "ray-store"), n=3, offset=10
    )
    inline = defs.computed_fan_out.run(
        executor="inline", tracking_uri=str(tmp_path / "inline-store"), n=3, offset=10
    )
    assert on_ray.status == "FINISHED"
    assert sorted(on_ray.steps) == ["count_to", "square[0]", "square[1]", "square[2]", "summarize"]
    assert on_ray.output == inline.output == {"total": 24, "squares": [1, 4, 9]}


def test_every_step_on_ray_is_a_tracked_run_with_what_it_logged(
    fan_out_run: tuple[PipelineResult, str],
) -> None:
    result, tracking_uri = fan_out_run
    runs = step_runs(result, tracking_uri)
    assert sorted(runs) == ["square[0]", "square[1]", "square[2]", "summarize"]
    assert {run.info.status.value for run in runs.values()} == {"FINISHED"}
    assert runs["summarize"].data.metrics["total"] == 24.0
    assert runs["summarize"].info.run_id == result.steps["summarize"].run_id
    pipeline_run = Client(tracking_uri).get_run(result.run_id)
    assert pipeline_run.data.tags["runwright.pipeline.executor"] == "ray"


def test_step_resources_become_the_ray_tasks_resources(
    fan_out_run: tuple[PipelineResult, str],
) -> None:
    result, tracking_uri = fan_out_run
    cpus = {
        name: run.data.tags["ray.cpus"] for name, run in step_runs(result, tracking_uri).items()
    }
    assert cpus == {"square[0]": "0.5", "square[1]": "0.5", "square[2]": "0.5", "summarize": "1.0"}


def test_a_failing_step_is_retried_on_ray_then_fails_the_pipeline(
    ray_instance: None, tmp_path: Path
) -> None:
    journal = str(tmp_path / "journal.txt")
    tracking_uri = str(tmp_path / "store")
    result = defs.failing.run(executor="ray", tracking_uri=tracking_uri, journal=journal)
    step = result.steps["always_fails"]
    assert result.status == "FAILED"
    assert step.state is StepState.FAILED
    assert step.attempts == 2
    assert Path(journal).read_text(encoding="utf-8").split() == ["attempt", "attempt"]
    assert "RuntimeError: broken on purpose" in (step.error or "")
    run = Client(tracking_uri).get_run(step.run_id or "")
    assert run.info.status.value == "FAILED"
    assert run.data.tags["runwright.step.attempts"] == "2"


def test_a_step_past_its_timeout_is_stopped_on_ray(ray_instance: None, tmp_path: Path) -> None:
    started = time.monotonic()
    result = defs.sleeping.run(executor="ray", tracking_uri=str(tmp_path / "store"), seconds=30.0)
    waited = time.monotonic() - started
    step = result.steps["oversleeps"]
    assert result.status == "FAILED"
    assert step.state is StepState.FAILED
    assert "timeout of 1 s" in (step.error or "")
    # Not a timing check: a step left to run would hold the pipeline for its full 30 s.
    assert waited < 20


def test_a_step_waiting_for_ray_cpus_is_not_charged_the_wait_against_its_timeout(
    ray_instance: None, tmp_path: Path
) -> None:
    # Each step takes both CPUs, so they run one after another: the last waits about
    # 3 s for its turn, then runs 1.5 s of its 3 s timeout.
    result = defs.queued.run(
        executor="ray", tracking_uri=str(tmp_path / "store"), indexes=[0, 1, 2], seconds=1.5
    )
    assert result.status == "FINISHED", {n: s.error for n, s in result.steps.items()}
    assert result.output == [0, 1, 2]


def test_a_pipeline_on_ray_records_to_a_tracking_server(
    fan_out_run: tuple[PipelineResult, str], rest_server: InProcessServer
) -> None:
    """Ray's workers reach the server alone: step runs through its REST API, outputs
    through its artifact proxy."""
    result = defs.fan_out_in.run(
        executor="ray", tracking_uri=rest_server.url, items=[1, 2, 3], offset=10
    )
    assert result.status == "FINISHED"
    assert result.output == fan_out_run[0].output
    refs = [ref for step in result.steps.values() for ref in step.outputs.values()]
    assert refs and all(ref.uri.startswith(rest_server.url) for ref in refs)
    runs = step_runs(result, rest_server.url)
    assert len(runs) == len(result.steps)
    assert {run.info.status.value for run in runs.values()} == {"FINISHED"}
