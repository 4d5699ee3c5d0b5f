"""The unmodified mlflow client (3.17.2) logs and fetches artifacts through the proxy."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runwright.server.routes.artifact_proxy import multipart_staging_root
from tests.fixtures.live_server import LiveServer

mlflow = pytest.importorskip("mlflow")

MIB = 1024 * 1024


@pytest.fixture
def tracking(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """mlflow pointed at the live server, in an experiment of this test's own."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", live_server.url)
    mlflow.set_tracking_uri(live_server.url)
    mlflow.set_experiment(f"artifact-proxy-{uuid.uuid4().hex}")
    yield live_server
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def _stored(server: LiveServer, artifact_uri: str, *parts: str) -> Path:
    relative = artifact_uri.removeprefix("mlflow-artifacts:/")
    return Path(server.artifacts_destination, *relative.split("/"), *parts)


def test_runs_get_proxied_artifact_roots(tracking: LiveServer) -> None:
    with mlflow.start_run() as run:
        pass

    experiment_id = run.info.experiment_id
    expected = f"mlflow-artifacts:/{experiment_id}/{run.info.run_id}/artifacts"
    assert run.info.artifact_uri == expected


def test_logged_artifacts_list_and_download_through_the_proxy(
    tracking: LiveServer, tmp_path: Path
) -> None:
    local = tmp_path / "model.txt"
    local.write_text("weights v1")
    folder = tmp_path / "plots"
    (folder / "nested").mkdir(parents=True)
    (folder / "loss.csv").write_text("step,loss\n0,1.0\n")
    (folder / "nested" / "acc.csv").write_text("step,acc\n0,0.5\n")

    with mlflow.start_run() as run:
        mlflow.log_artifact(str(local))
        mlflow.log_artifact(str(local), artifact_path="backup")
        mlflow.log_dict({"classes": [0, 1]}, "meta/classes.json")
        mlflow.log_artifacts(str(folder), artifact_path="plots")

    client = mlflow.MlflowClient()
    top = client.list_artifacts(run.info.run_id)
    assert [(f.path, f.is_dir) for f in top] == [
        ("backup", True),
        ("meta", True),
        ("model.txt", False),
        ("plots", True),
    ]
    assert next(f for f in top if f.path == "model.txt").file_size == len("weights v1")
    nested = client.list_artifacts(run.info.run_id, "plots")
    assert [f.path for f in nested] == ["plots/loss.csv", "plots/nested"]

    downloaded = Path(
        mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=str(tmp_path / "out"))
    )
    assert (downloaded / "model.txt").read_text() == "weights v1"
    assert (downloaded / "backup" / "model.txt").read_text() == "weights v1"
    assert json.loads((downloaded / "meta" / "classes.json").read_text()) == {"classes": [0, 1]}
    assert (downloaded / "plots" / "nested" / "acc.csv").read_text() == "step,acc\n0,0.5\n"
    assert _stored(tracking, run.info.artifact_uri, "model.txt").read_text() == "weights v1"


def test_single_artifacts_load_through_the_proxy(tracking: LiveServer) -> None:
    with mlflow.start_run() as run:
        mlflow.log_text("hello proxy", "greeting.txt")
        mlflow.log_dict({"a": 1}, "config.json")

    base = f"runs:/{run.info.run_id}"
    assert mlflow.artifacts.load_text(f"{base}/greeting.txt") == "hello proxy"
    assert mlflow.artifacts.load_dict(f"{base}/config.json") == {"a": 1}


def test_the_client_multipart_upload_goes_through_the_proxy(
    tracking: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.store.artifact.http_artifact_repo import HttpArtifactRepository

    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(MIB))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(MIB))
    completed: list[Any] = []
    original = HttpArtifactRepository.complete_multipart_upload

    def spy(self: Any, local_file: str, upload_id: str, *args: Any, **kwargs: Any) -> None:
        completed.append(upload_id)
        original(self, local_file, upload_id, *args, **kwargs)

    monkeypatch.setattr(HttpArtifactRepository, "complete_multipart_upload", spy)
    content = os.urandom(2 * MIB + 123)
    local = tmp_path / "weights.bin"
    local.write_bytes(content)

    with mlflow.start_run() as run:
        mlflow.log_artifact(str(local), artifact_path="model")

    assert len(completed) == 1
    assert not (multipart_staging_root() / completed[0]).exists()
    downloaded = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="model/weights.bin", dst_path=str(tmp_path / "out")
    )
    assert Path(downloaded).read_bytes() == content
