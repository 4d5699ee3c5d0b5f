"""XGBoost boosters and scikit-learn wrappers, in XGBoost's own UBJSON format."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.flavors.base import (
    Flavor,
    Predictor,
    SaveOptions,
    import_object,
    loaded_class,
    reference_of,
)

__all__ = ["XGBoostFlavor"]

MODEL_FILE = "model.ubj"
BOOSTER = "Booster"


class XGBoostFlavor(Flavor):
    name = "xgboost"

    def detect(self, model: Any) -> bool:
        classes = [loaded_class("xgboost", n) for n in ("Booster", "XGBModel")]
        return any(c is not None and isinstance(model, c) for c in classes)

    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        import xgboost

        if isinstance(model, xgboost.Booster):
            model_type = BOOSTER
        else:
            found = reference_of(type(model))
            if found is None:
                raise InvalidArgumentError(
                    f"cannot save {type(model).__qualname__}: its class is not importable"
                )
            model_type = found
        model.save_model(str(folder / MODEL_FILE))
        return {
            "file": MODEL_FILE,
            "model_type": model_type,
            "xgboost_version": xgboost.__version__,
        }

    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        import xgboost

        path = str(folder / str(options.get("file", MODEL_FILE)))
        model_type = str(options.get("model_type", BOOSTER))
        if model_type == BOOSTER:
            booster = xgboost.Booster(model_file=path)
            return Predictor(model=booster, predict=_booster_predict(booster))
        model = import_object(model_type)()
        model.load_model(path)
        return Predictor(model=model, predict=lambda data, params: model.predict(data))

    def modules(self, model: Any) -> set[str]:
        return {"xgboost", "numpy", "pandas"} | (
            set() if type(model).__name__ == BOOSTER else {"sklearn"}
        )


def _booster_predict(booster: Any) -> Any:
    import xgboost

    names = booster.feature_names

    def predict(data: Any, params: Mapping[str, Any] | None) -> Any:
        if hasattr(data, "columns"):
            matrix = xgboost.DMatrix(data)
        else:
            matrix = xgboost.DMatrix(data, feature_names=names)
        return booster.predict(matrix)

    return predict
