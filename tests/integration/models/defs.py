"""A pipeline whose training step logs its model (importable for the pipeline engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import runwright as rw


@rw.step
def train(rows: int) -> str:
    from sklearn.linear_model import LinearRegression

    frame = pd.DataFrame({"x": np.arange(rows, dtype=float)})
    model = LinearRegression().fit(frame, 3 * frame["x"] + 1)
    return rw.models.log_model(model, input_example=frame[:3]).model_uri


@rw.pipeline
def training(rows: int = 10):  # type: ignore[no-untyped-def]
    return train(rows)
