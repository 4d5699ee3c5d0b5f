"""log_model on the embedded store: the package becomes an artifact folder of a run,
and runs:/ and artifact URIs load it back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import runwright as rw
from runwright.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from runwright.models import MANIFEST_FILE, ModelInfo, load_model, log_model
from runwright.tracking.client import Client
from tests.fixtures.s3 import S3Bucket
from tests.integration.models import defs
from tests.unit.models.defs import Doubler, Scaler

FRAME = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})


def _fit() -> tuple[object, pd.DataFrame]:
    from sklearn.linear_model import LinearRegression

    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    return LinearRegression().fit(frame, [1.0, 4.0, 7.0, 10.0]), frame


def test_log_model_starts_a_run_when_none_is_active() -> None:
    info = log_model(Doubler(), input_example=FRAME)
    active = rw.active_run()
    assert active is not None and active.run_id == info.run_id
    assert info.model_uri == f"runs:/{info.run_id}/model"
    assert info.artifact_path == "model"


def test_log_model_uses_the_active_run_and_the_given_name() -> None:
    with rw.start_run() as run:
        info = log_model(Doubler(), "models/doubler")
    assert info.run_id == run.run_id
    assert info.model_uri == f"runs:/{run.run_id}/models/doubler"
    listed = {f.path for f in Client().list_artifacts(run.run_id, "models/doubler")}
    assert f"models/doubler/{MANIFEST_FILE}" in listed
    assert "models/doubler/python_model.pkl" in listed


def test_model_info_describes_what_was_stored() -> None:
    model, frame = _fit()
    with rw.start_run():
        info = log_model(model, input_example=frame)
    assert isinstance(info, ModelInfo)
    assert info.flavor == "sklearn"
    assert info.signature is not None and info.signature.inputs.names == ["x"]
    assert info.content_hash.startswith("sha256:")
    loaded = load_model(info.model_uri)
    assert loaded.metadata.content_hash == info.content_hash
    assert loaded.metadata.size == info.size
    assert loaded.metadata.run_id == info.run_id
    assert loaded.metadata.artifact_path == "model"


def test_a_runs_uri_loads_the_model_in_place_and_predicts_as_the_original() -> None:
    model, frame = _fit()
    with rw.start_run():
        info = log_model(model, input_example=frame)
    loaded = load_model(info.model_uri)
    run = rw.get_run(info.run_id)
    assert loaded.path == Path(run.info.artifact_uri, "model")
    np.testing.assert_allclose(loaded.predict(frame), model.predict(frame))  # type: ignore[attr-defined]


def test_the_artifact_folder_loads_by_path_and_by_file_uri() -> None:
    with rw.start_run():
        info = log_model(Doubler(), input_example=FRAME)
    folder = Path(rw.get_run(info.run_id).info.artifact_uri, "model")
    assert load_model(str(folder)).flavor == "python"
    assert load_model(folder.as_uri()).metadata.run_id == info.run_id


def test_a_second_model_under_the_same_name_is_refused() -> None:
    with rw.start_run():
        log_model(Doubler())
        with pytest.raises(AlreadyExistsError, match="already has artifacts at 'model'"):
            log_model(Doubler())


def test_a_name_that_leaves_the_run_is_refused() -> None:
    with rw.start_run(), pytest.raises(InvalidArgumentError):
        log_model(Doubler(), "../escape")


def test_a_runs_uri_of_an_unknown_run_is_not_found_naming_the_uri() -> None:
    with pytest.raises(NotFoundError, match=r"no model at 'runs:/0123456789abcdef/model'"):
        load_model("runs:/0123456789abcdef/model")


def test_a_runs_uri_of_a_missing_folder_is_not_found_naming_the_uri() -> None:
    with rw.start_run() as run:
        log_model(Doubler())
    with pytest.raises(NotFoundError, match=rf"no model at 'runs:/{run.run_id}/other'"):
        load_model(f"runs:/{run.run_id}/other")


def test_a_python_model_with_artifacts_round_trips_through_a_run(tmp_path: Path) -> None:
    (tmp_path / "factor.txt").write_text("2")
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "offset.txt").write_text("0.5")
    with rw.start_run():
        info = log_model(
            Scaler(),
            "scaler",
            input_example=pd.DataFrame({"x": [1.0]}),
            artifacts={"factor": tmp_path / "factor.txt", "settings": tmp_path / "settings"},
        )
    np.testing.assert_allclose(load_model(info.model_uri).predict({"x": [1.0, 3.0]}), [2.5, 6.5])


def test_a_pipeline_step_logs_its_model_to_the_step_run() -> None:
    result = defs.training.run(rows=8, executor="inline")
    assert result.status == "FINISHED"
    step_run_id = result.steps["train"].run_id
    assert result.output == f"runs:/{step_run_id}/model"
    loaded = load_model(result.output)
    assert loaded.metadata.run_id == step_run_id
    np.testing.assert_allclose(loaded.predict({"x": [10.0]}), [31.0])


def test_a_model_in_a_memory_artifact_store_is_downloaded_and_cleaned_up() -> None:
    client = Client()
    root = f"memory://runwright-models-tests/{uuid.uuid4().hex}"
    experiment_id = client.create_experiment("in-memory", artifact_location=root)
    model, frame = _fit()
    with rw.start_run(experiment_id=experiment_id) as run:
        info = log_model(model, input_example=frame)
    assert rw.get_run(run.run_id).info.artifact_uri.startswith("memory://")
    loaded = load_model(info.model_uri)
    local = loaded.path
    assert local.is_dir() and (local / MANIFEST_FILE).is_file()
    np.testing.assert_allclose(loaded.predict(frame), model.predict(frame))  # type: ignore[attr-defined]
    direct = load_model(f"{rw.get_run(run.run_id).info.artifact_uri}/model")
    assert direct.metadata.content_hash == info.content_hash
    del loaded
    import gc

    gc.collect()
    assert not local.exists()


def test_a_missing_folder_in_an_artifact_store_is_not_found_naming_the_uri() -> None:
    uri = f"memory://runwright-models-tests/{uuid.uuid4().hex}/model"
    with pytest.raises(NotFoundError, match=f"no model at '{uri}'"):
        load_model(uri)


def test_the_stored_manifest_matches_the_files_stored_beside_it(tmp_path: Path) -> None:
    from runwright.models.manifest import content_hash

    with rw.start_run() as run:
        info = log_model(Doubler(), input_example=FRAME)
    copy = Path(Client().download_artifacts(run.run_id, "model", tmp_path))
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    assert (manifest["content_hash"], manifest["size"]) == content_hash(copy)
    assert manifest["content_hash"] == info.content_hash


def test_a_model_on_s3_loads_by_run_uri_and_by_s3_uri(s3_bucket: S3Bucket) -> None:
    rw.set_tracking_uri(None)
    client = Client()
    experiment_id = client.create_experiment("on-s3", artifact_location=f"{s3_bucket.uri}/exp")
    model, frame = _fit()
    with rw.start_run(experiment_id=experiment_id) as run:
        info = log_model(model, input_example=frame)
    stored = s3_bucket.keys()
    assert f"root/exp/{run.run_id}/artifacts/model/{MANIFEST_FILE}" in stored
    by_run = load_model(info.model_uri)
    np.testing.assert_allclose(by_run.predict(frame), model.predict(frame))  # type: ignore[attr-defined]
    by_s3 = load_model(f"{rw.get_run(run.run_id).info.artifact_uri}/model")
    assert by_s3.metadata.content_hash == info.content_hash
