"""Models the unmodified mlflow client logged to a Runwright server load with
rw.models.load_model: by MLflow 3's logged-model URI and by run URI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import runwright as rw
from runwright.models import load_model
from tests.fixtures.rest_server import InProcessServer

# mlflow decides on telemetry when first imported.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
mlflow = pytest.importorskip("mlflow")

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)


@pytest.fixture
def mlflow_server(rest_server: InProcessServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """mlflow and Runwright's fluent API, both on one tracking server, for one test."""
    from mlflow.environment_variables import MLFLOW_EXPERIMENT_ID
    from mlflow.tracking import fluent

    monkeypatch.setenv("MLFLOW_TRACKING_URI", rest_server.url)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    for name in ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    mlflow.set_tracking_uri(rest_server.url)
    rw.set_tracking_uri(rest_server.url)
    yield rest_server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()
    fluent._active_experiment_id = None
    MLFLOW_EXPERIMENT_ID.unset()
    mlflow.set_tracking_uri(None)


def test_a_model_logged_with_mlflow_sklearn_loads_by_its_uris(mlflow_server: str) -> None:
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(30, 2)), columns=["a", "b"])
    labels = (frame["a"] > 0).astype(int).to_numpy()
    model = LogisticRegression().fit(frame, labels)
    with mlflow.start_run() as run:
        # Named requirements and cloudpickle spare a subprocess and skops' slow imports.
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            input_example=frame[:3],
            pip_requirements=["scikit-learn"],
            serialization_format="cloudpickle",
        )
    assert info.model_uri.startswith("models:/")
    by_model_id = load_model(info.model_uri)
    np.testing.assert_array_equal(by_model_id.predict(frame), model.predict(frame))
    assert by_model_id.signature is not None
    assert by_model_id.signature.inputs.names == ["a", "b"]
    mlflow.register_model(info.model_uri, "from-mlflow")
    by_version = load_model("models:/from-mlflow/1")
    np.testing.assert_array_equal(by_version.predict(frame), model.predict(frame))
    assert run.info.run_id
