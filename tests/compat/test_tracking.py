"""Fluent tracking calls of the mlflow client: experiments, runs, params, metrics, tags."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.data.numpy_dataset import from_numpy
from mlflow.entities import LoggedModelOutput

from runwright import Client, Experiment, LifecycleStage, RunStatus
from runwright.tracking.logged_models import LoggedModels
from tests.compat.helpers import assert_same_run, unique_name


def test_set_tracking_uri_points_the_client_at_the_server(mlflow_tracking: str) -> None:
    assert mlflow.get_tracking_uri() == mlflow_tracking
    assert MlflowClient().get_experiment("0").name == "Default"


def test_the_tracking_uri_can_come_from_the_environment(
    store: Client, mlflow_tracking: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_tracking)
    name = unique_name("from-env")

    experiment_id = mlflow.create_experiment(name)

    assert mlflow.get_tracking_uri() == mlflow_tracking
    assert store.get_experiment(experiment_id).name == name


def test_set_experiment_creates_the_experiment_in_the_store(store: Client) -> None:
    name = unique_name("set-experiment")

    created = mlflow.set_experiment(name)

    stored = store.get_experiment_by_name(name)
    assert stored is not None
    assert created.experiment_id == stored.experiment_id
    assert created.name == stored.name == name
    assert created.lifecycle_stage == stored.lifecycle_stage.value == "active"
    assert created.artifact_location == stored.artifact_location
    assert created.creation_time == stored.creation_time


def test_set_experiment_reuses_an_existing_experiment(store: Client) -> None:
    name = unique_name("existing")
    experiment_id = store.create_experiment(name)

    assert mlflow.set_experiment(name).experiment_id == experiment_id


def test_start_run_creates_a_running_run_in_the_experiment(
    store: Client, experiment: Experiment
) -> None:
    with mlflow.start_run(run_name="first") as run:
        stored = store.get_run(run.info.run_id)
        assert stored.info.status is RunStatus.RUNNING
        assert stored.info.experiment_id == experiment.experiment_id
        assert stored.info.run_name == "first"
        assert stored.data.tags["mlflow.runName"] == "first"
        assert stored.info.artifact_uri == (
            f"mlflow-artifacts:/{experiment.experiment_id}/{run.info.run_id}/artifacts"
        )
        assert_same_run(mlflow.get_run(run.info.run_id), stored)


def test_a_nested_run_records_its_parent(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as parent, mlflow.start_run(nested=True) as child:
        pass

    stored = store.get_run(child.info.run_id)
    assert stored.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert stored.parent_run_id == parent.info.run_id
    assert store.get_run(parent.info.run_id).parent_run_id is None


def test_end_run_stores_finished_and_an_end_time(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        pass

    stored = store.get_run(run.info.run_id)
    assert stored.info.status is RunStatus.FINISHED
    assert stored.info.end_time is not None
    assert stored.info.end_time >= stored.info.start_time
    assert_same_run(mlflow.get_run(run.info.run_id), stored)


def test_end_run_stores_the_status_given(store: Client, experiment: Experiment) -> None:
    run = mlflow.start_run()

    mlflow.end_run(status="KILLED")

    assert store.get_run(run.info.run_id).info.status is RunStatus.KILLED


def test_an_exception_inside_the_run_marks_it_failed(store: Client, experiment: Experiment) -> None:
    with pytest.raises(RuntimeError), mlflow.start_run() as run:
        raise RuntimeError("training blew up")

    assert store.get_run(run.info.run_id).info.status is RunStatus.FAILED


def test_log_param_and_log_params_store_string_values(
    store: Client, experiment: Experiment
) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"layers": 3, "optimizer": "adam", "dropout": None})

    stored = store.get_run(run.info.run_id)
    assert dict(stored.data.params) == {
        "alpha": "0.5",
        "layers": "3",
        "optimizer": "adam",
        "dropout": "None",
    }
    assert_same_run(mlflow.get_run(run.info.run_id), stored)


def test_relogging_a_param_with_the_same_value_is_accepted(
    store: Client, experiment: Experiment
) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("seed", 7)
        mlflow.log_param("seed", 7)

    assert store.get_run(run.info.run_id).data.params["seed"] == "7"


def test_log_metric_with_steps_stores_the_history_in_order(
    store: Client, experiment: Experiment
) -> None:
    values = [0.9, 0.7, 0.4, 0.41, 0.2]
    with mlflow.start_run() as run:
        for step, value in enumerate(values):
            mlflow.log_metric("loss", value, step=step)

    history = store.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == list(enumerate(values))
    seen = MlflowClient().get_metric_history(run.info.run_id, "loss")
    assert [(m.key, m.value, m.step, m.timestamp) for m in seen] == [
        (m.key, m.value, m.step, m.timestamp) for m in history
    ]


def test_log_metric_keeps_explicit_timestamps(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("lr", 0.1, step=0, timestamp=1_700_000_000_000)
        mlflow.log_metric("lr", 0.01, step=1, timestamp=1_700_000_000_500)

    history = store.get_metric_history(run.info.run_id, "lr")
    assert [(m.timestamp, m.step, m.value) for m in history] == [
        (1_700_000_000_000, 0, 0.1),
        (1_700_000_000_500, 1, 0.01),
    ]


def test_log_metrics_stores_every_key_at_the_step(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metrics({"acc": 0.5, "f1": 0.25}, step=1)
        mlflow.log_metrics({"acc": 0.75, "f1": 0.5}, step=2)

    stored = store.get_run(run.info.run_id)
    assert dict(stored.data.metrics) == {"acc": 0.75, "f1": 0.5}
    for key, expected in {"acc": [0.5, 0.75], "f1": [0.25, 0.5]}.items():
        history = store.get_metric_history(run.info.run_id, key)
        assert [(m.step, m.value) for m in history] == [(1, expected[0]), (2, expected[1])]
    assert_same_run(mlflow.get_run(run.info.run_id), stored)


def test_non_finite_metric_values_round_trip(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("diverged", float("inf"))
        mlflow.log_metric("undefined", float("nan"))

    seen = mlflow.get_run(run.info.run_id).data.metrics
    stored = store.get_run(run.info.run_id).data.metrics
    assert seen["diverged"] == stored["diverged"] == float("inf")
    assert seen["undefined"] != seen["undefined"]
    assert stored["undefined"] != stored["undefined"]


def test_the_run_shows_the_value_at_the_highest_step(store: Client, experiment: Experiment) -> None:
    # MLflow's SQL store ranks points by (step, timestamp, value), not by time alone.
    with mlflow.start_run() as run:
        mlflow.log_metric("score", 1.0, step=5, timestamp=2_000)
        mlflow.log_metric("score", 2.0, step=1, timestamp=3_000)
        mlflow.log_metric("score", 3.0, step=5, timestamp=1_000)

    assert store.get_run(run.info.run_id).data.metrics["score"] == 1.0
    assert mlflow.get_run(run.info.run_id).data.metrics["score"] == 1.0


def test_metric_history_comes_back_in_time_order(store: Client, experiment: Experiment) -> None:
    # MLflow's server orders a history by (timestamp, step, value), not by step.
    with mlflow.start_run() as run:
        mlflow.log_metric("score", 1.0, step=5, timestamp=2_000)
        mlflow.log_metric("score", 2.0, step=1, timestamp=3_000)
        mlflow.log_metric("score", 3.0, step=3, timestamp=1_000)

    expected = [(1_000, 3, 3.0), (2_000, 5, 1.0), (3_000, 1, 2.0)]
    seen = MlflowClient().get_metric_history(run.info.run_id, "score")
    assert [(m.timestamp, m.step, m.value) for m in seen] == expected
    stored = store.get_metric_history(run.info.run_id, "score")
    assert [(m.timestamp, m.step, m.value) for m in stored] == expected


def test_a_metric_logged_on_a_model_goes_to_the_run_and_the_model(
    store: Client, experiment: Experiment
) -> None:
    dataset = from_numpy(np.array([[1.0, 2.0], [3.0, 4.0]]), name="holdout")
    with mlflow.start_run() as run:
        model = mlflow.initialize_logged_model(name="clf")
        mlflow.log_metric("accuracy", 0.9, step=1, timestamp=1_000, model_id=model.model_id)
        mlflow.log_metrics(
            {"f1": 0.8}, step=2, timestamp=2_000, model_id=model.model_id, dataset=dataset
        )

    seen = mlflow.get_logged_model(model.model_id).metrics or []
    assert sorted(
        (m.key, m.value, m.timestamp, m.step, m.run_id, m.dataset_name, m.dataset_digest)
        for m in seen
    ) == [
        ("accuracy", 0.9, 1_000, 1, run.info.run_id, None, None),
        ("f1", 0.8, 2_000, 2, run.info.run_id, "holdout", dataset.digest),
    ]
    assert {m.model_id for m in seen} == {model.model_id}
    stored = LoggedModels(store).get_logged_model(model.model_id).metrics
    assert sorted((m.key, m.value) for m in stored) == [("accuracy", 0.9), ("f1", 0.8)]
    assert dict(store.get_run(run.info.run_id).data.metrics) == {"accuracy": 0.9, "f1": 0.8}


def test_a_metric_at_the_step_of_a_run_output_goes_to_that_model(
    store: Client, experiment: Experiment
) -> None:
    # The client tags a metric with the models the run output at the metric's step,
    # which it reads from runs/get when given the run's id.
    with mlflow.start_run() as run:
        model = mlflow.initialize_logged_model(name="clf", source_run_id=run.info.run_id)
        MlflowClient().log_outputs(run.info.run_id, [LoggedModelOutput(model.model_id, step=0)])
        mlflow.log_metric("accuracy", 0.75, run_id=run.info.run_id)
        mlflow.log_metric("accuracy", 0.5, step=3, run_id=run.info.run_id)

    seen = mlflow.get_logged_model(model.model_id).metrics or []
    assert [(m.key, m.value, m.step) for m in seen] == [("accuracy", 0.75, 0)]
    history = store.get_metric_history(run.info.run_id, "accuracy")
    assert [(m.step, m.value) for m in history] == [(0, 0.75), (3, 0.5)]


def test_set_tag_and_set_tags_store_and_overwrite(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"team": "nlp", "priority": 1})

    stored = store.get_run(run.info.run_id)
    assert stored.data.tags["team"] == "nlp"
    assert stored.data.tags["priority"] == "1"
    assert_same_run(mlflow.get_run(run.info.run_id), stored)


def test_the_client_sets_mlflow_system_tags(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        pass

    tags = store.get_run(run.info.run_id).data.tags
    assert tags["mlflow.user"] == run.info.user_id
    assert "mlflow.source.name" in tags
    assert tags["mlflow.source.type"] == "LOCAL"


def test_delete_tag_removes_it(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.set_tag("temporary", "yes")
        mlflow.delete_tag("temporary")

    assert "temporary" not in store.get_run(run.info.run_id).data.tags


def test_set_terminated_and_rename_through_the_client(
    store: Client, experiment: Experiment
) -> None:
    client = MlflowClient()
    run = client.create_run(experiment.experiment_id, run_name="before")

    client.update_run(run.info.run_id, name="after")
    client.set_terminated(run.info.run_id, status="FAILED", end_time=1_800_000_000_000)

    stored = store.get_run(run.info.run_id)
    assert stored.info.run_name == "after"
    assert stored.data.tags["mlflow.runName"] == "after"
    assert stored.info.status is RunStatus.FAILED
    assert stored.info.end_time == 1_800_000_000_000
    assert stored.info.lifecycle_stage is LifecycleStage.ACTIVE
    assert_same_run(client.get_run(run.info.run_id), stored)


def test_asynchronous_logging_lands_when_the_run_ends(
    store: Client, experiment: Experiment
) -> None:
    with mlflow.start_run() as run:
        for step in range(20):
            mlflow.log_metric("async_loss", 1.0 / (step + 1), step=step, synchronous=False)
        mlflow.log_param("mode", "async", synchronous=False)

    history = store.get_metric_history(run.info.run_id, "async_loss")
    assert [(m.step, m.value) for m in history] == [(s, 1.0 / (s + 1)) for s in range(20)]
    assert store.get_run(run.info.run_id).data.params["mode"] == "async"


def test_resuming_a_finished_run_sets_it_running_again(
    store: Client, experiment: Experiment
) -> None:
    with mlflow.start_run() as first:
        mlflow.log_metric("epoch_loss", 0.5, step=0)

    with mlflow.start_run(run_id=first.info.run_id):
        running = store.get_run(first.info.run_id).info.status
        mlflow.log_metric("epoch_loss", 0.25, step=1)

    assert running is RunStatus.RUNNING
    stored = store.get_run(first.info.run_id)
    assert stored.info.status is RunStatus.FINISHED
    assert [m.value for m in store.get_metric_history(first.info.run_id, "epoch_loss")] == [
        0.5,
        0.25,
    ]


def test_metric_keys_with_slashes_and_an_unlogged_key(
    store: Client, experiment: Experiment
) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("train/loss", 0.3)
        mlflow.log_param("optimizer/name", "sgd")

    assert store.get_run(run.info.run_id).data.metrics == {"train/loss": 0.3}
    assert store.get_run(run.info.run_id).data.params == {"optimizer/name": "sgd"}
    seen = MlflowClient().get_metric_history(run.info.run_id, "train/loss")
    assert [m.value for m in seen] == [0.3]
    assert MlflowClient().get_metric_history(run.info.run_id, "never-logged") == []
