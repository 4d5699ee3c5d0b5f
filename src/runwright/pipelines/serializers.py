"""How step outputs become files and back, chosen by the value's type.

The registry is ordered: the first serialiser that accepts a value and saves it
without error wins, and cloudpickle catches everything else. Add your own with
`register_serializer`; it goes first. A stored output names its serialiser (and a
detail, such as a model class), so loading never guesses.
"""

from __future__ import annotations

import importlib
import json
import math
import warnings
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from runwright.errors import SerializationError

__all__ = [
    "Serializer",
    "find_serializer",
    "load_value",
    "register_serializer",
    "save_value",
    "serializers",
]


@runtime_checkable
class Serializer(Protocol):
    #: Stored with each output; must stay stable once outputs exist.
    name: str
    #: File extension of the saved file, e.g. ".parquet".
    extension: str

    def accepts(self, value: Any) -> bool: ...

    def save(self, value: Any, path: Path) -> str:
        """Write ``value`` to ``path``; return a detail ``load`` needs ("" if none)."""

    def load(self, path: Path, detail: str) -> Any: ...


def _type_named(module: str, name: str) -> type | None:
    """The class ``module.name`` if that module is already imported (never imports it)."""
    import sys

    found = sys.modules.get(module)
    return getattr(found, name, None) if found is not None else None


def _class_path(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}:{cls.__qualname__}"


def _import_class(path: str) -> Any:
    module, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


class PandasParquet:
    name = "pandas.parquet"
    extension = ".parquet"

    def accepts(self, value: Any) -> bool:
        frame = _type_named("pandas", "DataFrame")
        return frame is not None and isinstance(value, frame)

    def save(self, value: Any, path: Path) -> str:
        # pyarrow only warns when the file will not give the frame back as it was
        # (column labels of mixed types become strings, a non-string index name too,
        # attrs it cannot store are dropped): such a frame goes to the next serialiser.
        # "always", or a second such frame would not warn and would be stored lossily.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value.to_parquet(path, engine="pyarrow")
        lossy = [w for w in caught if issubclass(w.category, UserWarning)]
        for other in caught:
            if other not in lossy:
                warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
        if lossy:
            raise ValueError(str(lossy[0].message))
        return ""

    def load(self, path: Path, detail: str) -> Any:
        import pandas as pd

        return pd.read_parquet(path, engine="pyarrow")


class PolarsParquet:
    name = "polars.parquet"
    extension = ".parquet"

    def accepts(self, value: Any) -> bool:
        frame = _type_named("polars", "DataFrame")
        return frame is not None and isinstance(value, frame)

    def save(self, value: Any, path: Path) -> str:
        value.write_parquet(path)
        return ""

    def load(self, path: Path, detail: str) -> Any:
        import polars as pl

        return pl.read_parquet(path)


class NumpyArray:
    name = "numpy.npy"
    extension = ".npy"

    def accepts(self, value: Any) -> bool:
        array = _type_named("numpy", "ndarray")
        return array is not None and type(value) is array and not value.dtype.hasobject  # type: ignore[attr-defined]

    def save(self, value: Any, path: Path) -> str:
        import numpy as np

        with open(path, "wb") as stream:
            np.save(stream, value, allow_pickle=False)
        return ""

    def load(self, path: Path, detail: str) -> Any:
        import numpy as np

        return np.load(path, allow_pickle=False)


class XGBoostModel:
    """XGBoost's own format (UBJSON): readable by any later XGBoost, unlike a pickle."""

    name = "xgboost.ubj"
    extension = ".ubj"

    def accepts(self, value: Any) -> bool:
        booster = _type_named("xgboost", "Booster")
        model = _type_named("xgboost", "XGBModel")
        return any(t is not None and isinstance(value, t) for t in (booster, model))

    def save(self, value: Any, path: Path) -> str:
        value.save_model(str(path))
        return _class_path(value)

    def load(self, path: Path, detail: str) -> Any:
        model = _import_class(detail)()
        model.load_model(str(path))
        return model


