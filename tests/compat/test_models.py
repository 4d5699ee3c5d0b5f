"""scikit-learn models: `log_model` then `pyfunc.load_model`, and autologging."""

from __future__ import annotations

from collections.abc import Iterator

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from runwright import Client, Experiment, RunStatus
from runwright.tracking.logged_models import LoggedModels

# Naming the requirements skips mlflow's inference of them, which runs a subprocess.
REQUIREMENTS = ["scikit-learn", "pandas"]


@pytest.fixture
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    labels = (frame["a"] + 0.5 * frame["b"] > 0).astype(int).to_numpy()
    return frame, labels


@pytest.fixture
def fitted(data: tuple[pd.DataFrame, np.ndarray]) -> LogisticRegression:
    frame, labels = data
    return LogisticRegression(C=0.5, max_iter=200).fit(frame, labels)


def test_log_model_then_load_model_predicts_the_same(
    store: Client,
    experiment: Experiment,
    data: tuple[pd.DataFrame, np.ndarray],
    fitted: LogisticRegression,
) -> None:
    frame, _ = data
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            fitted, name="model", pip_requirements=REQUIREMENTS, input_example=frame.head(3)
        )

    loaded = mlflow.pyfunc.load_model(info.model_uri)

    assert info.run_id == run.info.run_id
    np.testing.assert_array_equal(np.asarray(loaded.predict(frame)), fitted.predict(frame))
    seen = mlflow.get_logged_model(info.model_id)
    stored = LoggedModels(store).get_logged_model(info.model_id)
    assert seen.status == stored.status.value == "READY"
    assert seen.source_run_id == stored.source_run_id == run.info.run_id
    assert seen.experiment_id == stored.experiment_id == experiment.experiment_id
    assert seen.name == stored.name == "model"
    assert seen.artifact_location == stored.artifact_location
    # The model's files are in the store's artifact area, where the proxy put them.
    files = LoggedModels(store).list_artifacts(info.model_id)
    assert {"MLmodel", "requirements.txt", "python_env.yaml"} <= {f.path for f in files}
    assert store.get_run(run.info.run_id).info.status is RunStatus.FINISHED


def test_a_model_logged_in_a_run_loads_by_its_runs_uri(
    experiment: Experiment,
    data: tuple[pd.DataFrame, np.ndarray],
    fitted: LogisticRegression,
) -> None:
    frame, _ = data
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(fitted, name="clf", pip_requirements=REQUIREMENTS)

    loaded = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/clf")

    np.testing.assert_array_equal(loaded.predict(frame), fitted.predict(frame))


def test_the_run_lists_the_model_as_an_output(
    store: Client, experiment: Experiment, fitted: LogisticRegression
) -> None:
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(fitted, name="out", pip_requirements=REQUIREMENTS)

    seen = mlflow.get_run(run.info.run_id).outputs
    [found] = MlflowClient().search_runs([experiment.experiment_id])

    stored = LoggedModels(store).get_run_outputs(run.info.run_id)
    assert [(o.model_id, o.step) for o in stored] == [(info.model_id, 0)]
    assert seen is not None
    assert [(o.model_id, o.step) for o in seen.model_outputs] == [(info.model_id, 0)]
    assert found.outputs is not None
    assert [o.model_id for o in found.outputs.model_outputs] == [info.model_id]


@pytest.fixture
def sklearn_autolog() -> Iterator[None]:
    mlflow.sklearn.autolog(log_models=False, silent=True)
    yield
    mlflow.sklearn.autolog(disable=True)


@pytest.mark.usefixtures("sklearn_autolog")
def test_autolog_records_params_and_metrics_of_a_fit(
    store: Client, experiment: Experiment, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    frame, labels = data

    model = LogisticRegression(C=0.25, max_iter=150).fit(frame, labels)

    run = mlflow.last_active_run()
    assert run is not None
    stored = store.get_run(run.info.run_id)
    assert stored.info.experiment_id == experiment.experiment_id
    assert stored.info.status is RunStatus.FINISHED
    assert stored.data.params["C"] == "0.25"
    assert stored.data.params["max_iter"] == "150"
    assert stored.data.tags["estimator_name"] == "LogisticRegression"
    accuracy = stored.data.metrics["training_accuracy_score"]
    # Not model.score: autologging would record that call as one more metric.
    assert accuracy == pytest.approx(accuracy_score(labels, model.predict(frame)))
    assert {"training_f1_score", "training_log_loss"} <= set(stored.data.metrics)
    assert mlflow.get_run(run.info.run_id).data.metrics == dict(stored.data.metrics)
