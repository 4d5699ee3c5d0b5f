"""Deleting, restoring and renaming runs and experiments; experiment tags."""

from __future__ import annotations

import mlflow
from mlflow import MlflowClient
from mlflow.entities import ViewType

from runwright import Client, Experiment, LifecycleStage
from tests.compat.helpers import unique_name


def test_delete_and_restore_a_run(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        pass
    client = MlflowClient()

    client.delete_run(run.info.run_id)
    deleted = store.get_run(run.info.run_id).info.lifecycle_stage
    seen_deleted = client.get_run(run.info.run_id).info.lifecycle_stage
    client.restore_run(run.info.run_id)

    assert deleted is LifecycleStage.DELETED
    assert seen_deleted == "deleted"
    assert store.get_run(run.info.run_id).info.lifecycle_stage is LifecycleStage.ACTIVE


def test_delete_and_restore_an_experiment(store: Client, experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        pass
    client = MlflowClient()

    client.delete_experiment(experiment.experiment_id)
    stored_experiment = store.get_experiment(experiment.experiment_id)
    stored_run = store.get_run(run.info.run_id)
    listed = mlflow.search_experiments(
        view_type=ViewType.DELETED_ONLY, filter_string=f"name = '{experiment.name}'"
    )
    client.restore_experiment(experiment.experiment_id)

    assert stored_experiment.lifecycle_stage is LifecycleStage.DELETED
    assert stored_run.info.lifecycle_stage is LifecycleStage.DELETED
    assert [e.experiment_id for e in listed] == [experiment.experiment_id]
    assert store.get_experiment(experiment.experiment_id).lifecycle_stage is LifecycleStage.ACTIVE
    assert store.get_run(run.info.run_id).info.lifecycle_stage is LifecycleStage.ACTIVE
    assert client.get_experiment(experiment.experiment_id).lifecycle_stage == "active"


def test_a_deleted_experiment_is_still_found_by_id(experiment: Experiment) -> None:
    client = MlflowClient()
    client.delete_experiment(experiment.experiment_id)

    seen = client.get_experiment(experiment.experiment_id)

    assert seen.lifecycle_stage == "deleted"
    assert seen.name == experiment.name


def test_rename_an_experiment(store: Client, experiment: Experiment) -> None:
    new_name = unique_name("renamed")

    MlflowClient().rename_experiment(experiment.experiment_id, new_name)

    assert store.get_experiment(experiment.experiment_id).name == new_name
    renamed = mlflow.get_experiment_by_name(new_name)
    assert renamed is not None
    assert renamed.experiment_id == experiment.experiment_id
    assert mlflow.get_experiment_by_name(experiment.name) is None


def test_set_and_delete_experiment_tags(store: Client, experiment: Experiment) -> None:
    client = MlflowClient()

    mlflow.set_experiment_tag("owner", "ml-team")
    mlflow.set_experiment_tags({"stage": "dev", "quarter": 3})
    client.set_experiment_tag(experiment.experiment_id, "stage", "prod")
    client.delete_experiment_tag(experiment.experiment_id, "quarter")

    stored = store.get_experiment(experiment.experiment_id)
    assert dict(stored.tags) == {"owner": "ml-team", "stage": "prod"}
    assert client.get_experiment(experiment.experiment_id).tags == dict(stored.tags)


def test_create_experiment_with_tags(store: Client) -> None:
    name = unique_name("tagged")

    experiment_id = mlflow.create_experiment(name, tags={"purpose": "compat"})

    stored = store.get_experiment(experiment_id)
    assert stored.name == name
    assert dict(stored.tags) == {"purpose": "compat"}
    assert stored.artifact_location == f"mlflow-artifacts:/{experiment_id}"
    assert mlflow.get_experiment(experiment_id).tags == {"purpose": "compat"}
