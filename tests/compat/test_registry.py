"""The model registry through the unmodified mlflow client, against the live server:
registering, aliases, stages, search, rename, delete, tags, errors, and loading a model
by `models:/name@alias`."""

from __future__ import annotations

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LogisticRegression

from runwright import Client, Experiment
from runwright.registry import Registry
from runwright.tracking.logged_models import LoggedModels
from tests.compat.helpers import unique_name

# Stages are deprecated in MLflow 2.9 but still served, so they are tested here.
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated since 2.9.0:FutureWarning")

# Naming the requirements skips mlflow's inference of them, which runs a subprocess.
REQUIREMENTS = ["scikit-learn", "pandas"]


@pytest.fixture
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    labels = (frame["a"] - frame["c"] > 0).astype(int).to_numpy()
    return frame, labels


@pytest.fixture
def fitted(data: tuple[pd.DataFrame, np.ndarray]) -> LogisticRegression:
    frame, labels = data
    return LogisticRegression(max_iter=200).fit(frame, labels)


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A registered model name no other test (or earlier session) uses."""
    return unique_name(request.node.name)


def _log_model(fitted: LogisticRegression) -> tuple[str, str]:
    """(run id, model id) of a scikit-learn model logged in a new run."""
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(fitted, name="model", pip_requirements=REQUIREMENTS)
    return run.info.run_id, info.model_id


def _register(name: str, count: int) -> MlflowClient:
    client = MlflowClient()
    client.create_registered_model(name)
    for index in range(count):
        client.create_model_version(name, f"s3://bucket/{name}/{index}")
    return client


@pytest.mark.usefixtures("experiment")
def test_register_model_from_a_run_records_the_run_and_the_logged_model(
    store: Client, name: str, fitted: LogisticRegression
) -> None:
    run_id, model_id = _log_model(fitted)

    version = mlflow.register_model(f"runs:/{run_id}/model", name)

    # The mlflow client does not read `model_id` back from the response (its from_proto
    # leaves it out); the store has it.
    assert (version.name, version.version, version.status) == (name, "1", "READY")
    assert version.run_id == run_id
    stored = Registry(store).get_model_version(name, 1)
    assert (stored.run_id, stored.model_id, stored.source) == (
        run_id,
        model_id,
        f"models:/{model_id}",
    )
    download = MlflowClient().get_model_version_download_uri(name, "1")
    assert download == LoggedModels(store).get_logged_model(model_id).artifact_location


@pytest.mark.usefixtures("experiment")
def test_a_model_loads_by_its_alias_and_predicts_as_the_original(
    name: str, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    frame, _ = data
    run_id, _ = _log_model(fitted)
    version = mlflow.register_model(f"runs:/{run_id}/model", name)
    client = MlflowClient()

    client.set_registered_model_alias(name, "champion", version.version)
    by_alias = client.get_model_version_by_alias(name, "champion")
    loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")

    assert (by_alias.version, by_alias.aliases) == ("1", ["champion"])
    np.testing.assert_array_equal(np.asarray(loaded.predict(frame)), fitted.predict(frame))


@pytest.mark.usefixtures("experiment")
def test_a_model_loads_by_version_and_by_stage(
    name: str, data: tuple[pd.DataFrame, np.ndarray], fitted: LogisticRegression
) -> None:
    frame, _ = data
    run_id, _ = _log_model(fitted)
    mlflow.register_model(f"runs:/{run_id}/model", name)
    MlflowClient().transition_model_version_stage(name, "1", "Production")

    by_version = mlflow.sklearn.load_model(f"models:/{name}/1")
    by_stage = mlflow.sklearn.load_model(f"models:/{name}/Production")

    np.testing.assert_array_equal(by_version.predict(frame), fitted.predict(frame))
    np.testing.assert_array_equal(by_stage.predict(frame), fitted.predict(frame))


def test_aliases_move_and_are_deleted(store: Client, name: str) -> None:
    client = _register(name, 2)

    client.set_registered_model_alias(name, "champion", "1")
    client.set_registered_model_alias(name, "champion", "2")
    model = client.get_registered_model(name)
    client.delete_registered_model_alias(name, "champion")

    assert model.aliases == {"champion": "2"}
    assert client.get_registered_model(name).aliases == {}
    history = Registry(store).history(name, alias="champion")
    assert [(e.action.value, e.version) for e in history] == [
        ("set_alias", "1"),
        ("set_alias", "2"),
        ("delete_alias", "2"),
    ]


def test_search_model_versions_by_name_run_and_tag(
    experiment: Experiment, store: Client, name: str
) -> None:
    client = _register(name, 2)
    run = store.create_run(experiment.experiment_id)
    client.create_model_version(name, "s3://bucket/x", run_id=run.info.run_id, tags={"k": "v"})

    by_name = client.search_model_versions(f"name = '{name}'")
    by_run = client.search_model_versions(f"run_id = '{run.info.run_id}'")
    by_tag = client.search_model_versions(f"name = '{name}' and tags.k = 'v'")
    newest = client.search_model_versions(
        f"name = '{name}' and version_number >= 2", order_by=["version_number DESC"]
    )

    assert sorted(v.version for v in by_name) == ["1", "2", "3"]
    assert [(v.name, v.version) for v in by_run] == [(name, "3")]
    assert [v.version for v in by_tag] == ["3"]
    assert [v.version for v in newest] == ["3", "2"]


def test_search_registered_models_by_name_and_tag(name: str) -> None:
    client = MlflowClient()
    client.create_registered_model(f"{name}-a", tags={"team": "ml"})
    client.create_registered_model(f"{name}-b", tags={"team": "ops"})

    by_prefix = client.search_registered_models(f"name LIKE '{name}-%'")
    by_tag = client.search_registered_models(f"name LIKE '{name}-%' and tags.team = 'ml'")
    paged = client.search_registered_models(f"name LIKE '{name}-%'", max_results=1)

    assert [m.name for m in by_prefix] == [f"{name}-a", f"{name}-b"]
    assert [m.name for m in by_tag] == [f"{name}-a"]
    assert len(paged) == 1 and paged.token


def test_transition_with_archive_existing_versions_and_latest_versions(name: str) -> None:
    client = _register(name, 3)
    client.transition_model_version_stage(name, "1", "Production")

    moved = client.transition_model_version_stage(
        name, "2", "production", archive_existing_versions=True
    )
    latest = client.get_latest_versions(name)
    production = client.get_latest_versions(name, stages=["Production"])

    assert moved.current_stage == "Production"
    assert client.get_model_version(name, "1").current_stage == "Archived"
    assert sorted((v.version, v.current_stage) for v in latest) == [
        ("1", "Archived"),
        ("2", "Production"),
        ("3", "None"),
    ]
    assert [v.version for v in production] == ["2"]


def test_rename_keeps_the_versions(name: str) -> None:
    client = _register(name, 2)

    client.rename_registered_model(name, f"{name}-renamed")

    assert client.get_registered_model(f"{name}-renamed").name == f"{name}-renamed"
    versions = client.search_model_versions(f"name = '{name}-renamed'")
    assert sorted(v.version for v in versions) == ["1", "2"]
    assert client.search_model_versions(f"name = '{name}'") == []


def test_delete_version_then_model(store: Client, name: str) -> None:
    client = _register(name, 2)

    client.delete_model_version(name, "2")
    remaining = [v.version for v in client.search_model_versions(f"name = '{name}'")]
    client.delete_registered_model(name)

    assert remaining == ["1"]
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model(name)
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert Registry(store).history(name)[-1].action.value == "delete_registered_model"


def test_model_and_version_tags_and_descriptions(name: str) -> None:
    client = _register(name, 1)

    client.set_registered_model_tag(name, "team", "ml")
    client.set_model_version_tag(name, "1", "validated", "yes")
    client.update_registered_model(name, description="churn model")
    client.update_model_version(name, "1", description="first")
    client.delete_registered_model_tag(name, "team")

    model = client.get_registered_model(name)
    version = client.get_model_version(name, "1")
    assert (model.tags, model.description) == ({}, "churn model")
    assert (version.tags, version.description) == ({"validated": "yes"}, "first")


def test_errors_carry_mlflows_codes(name: str) -> None:
    client = _register(name, 1)
    codes = {}
    for label, call in {
        "unknown model": lambda: client.get_registered_model(f"{name}-nope"),
        "unknown version": lambda: client.get_model_version(name, "7"),
        "unknown alias": lambda: client.get_model_version_by_alias(name, "nope"),
        "duplicate": lambda: client.create_registered_model(name),
        "bad stage": lambda: client.transition_model_version_stage(name, "1", "Live"),
        "reserved alias": lambda: client.set_registered_model_alias(name, "latest", "1"),
    }.items():
        with pytest.raises(MlflowException) as caught:
            call()
        codes[label] = caught.value.error_code
    assert codes == {
        "unknown model": "RESOURCE_DOES_NOT_EXIST",
        "unknown version": "RESOURCE_DOES_NOT_EXIST",
        "unknown alias": "INVALID_PARAMETER_VALUE",
        "duplicate": "RESOURCE_ALREADY_EXISTS",
        "bad stage": "INVALID_PARAMETER_VALUE",
        "reserved alias": "INVALID_PARAMETER_VALUE",
    }
