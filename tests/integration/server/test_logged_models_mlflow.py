"""MLflow 3's model logging against a live Runwright server, with the unmodified client.

`mlflow.sklearn.log_model` creates a logged model, uploads its files through the
artifact proxy, links it to the run and finalizes it; `mlflow.pyfunc.load_model`
reads it back through `models:/<model_id>`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# mlflow decides about its telemetry client when first imported.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LogisticRegression

from runwright.entities import LoggedModelOutput, LoggedModelStatus
from runwright.tracking.client import Client
from runwright.tracking.logged_models import LoggedModels
from tests.fixtures.live_server import LiveServer


@dataclass(frozen=True)
class Logged:
    info: Any
    run_id: str
    experiment_id: str
    model: LogisticRegression
    features: np.ndarray


def _point_mlflow_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    # A server error should fail the test at once, not after minutes of back-off.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    mlflow.set_tracking_uri(url)


def _forget_mlflow_state() -> None:
    from mlflow.environment_variables import MLFLOW_EXPERIMENT_ID
    from mlflow.tracking import fluent

    while mlflow.active_run() is not None:
        mlflow.end_run()
    fluent._active_experiment_id = None
    MLFLOW_EXPERIMENT_ID.unset()
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def logged(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logged]:
    """One scikit-learn model logged inside a run (logging one takes seconds)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(tmp_path_factory.mktemp("log-model"))
        _point_mlflow_at(live_server.url, monkeypatch)
        try:
            features = np.random.default_rng(0).normal(size=(40, 3))
            labels = (features[:, 0] + features[:, 1] > 0).astype(int)
            model = LogisticRegression().fit(features, labels)
            experiment = mlflow.set_experiment(f"log-model-{uuid.uuid4().hex[:8]}")
            with mlflow.start_run() as run:
                info = mlflow.sklearn.log_model(model, name="model")
            yield Logged(info, run.info.run_id, experiment.experiment_id, model, features)
        finally:
            _forget_mlflow_state()


@pytest.fixture
def at_server(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    """The mlflow client pointed at the live server for one test."""
    _point_mlflow_at(live_server.url, monkeypatch)
    yield MlflowClient(live_server.url)
    _forget_mlflow_state()


@pytest.fixture
def stored(live_server: LiveServer) -> Iterator[LoggedModels]:
    """What the server stored, read straight from its backend."""
    client = Client(live_server.backend_store_uri)
    yield LoggedModels(client)
    client.close()


def test_a_logged_model_loads_back_and_predicts_the_same(
    logged: Logged, at_server: MlflowClient
) -> None:
    loaded = mlflow.pyfunc.load_model(logged.info.model_uri)
    assert np.array_equal(loaded.predict(logged.features), logged.model.predict(logged.features))


def test_log_model_leaves_a_ready_model_from_the_run(
    logged: Logged, at_server: MlflowClient
) -> None:
    model = at_server.get_logged_model(logged.info.model_id)
    assert (model.name, model.status.value, model.source_run_id, model.experiment_id) == (
        "model",
        "READY",
        logged.run_id,
        logged.experiment_id,
    )
    assert model.artifact_location == (
        f"mlflow-artifacts:/{logged.experiment_id}/models/{model.model_id}/artifacts"
    )


def test_the_model_files_land_in_the_artifact_destination(
    logged: Logged, live_server: LiveServer
) -> None:
    folder = Path(
        live_server.artifacts_destination,
        logged.experiment_id,
        "models",
        logged.info.model_id,
        "artifacts",
    )
    assert {"MLmodel", "requirements.txt"} <= {p.name for p in folder.iterdir()}


def test_the_run_lists_the_model_among_its_outputs(logged: Logged, stored: LoggedModels) -> None:
    assert stored.get_run_outputs(logged.run_id) == [LoggedModelOutput(logged.info.model_id, 0)]


def test_search_logged_models_finds_it_by_name(logged: Logged, at_server: MlflowClient) -> None:
    found = mlflow.search_logged_models(
        experiment_ids=[logged.experiment_id],
        filter_string="name = 'model' AND status = 'READY'",
        output_format="list",
    )
    assert [m.model_id for m in found] == [logged.info.model_id]


def test_the_artifact_listing_shows_the_model_files(
    logged: Logged, live_server: LiveServer
) -> None:
    import httpx

    response = httpx.get(
        f"{live_server.url}/api/2.0/mlflow/logged-models/{logged.info.model_id}"
        "/artifacts/directories"
    )
    body = response.json()
    assert body["root_uri"].endswith(f"/models/{logged.info.model_id}/artifacts")
    assert {"path": "MLmodel", "is_dir": False} in [
        {k: f[k] for k in ("path", "is_dir")} for f in body["files"]
    ]


def test_tags_and_params_round_trip_through_the_client(
    at_server: MlflowClient, stored: LoggedModels
) -> None:
    mlflow.set_experiment(f"tags-{uuid.uuid4().hex[:8]}")
    model = mlflow.initialize_logged_model(name="external", params={"depth": "3"})
    at_server.set_logged_model_tags(model.model_id, {"team": "ml", "gone": "x"})
    at_server.delete_logged_model_tag(model.model_id, "gone")
    mlflow.log_model_params({"lr": "0.1"}, model_id=model.model_id)
    seen = at_server.get_logged_model(model.model_id)
    assert seen.tags["team"] == "ml" and "gone" not in seen.tags
    assert seen.params == {"depth": "3", "lr": "0.1"}
    assert stored.get_logged_model(model.model_id).status is LoggedModelStatus.PENDING


def test_finalize_as_failed_is_stored(at_server: MlflowClient, stored: LoggedModels) -> None:
    mlflow.set_experiment(f"failed-{uuid.uuid4().hex[:8]}")
    model = mlflow.initialize_logged_model(name="broken")
    at_server.finalize_logged_model(model.model_id, "FAILED")
    assert stored.get_logged_model(model.model_id).status is LoggedModelStatus.FAILED


def test_a_deleted_model_is_not_found_by_the_client(at_server: MlflowClient) -> None:
    mlflow.set_experiment(f"deleted-{uuid.uuid4().hex[:8]}")
    model = mlflow.initialize_logged_model(name="doomed")
    at_server.delete_logged_model(model.model_id)
    with pytest.raises(MlflowException) as caught:
        at_server.get_logged_model(model.model_id)
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
