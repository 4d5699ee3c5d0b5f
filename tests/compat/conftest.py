"""The unmodified mlflow client against the session's live Runwright server.

Every test gets a clean mlflow global state (tracking URI, active experiment, run
stack) and its own experiment, and reads what the server stored through a Runwright
`Client` opened on the same backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

# mlflow decides whether to start its telemetry client when it is first imported,
# which happens at collection, before any fixture can set the environment.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow
import pytest
from mlflow.environment_variables import MLFLOW_EXPERIMENT_ID
from mlflow.tracking import fluent

from runwright import Client, Experiment
from tests.compat.helpers import unique_name
from tests.fixtures.live_server import LiveServer

# The server's run artifact roots use this scheme; the proxy maps it to its destination.
PROXY_SCHEME = "mlflow-artifacts:"


@pytest.fixture(autouse=True)
def mlflow_tracking(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point mlflow at the live server for one test, and forget everything afterwards."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", live_server.url)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    # A server error should fail the test at once, not after minutes of back-off.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    mlflow.set_tracking_uri(live_server.url)
    yield live_server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()
    fluent._active_experiment_id = None
    MLFLOW_EXPERIMENT_ID.unset()
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]


@pytest.fixture
def store(live_server: LiveServer) -> Iterator[Client]:
    """What the server stored, read straight from its backend.

    The artifact mount mirrors the server's, so `list_artifacts` and
    `download_artifacts` read the files the proxy wrote.
    """
    client = Client(live_server.backend_store_uri)
    client.store.artifact_mounts = {PROXY_SCHEME: live_server.artifacts_destination}
    yield client
    client.close()


@pytest.fixture
def experiment(request: pytest.FixtureRequest, store: Client) -> Experiment:
    """A fresh experiment made current with `mlflow.set_experiment`, as the store sees it."""
    created = mlflow.set_experiment(unique_name(request.node.name))
    return store.get_experiment(created.experiment_id)
