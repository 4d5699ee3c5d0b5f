"""Artifacts on an S3-compatible store (moto): the repository, the embedded client and
the tracking server's artifact proxy, with no code changes from the local folder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from runwright.artifacts import ArtifactRepository
from runwright.errors import NotFoundError
from runwright.settings import Settings
from runwright.tracking.client import Client
from tests.fixtures.live_server import start_server
from tests.fixtures.s3 import S3Bucket


def test_a_file_round_trips_through_an_s3_root(s3_bucket: S3Bucket) -> None:
    repository = ArtifactRepository(f"{s3_bucket.uri}/run")
    repository.write_text("notes/a.txt", "hello")
    assert repository.read_bytes("notes/a.txt") == b"hello"
    assert s3_bucket.keys() == ["root/run/notes/a.txt"]


def test_a_folder_logs_lists_and_downloads(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    local = tmp_path / "model"
    (local / "data").mkdir(parents=True)
    (local / "MLmodel").write_text("flavors: {}\n")
    (local / "data" / "weights.bin").write_bytes(bytes(range(256)))
    repository = ArtifactRepository(f"{s3_bucket.uri}/run")
    repository.log_dir(local, "model")
    listed = repository.list("model")
    assert [(f.path, f.is_dir) for f in listed] == [("model/MLmodel", False), ("model/data", True)]
    copy = repository.download("model", tmp_path / "out")
    assert (copy / "data" / "weights.bin").read_bytes() == bytes(range(256))


def test_deleting_a_folder_removes_its_objects(s3_bucket: S3Bucket) -> None:
    repository = ArtifactRepository(f"{s3_bucket.uri}/run")
    repository.write_text("keep.txt", "k")
    repository.write_text("tmp/a.txt", "a")
    repository.delete("tmp")
    assert s3_bucket.keys() == ["root/run/keep.txt"]
    with pytest.raises(NotFoundError):
        repository.read_bytes("tmp/a.txt")


def test_an_embedded_client_keeps_run_artifacts_in_the_bucket(
    s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    settings = Settings().with_overrides(artifacts_uri=s3_bucket.uri)
    client = Client(str(tmp_path / "store"), settings=settings)
    try:
        run = client.create_run("0")
        client.log_text(run.run_id, "hello", "notes.txt")
        assert [f.path for f in client.list_artifacts(run.run_id)] == ["notes.txt"]
    finally:
        client.close()
    assert s3_bucket.keys() == [f"root/0/{run.run_id}/artifacts/notes.txt"]


def test_the_tracking_server_stores_uploads_in_the_bucket(
    s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    # The server subprocess inherits the environment the s3_bucket fixture set.
    server = start_server(str(tmp_path / "store"), s3_bucket.uri, log_dir=tmp_path)
    try:
        created = httpx.post(
            f"{server.url}/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}
        ).json()
        run_id = created["run"]["info"]["run_id"]
        path = f"0/{run_id}/artifacts/notes.txt"
        proxy = f"{server.url}/api/2.0/mlflow-artifacts/artifacts/{path}"
        assert httpx.put(proxy, content=b"hello").status_code == 200
        assert httpx.get(proxy).content == b"hello"
    finally:
        server.stop()
    assert s3_bucket.keys() == [f"root/{path}"]


def test_pipeline_outputs_and_a_computed_map_live_in_the_bucket(
    s3_bucket: S3Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.pipelines import defs

    monkeypatch.setenv("RUNWRIGHT_ARTIFACTS_URI", s3_bucket.uri)
    journal = str(tmp_path / "journal.txt")
    store = str(tmp_path / "store")
    result = defs.dynamic.run(journal=journal, n=3, executor="inline", tracking_uri=store)
    assert result.status == "FINISHED"
    assert result.output == 0.0 + 50.0 + 200.0
    item = result.steps["make_items"].outputs["output[2]"]
    assert item.uri.startswith("s3://")
    stored = s3_bucket.keys()  # the bucket's object keys (a list, not a dict)
    assert any(key.endswith("/artifacts/outputs/output[2].json") for key in stored)
    cached = defs.dynamic.run(journal=journal, n=3, executor="inline", tracking_uri=store)
    assert {s.state.value for s in cached.steps.values()} == {"cached"}
    assert cached.output == result.output
