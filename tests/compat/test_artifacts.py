"""Artifacts logged by the mlflow client through the server's artifact proxy."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import yaml
from mlflow import MlflowClient

from runwright import Client, Experiment


def _stored_bytes(store: Client, run_id: str, path: str, tmp_path: Path) -> bytes:
    return Path(store.download_artifacts(run_id, path, tmp_path / "from-store")).read_bytes()


def test_log_artifact_stores_the_file(
    store: Client, experiment: Experiment, tmp_path: Path
) -> None:
    local = tmp_path / "notes.txt"
    local.write_text("first line\nsecond line\n")

    with mlflow.start_run() as run:
        mlflow.log_artifact(str(local))
        mlflow.log_artifact(str(local), artifact_path="copies/deep")

    files = {f.path: f for f in store.list_artifacts(run.info.run_id)}
    assert set(files) == {"notes.txt", "copies"}
    assert files["notes.txt"].file_size == local.stat().st_size
    assert files["copies"].is_dir
    assert _stored_bytes(store, run.info.run_id, "notes.txt", tmp_path) == local.read_bytes()
    nested = _stored_bytes(store, run.info.run_id, "copies/deep/notes.txt", tmp_path)
    assert nested == local.read_bytes()


def test_log_artifacts_stores_a_directory_tree(
    store: Client, experiment: Experiment, tmp_path: Path
) -> None:
    source = tmp_path / "outputs"
    (source / "plots").mkdir(parents=True)
    (source / "summary.csv").write_text("a,b\n1,2\n")
    (source / "plots" / "curve.bin").write_bytes(bytes(range(256)) * 4)

    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source), artifact_path="results")

    assert [f.path for f in store.list_artifacts(run.info.run_id)] == ["results"]
    listed = store.list_artifacts(run.info.run_id, "results/plots")
    assert [(f.path, f.file_size) for f in listed] == [("results/plots/curve.bin", 1024)]
    stored = _stored_bytes(store, run.info.run_id, "results/plots/curve.bin", tmp_path)
    assert stored == bytes(range(256)) * 4


def test_list_artifacts_matches_the_store(
    store: Client, experiment: Experiment, tmp_path: Path
) -> None:
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "top.txt").write_text("top")
    (source / "sub" / "leaf.txt").write_text("a leaf")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source))

    client = MlflowClient()
    for path in (None, "sub"):
        seen = client.list_artifacts(run.info.run_id, path)
        stored = store.list_artifacts(run.info.run_id, path)
        assert [(f.path, f.is_dir, f.file_size) for f in seen] == [
            (f.path, f.is_dir, f.file_size) for f in stored
        ]
    assert [f.path for f in client.list_artifacts(run.info.run_id, "sub")] == ["sub/leaf.txt"]


def test_download_artifacts_returns_what_was_logged(experiment: Experiment, tmp_path: Path) -> None:
    source = tmp_path / "bundle"
    (source / "inner").mkdir(parents=True)
    (source / "a.txt").write_text("alpha")
    (source / "inner" / "b.txt").write_text("beta")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source), artifact_path="bundle")

    single = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="bundle/a.txt", dst_path=str(tmp_path / "one")
    )
    tree = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="bundle", dst_path=str(tmp_path / "all")
    )
    by_uri = mlflow.artifacts.download_artifacts(
        artifact_uri=f"runs:/{run.info.run_id}/bundle/inner/b.txt",
        dst_path=str(tmp_path / "uri"),
    )

    assert Path(single).read_text() == "alpha"
    assert Path(tree, "a.txt").read_text() == "alpha"
    assert Path(tree, "inner", "b.txt").read_text() == "beta"
    assert Path(by_uri).read_text() == "beta"


def test_log_text_stores_the_text(store: Client, experiment: Experiment, tmp_path: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_text("hello, server\n", "texts/greeting.txt")

    stored = _stored_bytes(store, run.info.run_id, "texts/greeting.txt", tmp_path)
    assert stored.decode() == "hello, server\n"
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/texts/greeting.txt") == (
        "hello, server\n"
    )


def test_log_dict_stores_json_and_yaml(
    store: Client, experiment: Experiment, tmp_path: Path
) -> None:
    config = {"model": "logreg", "C": 0.5, "features": ["a", "b"]}

    with mlflow.start_run() as run:
        mlflow.log_dict(config, "config.json")
        mlflow.log_dict(config, "config.yaml")

    run_id = run.info.run_id
    assert json.loads(_stored_bytes(store, run_id, "config.json", tmp_path)) == config
    assert yaml.safe_load(_stored_bytes(store, run_id, "config.yaml", tmp_path)) == config
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config.json") == config


def test_log_table_stores_the_frame(store: Client, experiment: Experiment, tmp_path: Path) -> None:
    frame = pd.DataFrame({"question": ["why?", "how?"], "score": [0.5, 0.75]})

    with mlflow.start_run() as run:
        mlflow.log_table(frame, artifact_file="eval/table.json")

    stored = json.loads(_stored_bytes(store, run.info.run_id, "eval/table.json", tmp_path))
    assert stored["columns"] == ["question", "score"]
    assert stored["data"] == [["why?", 0.5], ["how?", 0.75]]
    loaded = mlflow.load_table("eval/table.json", run_ids=[run.info.run_id])
    pd.testing.assert_frame_equal(loaded, frame)
    logged = json.loads(store.get_run(run.info.run_id).data.tags["mlflow.loggedArtifacts"])
    assert logged == [{"path": "eval/table.json", "type": "table"}]


def test_log_table_appends_to_an_existing_table(experiment: Experiment) -> None:
    with mlflow.start_run() as run:
        mlflow.log_table({"n": [1, 2]}, artifact_file="rows.json")
        mlflow.log_table({"n": [3]}, artifact_file="rows.json")

    loaded = mlflow.load_table("rows.json", run_ids=[run.info.run_id])
    assert list(loaded["n"]) == [1, 2, 3]
