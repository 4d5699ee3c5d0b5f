"""A pipeline run end to end on the embedded store: runs, params, outputs, logs."""

from __future__ import annotations

import runwright as rw
from runwright.pipelines.result import StepState
from runwright.tracking.client import Client
from tests.integration.pipelines import defs


def test_a_pipeline_returns_its_output_and_every_step_is_done(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    assert result.status == "FINISHED"
    assert result.output == {"best": 2 * 10.0 * 10, "count": 3.0}
    assert {s.state for s in result.steps.values()} == {StepState.DONE}
    assert sorted(defs.executions(journal)) == [
        "load",
        "pick",
        "train:0.1",
        "train:1.0",
        "train:10.0",
    ]


def test_the_pipeline_and_each_step_are_tracked_runs(journal: str) -> None:
    result = defs.training.run(journal=journal, n=3, executor="inline")
    client = Client()
    pipeline_run = client.get_run(result.run_id)
    assert pipeline_run.data.tags["runwright.run.type"] == "pipeline"
    assert pipeline_run.data.params["n"] == "3"
    assert pipeline_run.info.status.value == "FINISHED"
    steps = client.search_runs(
        [pipeline_run.info.experiment_id],
        filter_string=f"tags.`runwright.pipeline.run_id` = '{result.run_id}'",
    )
    assert sorted(r.info.run_name for r in steps) == [
        "load",
        "pick",
        "train[0]",
        "train[1]",
        "train[2]",
    ]
    train_run = client.get_run(result.steps["train[2]"].run_id)
    assert train_run.data.tags["mlflow.parentRunId"] == result.run_id
    assert train_run.data.params == {"c": "10.0", "journal": journal}
    assert train_run.data.metrics["train_score"] == 30.0
    assert train_run.info.status.value == "FINISHED"


def test_pipeline_runs_are_found_with_the_fluent_search(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    found = rw.search_runs(
        filter_string="tags.`runwright.run.type` = 'pipeline'", output_format="list"
    )
    assert [r.info.run_id for r in found] == [result.run_id]


def test_outputs_are_content_hashed_artifacts_of_the_step_run(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    ref = result.steps["load"].outputs["output"]
    assert ref.serializer == "json"
    assert ref.producer_run_id == result.steps["load"].run_id
    assert len(ref.content_hash) == 64
    names = [f.path for f in Client().list_artifacts(ref.producer_run_id, "outputs")]
    assert names == ["outputs/output.json"]
    assert rw.pipelines.load_output(ref) == [0, 1, 2, 3, 4]


def test_captured_stdout_is_kept_with_the_step_run(journal: str) -> None:
    result = defs.training.run(journal=journal, n=7, executor="inline")
    client = Client()
    stdout = client.artifact_repository(result.steps["load"].run_id).read_bytes("logs/stdout.txt")
    assert stdout.decode() == "loading 7 rows\n"


def test_a_pipeline_run_nests_under_an_active_run(journal: str) -> None:
    with rw.start_run() as parent:
        result = defs.training.run(journal=journal, executor="inline")
    assert Client().get_run(result.run_id).data.tags["mlflow.parentRunId"] == parent.run_id


def test_a_named_experiment_receives_the_runs(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline", experiment="pipes")
    experiment = Client().get_experiment_by_name("pipes")
    assert experiment is not None
    assert Client().get_run(result.run_id).info.experiment_id == experiment.experiment_id


def test_several_outputs_are_stored_apart_and_rejoined(journal: str) -> None:
    from tests.unit.pipelines.test_tracing import load, split

    @rw.pipeline
    def splitting():
        return split(load(6))

    result = splitting.run(executor="inline")
    assert set(result.steps["split"].outputs) == {"0", "1"}
    assert result.output == ([0, 2, 4], [1, 3, 5])


def test_pipelines_run_resume_and_cache_on_every_sql_backend(
    journal: str, sql_tracking_uri: str
) -> None:
    first = defs.failing.run(journal=journal, executor="inline", tracking_uri=sql_tracking_uri)
    assert first.status == "FAILED"
    resumed = rw.pipelines.resume(first.run_id, tracking_uri=sql_tracking_uri)
    assert resumed.steps["load"].run_id == first.steps["load"].run_id
    cached = defs.training.run(journal=journal, executor="inline", tracking_uri=sql_tracking_uri)
    again = defs.training.run(journal=journal, executor="inline", tracking_uri=sql_tracking_uri)
    assert {s.state for s in again.steps.values()} == {StepState.CACHED}
    assert again.output == cached.output
    lineage = rw.pipelines.lineage(cached.steps["pick"].run_id, tracking_uri=sql_tracking_uri)
    assert cached.steps["load"].run_id in lineage.upstream_runs


def test_a_listener_hears_of_each_step_once_it_is_recorded(journal: str) -> None:
    from runwright.pipelines.driver import StepEvent

    client = Client()
    seen: list[tuple[str, str, str]] = []

    def listen(event: StepEvent) -> None:
        if event.run_id is not None:  # the store is readable from here, and up to date
            seen.append(
                (event.node_id, event.state.value, client.get_run(event.run_id).info.status.value)
            )

    defs.training.run(journal=journal, executor="inline", on_event=listen)
    assert ("load", "running", "RUNNING") in seen
    assert ("load", "done", "FINISHED") in seen
    assert ("pick", "done", "FINISHED") in seen
    assert len([s for s in seen if s[1] == "done"]) == 5
