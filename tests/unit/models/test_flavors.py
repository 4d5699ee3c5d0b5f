"""Each flavor: save → load → predict gives the original model's predictions."""

from __future__ import annotations

import importlib.metadata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runwright.errors import InvalidArgumentError
from runwright.models import load_model, save_model
from runwright.models.flavors import detect_flavor
from tests.unit.models import defs

Data = tuple[pd.DataFrame, np.ndarray]


def _requirements(folder: Path) -> dict[str, str]:
    lines = (folder / "requirements.txt").read_text().split()
    return dict(line.split("==") for line in lines)


# -- scikit-learn ----------------------------------------------------------------------


def test_a_sklearn_estimator_round_trips(tmp_path: Path, iris_data: Data) -> None:
    from sklearn.linear_model import LogisticRegression

    frame, target = iris_data
    model = LogisticRegression(max_iter=500).fit(frame, target)
    save_model(model, tmp_path / "m", input_example=frame[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "sklearn"
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    assert (tmp_path / "m" / "model.joblib").is_file()


def test_a_sklearn_pipeline_round_trips_and_pins_what_its_steps_need(
    tmp_path: Path, iris_data: Data
) -> None:
    from lightgbm import LGBMClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame, target = iris_data
    model = make_pipeline(StandardScaler(), LGBMClassifier(n_estimators=5, verbose=-1))
    model.fit(frame, target)
    save_model(model, tmp_path / "m", input_example=frame[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "sklearn"
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    pins = _requirements(tmp_path / "m")
    assert pins["scikit-learn"] == importlib.metadata.version("scikit-learn")
    assert pins["lightgbm"] == importlib.metadata.version("lightgbm")


def test_a_sklearn_model_fitted_on_an_array_takes_records_without_warnings(
    tmp_path: Path, iris_data: Data
) -> None:
    from sklearn.tree import DecisionTreeClassifier

    frame, target = iris_data
    array = frame.to_numpy()
    model = DecisionTreeClassifier(random_state=0).fit(array, target)
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predicted = loaded.predict(frame.to_dict(orient="records"))
    np.testing.assert_array_equal(predicted, model.predict(array))


# -- XGBoost ---------------------------------------------------------------------------


def test_an_xgboost_booster_round_trips_in_ubj(tmp_path: Path, iris_data: Data) -> None:
    import xgboost

    frame, target = iris_data
    booster = xgboost.train(
        {"objective": "multi:softprob", "num_class": 3}, xgboost.DMatrix(frame, label=target), 5
    )
    save_model(booster, tmp_path / "m", input_example=frame[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "xgboost"
    assert (tmp_path / "m" / "model.ubj").is_file()
    expected = booster.predict(xgboost.DMatrix(frame))
    np.testing.assert_allclose(loaded.predict(frame), expected)
    np.testing.assert_allclose(loaded.predict(frame.to_numpy()), expected)


def test_an_xgboost_sklearn_wrapper_round_trips(tmp_path: Path, iris_data: Data) -> None:
    import xgboost

    frame, target = iris_data
    model = xgboost.XGBClassifier(n_estimators=5).fit(frame, target)
    save_model(model, tmp_path / "m", input_example=frame[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "xgboost"
    assert type(loaded.raw_model) is xgboost.XGBClassifier
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    distribution = importlib.metadata.packages_distributions()["xgboost"][0]
    assert _requirements(tmp_path / "m")[distribution] == importlib.metadata.version(distribution)


# -- LightGBM --------------------------------------------------------------------------


def test_a_lightgbm_booster_round_trips_in_text_format(tmp_path: Path, iris_data: Data) -> None:
    import lightgbm

    frame, target = iris_data
    booster = lightgbm.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1},
        lightgbm.Dataset(frame, label=target),
        5,
    )
    save_model(booster, tmp_path / "m", input_example=frame[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "lightgbm"
    assert (tmp_path / "m" / "model.txt").read_text().startswith("tree")
    np.testing.assert_allclose(loaded.predict(frame), booster.predict(frame))
    assert "scikit-learn" not in _requirements(tmp_path / "m")


def test_a_lightgbm_sklearn_wrapper_round_trips(tmp_path: Path, iris_data: Data) -> None:
    from lightgbm import LGBMRegressor

    frame, target = iris_data
    model = LGBMRegressor(n_estimators=5, verbose=-1).fit(frame, target.astype(float))
    save_model(model, tmp_path / "m", input_example=frame[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "lightgbm"
    np.testing.assert_allclose(loaded.predict(frame), model.predict(frame))


# -- PyTorch ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_a_torchscript_module_round_trips(tmp_path: Path, iris_data: Data) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    frame, _ = iris_data
    inputs = frame.to_numpy().astype("float32")
    module = torch.jit.script(defs.Net())
    save_model(module, tmp_path / "m", input_example=inputs[:5])
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "pytorch"
    assert loaded.metadata.flavor_options["kind"] == "torchscript"
    with torch.no_grad():
        expected = module(torch.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(loaded.predict(inputs), expected, rtol=1e-6)
    # JSON numbers arrive as float64: the signature's float32 takes them.
    np.testing.assert_allclose(loaded.predict(frame.to_numpy()), expected, rtol=1e-6)
    assert _requirements(tmp_path / "m")["torch"] == importlib.metadata.version("torch")


def test_a_state_dict_round_trips_with_its_importable_class(
    tmp_path: Path, iris_data: Data
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    frame, _ = iris_data
    inputs = frame.to_numpy().astype("float32")
    module = defs.Net()
    save_model(module, tmp_path / "m", input_example=inputs[:5])
    options = load_model(tmp_path / "m").metadata.flavor_options
    assert options["kind"] == "state_dict"
    assert options["model_class"] == "tests.unit.models.defs:Net"
    loaded = load_model(tmp_path / "m")
    with torch.no_grad():
        expected = module(torch.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(loaded.predict(inputs), expected, rtol=1e-6)


def test_a_state_dict_takes_a_factory_as_model_class(tmp_path: Path, iris_data: Data) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    frame, _ = iris_data
    inputs = frame.to_numpy().astype("float32")
    module = defs.Net()
    save_model(module, tmp_path / "m", model_class="tests.unit.models.defs:make_net")
    loaded = load_model(tmp_path / "m")
    with torch.no_grad():
        expected = module(torch.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(loaded.predict(inputs), expected, rtol=1e-6)


def test_a_module_whose_class_cannot_be_imported_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")

    class Local(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    with pytest.raises(InvalidArgumentError, match=r"model_class='package.module:Name'"):
        save_model(Local(), tmp_path / "m")
    assert not (tmp_path / "m").exists()


# -- ONNX ------------------------------------------------------------------------------


def test_an_onnx_model_round_trips_with_onnxruntime(tmp_path: Path, iris_data: Data) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LinearRegression

    frame, target = iris_data
    inputs = frame.to_numpy().astype("float32")
    model = LinearRegression().fit(inputs, target)
    save_model(to_onnx(model, inputs[:1]), tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "onnx"
    predicted = loaded.predict(inputs)
    np.testing.assert_allclose(predicted.ravel(), model.predict(inputs), rtol=1e-4)
    np.testing.assert_allclose(loaded.predict(frame).ravel(), model.predict(inputs), rtol=1e-4)
    pins = _requirements(tmp_path / "m")
    assert pins["onnxruntime"] == importlib.metadata.version("onnxruntime")
    assert pins["onnx"] == importlib.metadata.version("onnx")


def test_an_onnx_model_takes_its_signature_from_the_graph(tmp_path: Path, iris_data: Data) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LinearRegression

    frame, target = iris_data
    inputs = frame.to_numpy().astype("float32")
    save_model(to_onnx(LinearRegression().fit(inputs, target), inputs[:1]), tmp_path / "m")
    signature = load_model(tmp_path / "m").signature
    assert signature is not None
    assert [(t.dtype, t.shape) for t in signature.inputs.tensors] == [("float32", (-1, 4))]


# -- generic Python models -------------------------------------------------------------


def test_a_python_model_round_trips(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    save_model(defs.Doubler(), tmp_path / "m", input_example=frame)
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "python"
    pd.testing.assert_frame_equal(loaded.predict(frame), frame * 2)
    assert "cloudpickle" in _requirements(tmp_path / "m")


# -- detection and batching ------------------------------------------------------------


def test_the_flavor_is_detected_from_the_object() -> None:
    import lightgbm
    import xgboost
    from sklearn.linear_model import LinearRegression

    assert detect_flavor(LinearRegression()).name == "sklearn"
    assert detect_flavor(xgboost.XGBRegressor()).name == "xgboost"
    assert detect_flavor(lightgbm.LGBMRegressor()).name == "lightgbm"
    assert detect_flavor(defs.Doubler()).name == "python"


def test_an_object_no_flavor_knows_is_refused_with_advice() -> None:
    with pytest.raises(InvalidArgumentError, match=r"cannot tell the flavor of a builtins\.dict"):
        detect_flavor({"weights": [1, 2]})


def test_a_flavor_can_be_chosen_by_name(tmp_path: Path, iris_data: Data) -> None:
    from sklearn.linear_model import LinearRegression

    frame, target = iris_data
    model = LinearRegression().fit(frame, target)
    save_model(model, tmp_path / "m", flavor="python")
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "python"
    np.testing.assert_allclose(loaded.predict(frame), model.predict(frame))


def test_an_unknown_flavor_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="unknown model flavor 'keras'"):
        save_model(defs.Doubler(), tmp_path / "m", flavor="keras")


def test_library_flavors_are_batchable_and_python_models_only_when_they_say_so(
    tmp_path: Path, iris_data: Data
) -> None:
    from sklearn.linear_model import LinearRegression

    frame, target = iris_data
    save_model(LinearRegression().fit(frame, target), tmp_path / "sk")
    save_model(defs.Doubler(), tmp_path / "plain")
    save_model(defs.BatchableDoubler(), tmp_path / "batch")
    assert load_model(tmp_path / "sk").batchable is True
    assert load_model(tmp_path / "plain").batchable is False
    assert load_model(tmp_path / "batch").batchable is True
    assert load_model(tmp_path / "batch").metadata.batchable is True
