"""Models saved by MLflow's scikit-learn flavor load as they are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runwright.errors import InvalidArgumentError
from runwright.models import ColSpec, SchemaError, load_model

Data = tuple[pd.DataFrame, np.ndarray]

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)


@pytest.mark.parametrize("serialization", ["skops", "cloudpickle", "pickle"])
def test_an_mlflow_sklearn_model_loads_and_predicts(
    tmp_path: Path, iris_data: Data, serialization: str
) -> None:
    mlflow_sklearn = pytest.importorskip("mlflow.sklearn")
    from sklearn.linear_model import LogisticRegression

    frame, target = iris_data
    model = LogisticRegression(max_iter=500).fit(frame, target)
    mlflow_sklearn.save_model(
        model,
        str(tmp_path / "m"),
        input_example=frame[:3],
        serialization_format=serialization,
        # Given, so that MLflow does not start a process to infer them.
        pip_requirements=["scikit-learn"],
    )
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor == "sklearn"
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    assert loaded.signature is not None
    assert loaded.signature.inputs.columns[0] == ColSpec("double", "sepal_length")
    with pytest.raises(SchemaError, match="missing column 'petal_width'"):
        loaded.predict(frame.drop(columns=["petal_width"]))


def test_other_mlflow_flavors_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(
        "flavors:\n  keras:\n    data: model.keras\n  python_function:\n    loader_module: x\n"
    )
    with pytest.raises(InvalidArgumentError, match="has the flavors keras, python_function"):
        load_model(tmp_path)
