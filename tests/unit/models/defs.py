"""Models the model-package tests save and load; importable, so that packages that
refer to their classes by name (PyTorch state dicts, pickled Python models) load."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from runwright.models import PythonModel, PythonModelContext


def iris() -> tuple[pd.DataFrame, np.ndarray]:
    """150 rows, four float columns, three classes: every flavor's training data."""
    from sklearn.datasets import load_iris

    frame, target = load_iris(return_X_y=True, as_frame=True)
    frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return frame, target.to_numpy()


class Doubler:
    """A plain class with predict: the generic Python flavor, not batchable."""

    def predict(self, data: pd.DataFrame) -> pd.DataFrame:
        return data * 2


class BatchableDoubler(Doubler):
    batchable = True


class Scaler(PythonModel):
    """Reads its factor from a file artifact and an offset from a folder artifact."""

    batchable = True

    def __init__(self) -> None:
        self.factor = 0.0
        self.offset = 0.0

    def load_context(self, context: PythonModelContext) -> None:
        self.factor = float(Path(context.artifacts["factor"]).read_text())
        folder = Path(context.artifacts["settings"])
        self.offset = float((folder / "offset.txt").read_text())

    def predict(self, data: Any, params: Mapping[str, Any] | None = None) -> Any:
        power = (params or {}).get("power", 1)
        return (data["x"].to_numpy() * self.factor + self.offset) ** power


class MlflowStyle:
    """MLflow's signature: predict(context, model_input, params)."""

    def predict(self, context: Any, model_input: Any, params: Any = None) -> list[int]:
        return [len(model_input)] * len(model_input)


def make_net() -> Any:
    """A zero-argument factory for a small PyTorch module (4 inputs, 3 outputs)."""
    return _net_class()()


def _net_class() -> type:
    """`Net`, defined on first use: importing PyTorch takes seconds, and only the PyTorch
    tests (which skip without it) need it."""
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.linear(x), dim=1)

    # Importable as tests.unit.models.defs:Net, through the module __getattr__ below.
    Net.__qualname__ = "Net"
    return Net


def __getattr__(name: str) -> Any:
    if name == "Net":
        globals()["Net"] = cls = _net_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
