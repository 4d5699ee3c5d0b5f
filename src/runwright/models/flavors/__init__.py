"""The flavors Runwright packages models in, and how one is picked for a model.

Detection goes through :data:`FLAVORS` in order, most specific first: the generic
Python flavor (anything with ``predict``) comes last, so a scikit-learn estimator is
saved as scikit-learn, and an XGBoost or LightGBM scikit-learn wrapper in its library's
own flavor. Importing this package imports none of the libraries.
"""

from __future__ import annotations

from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.flavors.base import Flavor, Predictor, SaveOptions
from runwright.models.flavors.lightgbm import LightGBMFlavor
from runwright.models.flavors.onnx import OnnxFlavor
from runwright.models.flavors.python import PythonFlavor
from runwright.models.flavors.pytorch import PyTorchFlavor
from runwright.models.flavors.sklearn import SklearnFlavor
from runwright.models.flavors.xgboost import XGBoostFlavor

__all__ = [
    "FLAVORS",
    "Flavor",
    "Predictor",
    "SaveOptions",
    "detect_flavor",
    "get_flavor",
    "register_flavor",
]

FLAVORS: dict[str, Flavor] = {
    flavor.name: flavor
    for flavor in (
        XGBoostFlavor(),
        LightGBMFlavor(),
        PyTorchFlavor(),
        OnnxFlavor(),
        SklearnFlavor(),
        PythonFlavor(),
    )
}


def register_flavor(flavor: Flavor) -> None:
    """Add a flavor, tried before the built-in ones (a later one of the same name wins)."""
    others = {name: f for name, f in FLAVORS.items() if name != flavor.name}
    FLAVORS.clear()
    FLAVORS[flavor.name] = flavor
    FLAVORS.update(others)


def get_flavor(name: str) -> Flavor:
    try:
        return FLAVORS[name]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown model flavor {name!r}; known: {', '.join(sorted(FLAVORS))}"
        ) from None


def detect_flavor(model: Any) -> Flavor:
    """The first flavor that recognises ``model``."""
    for flavor in FLAVORS.values():
        if flavor.detect(model):
            return flavor
    raise InvalidArgumentError(
        f"cannot tell the flavor of a {type(model).__module__}.{type(model).__qualname__}: "
        f"pass flavor= (one of {', '.join(sorted(FLAVORS))}) or give it a predict method"
    )
