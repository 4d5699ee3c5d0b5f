"""Models and helpers the serving tests share (importable, so pickled models load in
the server's process)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import runwright as rw
from runwright.models import log_model
from runwright.registry import Registry

FEATURES = ["x", "z"]


def linear_rows(count: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(count, 2)), columns=FEATURES)


def expected(frame: pd.DataFrame | np.ndarray, intercept: float) -> np.ndarray:
    """What the linear models predict: 3x - 2z + intercept."""
    values = np.asarray(frame, dtype=float)
    return 3 * values[:, 0] - 2 * values[:, 1] + intercept


class Labeller:
    """A generic model with mixed column types, whose predictions are DataFrames."""

    batchable = True

    def predict(self, data: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {"label": [f"{n}:{c}" for n, c in zip(data["name"], data["count"], strict=True)]}
        )


class Powered:
    """Takes params: predictions are x ** power."""

    def predict(self, data: pd.DataFrame, params: Mapping[str, Any] | None = None) -> Any:
        return data["x"].to_numpy() ** (params or {}).get("power", 1)


def register_linear(name: str, intercept: float, aliases: tuple[str, ...] = ()) -> str:
    """A LinearRegression predicting 3x - 2z + intercept, registered; its version."""
    from sklearn.linear_model import LinearRegression

    frame = linear_rows(50, seed=int(intercept))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LinearRegression().fit(frame, expected(frame, intercept))
    with rw.start_run():
        info = log_model(model, input_example=frame[:3])
    registry = Registry()
    version = registry.register_model(info.model_uri, name).version
    for alias in aliases:
        registry.set_registered_model_alias(name, alias, version)
    return str(version)


def register_python(name: str, model: Any, example: Any, alias: str = "champion") -> None:
    with rw.start_run():
        info = log_model(model, input_example=example)
    registry = Registry()
    version = registry.register_model(info.model_uri, name).version
    registry.set_registered_model_alias(name, alias, version)


def populate(store: Path) -> None:
    """The registry every serving test uses:

    - ``lin`` v1 (+5, alias champion) and v2 (+7, alias challenger);
    - ``labels`` (Labeller: a string and an integer column, a DataFrame out);
    - ``powered`` (Powered: params).
    """
    rw.set_tracking_uri(str(store))
    try:
        register_linear("lin", 5.0, ("champion",))
        register_linear("lin", 7.0, ("challenger",))
        register_python("labels", Labeller(), pd.DataFrame({"name": ["a", "b"], "count": [1, 2]}))
        register_python("powered", Powered(), pd.DataFrame({"x": [1.0, 2.0]}))
    finally:
        while rw.active_run() is not None:
            rw.end_run()
        rw.set_tracking_uri(None)
