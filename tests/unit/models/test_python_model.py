"""Generic Python models: load_context artifacts, params, MLflow's predict signature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.models import load_model, save_model
from tests.unit.models import defs


@pytest.fixture
def scaler_package(tmp_path: Path) -> Path:
    factor = tmp_path / "factor.txt"
    factor.write_text("3")
    settings = tmp_path / "settings"
    settings.mkdir()
    (settings / "offset.txt").write_text("1")
    target = tmp_path / "scaler"
    save_model(
        defs.Scaler(),
        target,
        artifacts={"factor": factor, "settings": settings},
        input_example=pd.DataFrame({"x": [1.0, 2.0]}),
    )
    # The originals go away: the package must hold its own copies.
    factor.unlink()
    (settings / "offset.txt").unlink()
    return target


def test_load_context_reads_the_packaged_artifacts(scaler_package: Path) -> None:
    loaded = load_model(scaler_package)
    np.testing.assert_allclose(loaded.predict({"x": [1.0, 2.0]}), [4.0, 7.0])
    artifacts = loaded.metadata.flavor_options["artifacts"]
    assert artifacts == {"factor": "artifacts/factor/factor.txt", "settings": "artifacts/settings"}


def test_params_reach_a_model_whose_predict_takes_them(scaler_package: Path) -> None:
    loaded = load_model(scaler_package)
    np.testing.assert_allclose(loaded.predict({"x": [1.0]}, params={"power": 2}), [16.0])


def test_params_for_a_model_that_takes_none_are_refused(tmp_path: Path) -> None:
    save_model(defs.Doubler(), tmp_path / "m")
    with pytest.raises(InvalidArgumentError, match="takes no parameters, got 'power'"):
        load_model(tmp_path / "m").predict({"x": [1.0]}, params={"power": 2})


def test_outputs_are_inferred_by_predicting_on_the_example(scaler_package: Path) -> None:
    signature = load_model(scaler_package).signature
    assert signature is not None and signature.outputs is not None
    assert [t.dtype for t in signature.outputs.tensors] == ["float64"]


def test_a_python_model_class_declares_itself_batchable(scaler_package: Path) -> None:
    assert load_model(scaler_package).batchable is True


def test_mlflow_style_predict_gets_a_context_first(tmp_path: Path) -> None:
    save_model(defs.MlflowStyle(), tmp_path / "m")
    assert load_model(tmp_path / "m").predict([{"a": 1}, {"a": 2}]) == [2, 2]


def test_a_missing_artifact_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="artifact 'factor'"):
        save_model(defs.Scaler(), tmp_path / "m", artifacts={"factor": tmp_path / "nope"})
    assert not (tmp_path / "m").exists()


def test_an_artifact_name_must_be_a_plain_name(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("1")
    with pytest.raises(InvalidArgumentError, match="plain file name"):
        save_model(defs.Scaler(), tmp_path / "m", artifacts={"../up": tmp_path / "f"})
