"""LightGBM boosters (LightGBM's text format) and scikit-learn wrappers (joblib)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.models.flavors.base import Flavor, Predictor, SaveOptions, loaded_class
from runwright.models.flavors.sklearn import estimator_predict
from runwright.models.requirements import modules_of

__all__ = ["LightGBMFlavor"]

BOOSTER_FILE = "model.txt"
WRAPPER_FILE = "model.joblib"


class LightGBMFlavor(Flavor):
    name = "lightgbm"

    def detect(self, model: Any) -> bool:
        classes = [loaded_class("lightgbm", n) for n in ("Booster", "LGBMModel")]
        return any(c is not None and isinstance(model, c) for c in classes)

    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        import lightgbm

        if isinstance(model, lightgbm.Booster):
            model.save_model(str(folder / BOOSTER_FILE))
            return {
                "kind": "booster",
                "file": BOOSTER_FILE,
                "lightgbm_version": lightgbm.__version__,
            }
        import joblib

        joblib.dump(model, folder / WRAPPER_FILE)
        return {"kind": "sklearn", "file": WRAPPER_FILE, "lightgbm_version": lightgbm.__version__}

    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        if options.get("kind") == "sklearn":
            import joblib

            model = joblib.load(folder / str(options.get("file", WRAPPER_FILE)))
            return Predictor(model=model, predict=estimator_predict(model))
        import lightgbm

        booster = lightgbm.Booster(model_file=str(folder / str(options.get("file", BOOSTER_FILE))))
        return Predictor(model=booster, predict=lambda data, params: booster.predict(data))

    def modules(self, model: Any) -> set[str]:
        if type(model).__name__ == "Booster":
            return {"lightgbm", "numpy", "pandas"}
        return {"lightgbm", "sklearn", "joblib", "numpy", "pandas"} | modules_of(model)
