"""Errors reach the mlflow client as `MlflowException`s with MLflow's own error codes."""

from __future__ import annotations

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from runwright import Client, Experiment


def test_an_unknown_run_is_resource_does_not_exist() -> None:
    with pytest.raises(MlflowException) as caught:
        MlflowClient().get_run("0" * 32)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_logging_to_an_unknown_run_is_resource_does_not_exist() -> None:
    with pytest.raises(MlflowException) as caught:
        MlflowClient().log_param("f" * 32, "alpha", "1")

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_an_unknown_experiment_is_resource_does_not_exist() -> None:
    with pytest.raises(MlflowException) as caught:
        MlflowClient().get_experiment("987654321")

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_an_unknown_experiment_name_is_none() -> None:
    assert mlflow.get_experiment_by_name("compat-no-such-experiment-name") is None


def test_a_duplicate_experiment_name_is_resource_already_exists(experiment: Experiment) -> None:
    with pytest.raises(MlflowException) as caught:
        mlflow.create_experiment(experiment.name)

    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_changing_a_param_is_invalid_parameter_value(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.1)
        with pytest.raises(MlflowException) as caught:
            mlflow.log_param("lr", 0.2)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert store.get_run(run.info.run_id).data.params["lr"] == "0.1"


def test_changing_a_param_in_a_batch_is_invalid_parameter_value(experiment: Experiment) -> None:
    with mlflow.start_run():
        mlflow.log_params({"depth": 3})
        with pytest.raises(MlflowException) as caught:
            mlflow.log_params({"depth": 4, "width": 8})

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_writing_to_a_deleted_run_is_invalid_parameter_value(experiment: Experiment) -> None:
    client = MlflowClient()
    run = client.create_run(experiment.experiment_id)
    client.delete_run(run.info.run_id)

    with pytest.raises(MlflowException) as caught:
        client.log_metric(run.info.run_id, "loss", 1.0)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_a_bad_search_filter_is_invalid_parameter_value(experiment: Experiment) -> None:
    with pytest.raises(MlflowException) as caught:
        MlflowClient().search_runs([experiment.experiment_id], "metrics.loss ~ 3")

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_setting_a_deleted_experiment_is_refused(experiment: Experiment) -> None:
    MlflowClient().delete_experiment(experiment.experiment_id)

    with pytest.raises(MlflowException) as caught:
        mlflow.set_experiment(experiment.name)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_reusing_a_deleted_experiments_name_is_resource_already_exists(
    experiment: Experiment,
) -> None:
    MlflowClient().delete_experiment(experiment.experiment_id)

    with pytest.raises(MlflowException) as caught:
        mlflow.create_experiment(experiment.name)

    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
