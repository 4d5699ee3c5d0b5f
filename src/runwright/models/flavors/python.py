"""Generic Python models (any object with a ``predict`` method), pickled with cloudpickle,
with the files they read copied into the package's ``artifacts/`` folder."""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.models.flavors.base import Flavor, Predictor, SaveOptions
from runwright.models.python_model import PythonModelContext
from runwright.models.requirements import modules_of

__all__ = ["PythonFlavor"]

MODEL_FILE = "python_model.pkl"
ARTIFACTS = "artifacts"


class PythonFlavor(Flavor):
    name = "python"

    def detect(self, model: Any) -> bool:
        return not isinstance(model, type) and callable(getattr(model, "predict", None))

    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        import cloudpickle

        with (folder / MODEL_FILE).open("wb") as stream:
            cloudpickle.dump(model, stream)
        return {"file": MODEL_FILE, "artifacts": _copy_artifacts(options.artifacts, folder)}

    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        import cloudpickle

        with (folder / str(options.get("file", MODEL_FILE))).open("rb") as stream:
            model = cloudpickle.load(stream)
        artifacts = {
            str(name): str(folder / relative)
            for name, relative in dict(options.get("artifacts") or {}).items()
        }
        context = PythonModelContext(artifacts=artifacts)
        load_context = getattr(model, "load_context", None)
        if callable(load_context):
            load_context(context)
        predict, accepts_params = _caller(model, context)
        return Predictor(
            model=model,
            predict=predict,
            batchable=self.batchable(model),
            accepts_params=accepts_params,
        )

    def modules(self, model: Any) -> set[str]:
        return {"cloudpickle", "numpy", "pandas"} | modules_of(model)

    def batchable(self, model: Any) -> bool:
        return bool(getattr(model, "batchable", False))


def _copy_artifacts(artifacts: Mapping[str, Path], folder: Path) -> dict[str, str]:
    copied: dict[str, str] = {}
    for name, given in artifacts.items():
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise InvalidArgumentError(f"artifact name {name!r} must be a plain file name")
        source = Path(given)
        target = folder / ARTIFACTS / name
        if source.is_dir():
            shutil.copytree(source, target)
            copied[name] = f"{ARTIFACTS}/{name}"
        elif source.is_file():
            target.mkdir(parents=True)
            shutil.copy2(source, target / source.name)
            copied[name] = f"{ARTIFACTS}/{name}/{source.name}"
        else:
            raise NotFoundError(f"artifact {name!r}: nothing at {str(source)!r}")
    return copied


def _caller(model: Any, context: PythonModelContext) -> tuple[Any, bool]:
    """Calls ``model.predict`` the way its signature asks: ``(data)``, ``(data, params)``,
    or MLflow's ``(context, model_input, params)``."""
    method = model.predict
    try:
        parameters = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return (lambda data, params: method(data)), False
    names = [p.name for p in parameters]
    takes_params = "params" in names or any(p.kind is p.VAR_KEYWORD for p in parameters)
    if names and names[0] == "context":
        if takes_params:
            return (lambda data, params: method(context, data, params=params)), True
        return (lambda data, params: method(context, data)), False
    if takes_params:
        return (lambda data, params: method(data, params=params)), True
    return (lambda data, params: method(data)), False