class LightGBMBooster:
    """A LightGBM Booster in LightGBM's text format; its scikit-learn wrappers pickle."""

    name = "lightgbm.txt"
    extension = ".txt"

    def accepts(self, value: Any) -> bool:
        booster = _type_named("lightgbm", "Booster")
        return booster is not None and isinstance(value, booster)

    def save(self, value: Any, path: Path) -> str:
        value.save_model(str(path))
        return ""

    def load(self, path: Path, detail: str) -> Any:
        import lightgbm

        return lightgbm.Booster(model_file=str(path))


class ScikitLearnModel:
    """Estimators (LightGBM's scikit-learn wrappers too) with joblib, scikit-learn's
    documented way to persist a model; loading needs the same library versions."""

    name = "sklearn.joblib"
    extension = ".joblib"

    def accepts(self, value: Any) -> bool:
        base = _type_named("sklearn.base", "BaseEstimator")
        return base is not None and isinstance(value, base)

    def save(self, value: Any, path: Path) -> str:
        import joblib

        joblib.dump(value, path)
        return ""

    def load(self, path: Path, detail: str) -> Any:
        import joblib

        return joblib.load(path)


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > 100:
        return False
    if value is None or type(value) in (bool, int, str):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_is_json(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _is_json(v, depth + 1) for k, v in value.items())
    return False


class JsonValue:
    """None, booleans, numbers, strings and lists/dicts of them: readable by anyone.
    Tuples and non-finite floats are left to cloudpickle so they round-trip exactly."""

    name = "json"
    extension = ".json"

    def accepts(self, value: Any) -> bool:
        return _is_json(value)

    def save(self, value: Any, path: Path) -> str:
        path.write_text(json.dumps(value, allow_nan=False, separators=(",", ":")), encoding="utf-8")
        return ""

    def load(self, path: Path, detail: str) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))


class CloudPickle:
    name = "cloudpickle"
    extension = ".pkl"

    def accepts(self, value: Any) -> bool:
        return True

    def save(self, value: Any, path: Path) -> str:
        import cloudpickle

        with open(path, "wb") as stream:
            cloudpickle.dump(value, stream)
        return ""

    def load(self, path: Path, detail: str) -> Any:
        import pickle

        with open(path, "rb") as stream:
            return pickle.load(stream)


_registry: list[Serializer] = [
    PandasParquet(),
    PolarsParquet(),
    NumpyArray(),
    XGBoostModel(),
    LightGBMBooster(),
    ScikitLearnModel(),
    JsonValue(),
    CloudPickle(),
]


def serializers() -> list[Serializer]:
    return list(_registry)


def register_serializer(serializer: Serializer) -> None:
    """Put ``serializer`` first, replacing one of the same name."""
    if not isinstance(serializer, Serializer):
        raise TypeError("a serializer needs name, extension, accepts, save and load")
    _registry[:] = [serializer, *(s for s in _registry if s.name != serializer.name)]


def find_serializer(name: str) -> Serializer:
    for serializer in _registry:
        if serializer.name == name:
            return serializer
    raise SerializationError(
        f"no serializer named {name!r} is registered; register it before loading this output"
    )


def save_value(value: Any, folder: Path, stem: str) -> tuple[Path, str]:
    """Save ``value`` under ``folder`` as ``stem + extension``; returns (file, "name[:detail]")."""
    errors: list[str] = []
    for serializer in _registry:
        if not serializer.accepts(value):
            continue
        path = folder / f"{stem}{serializer.extension}"
        try:
            detail = serializer.save(value, path)
        except Exception as exc:  # a serialiser that cannot take this value: try the next
            path.unlink(missing_ok=True)
            errors.append(f"{serializer.name}: {exc}")
            continue
        return path, serializer.name + (f":{detail}" if detail else "")
    raise SerializationError(
        f"cannot store a {type(value).__name__} output: " + "; ".join(errors or ["no serializer"])
    )


def load_value(path: Path, stored: str) -> Any:
    name, _, detail = stored.partition(":")
    try:
        return find_serializer(name).load(path, detail)
    except SerializationError:
        raise
    except Exception as exc:
        raise SerializationError(f"cannot read output {path.name} ({stored}): {exc}") from exc
