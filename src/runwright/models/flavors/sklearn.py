"""scikit-learn estimators and pipelines, saved with joblib."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.models.flavors.base import Flavor, Predictor, SaveOptions, loaded_class
from runwright.models.requirements import modules_of

__all__ = ["SklearnFlavor"]

MODEL_FILE = "model.joblib"


class SklearnFlavor(Flavor):
    name = "sklearn"

    def detect(self, model: Any) -> bool:
        base = loaded_class("sklearn.base", "BaseEstimator")
        return base is not None and isinstance(model, base)

    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        import joblib
        import sklearn

        joblib.dump(model, folder / MODEL_FILE)
        return {"file": MODEL_FILE, "sklearn_version": sklearn.__version__}

    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        import joblib

        model = joblib.load(folder / str(options.get("file", MODEL_FILE)))
        return Predictor(model=model, predict=estimator_predict(model))

    def modules(self, model: Any) -> set[str]:
        return {"sklearn", "joblib", "numpy", "pandas"} | modules_of(model)


def estimator_predict(model: Any) -> Any:
    """``model.predict``, fed an array when the model was fitted without column names
    (so scikit-learn does not warn about names it never saw)."""
    takes_names = hasattr(model, "feature_names_in_")

    def predict(data: Any, params: Mapping[str, Any] | None) -> Any:
        if not takes_names and hasattr(data, "to_numpy") and hasattr(data, "columns"):
            data = data.to_numpy()
        return model.predict(data)

    return predict
