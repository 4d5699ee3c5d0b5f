"""Signatures read off example data: pandas columns and dtypes, NumPy dtype and shape.

- a DataFrame (or a list of records, or a dict of columns) gives one column spec per
  column, in order;
- a NumPy array (or a list of lists) gives one tensor spec whose first dimension,
  the batch, is -1;
- a dict of arrays with more than one dimension gives one named tensor spec each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.casting import is_missing
from runwright.models.signature import ColSpec, ModelSignature, Schema, TensorSpec

__all__ = ["infer_schema", "infer_signature"]


def infer_signature(inputs: Any, outputs: Any = None) -> ModelSignature:
    """The signature of a model that takes ``inputs`` (and returns ``outputs``, if given)."""
    return ModelSignature(
        inputs=infer_schema(inputs),
        outputs=None if outputs is None else infer_schema(outputs),
    )


def infer_schema(data: Any) -> Schema:
    """The schema of one piece of example data; see the module docstring."""
    import numpy as np

    if _is_pandas(data, "DataFrame"):
        return _frame_schema(data)
    if _is_pandas(data, "Series"):
        return _frame_schema(data.to_frame())
    if isinstance(data, np.ndarray):
        return Schema([_tensor_spec(data, None)])
    if isinstance(data, Mapping):
        if not data:
            raise InvalidArgumentError("cannot infer a signature from an empty dict")
        if all(isinstance(v, np.ndarray) for v in data.values()) and any(
            v.ndim != 1 for v in data.values()
        ):
            return Schema([_tensor_spec(v, str(k)) for k, v in data.items()])
        return _frame_schema(_frame_from_dict(data))
    if isinstance(data, list | tuple):
        if not data:
            raise InvalidArgumentError("cannot infer a signature from an empty list")
        if all(isinstance(row, Mapping) for row in data):
            import pandas as pd

            return _frame_schema(pd.DataFrame.from_records(list(data)))
        return Schema([_tensor_spec(np.asarray(data), None)])
    if type(data).__module__.startswith("torch") and hasattr(data, "numpy"):
        return Schema([_tensor_spec(data.detach().cpu().numpy(), None)])
    raise InvalidArgumentError(
        "cannot infer a signature from "
        f"{type(data).__name__}: give a pandas DataFrame, a NumPy array, "
        "a list of records or a dict of columns"
    )


def _is_pandas(data: Any, name: str) -> bool:
    cls = type(data)
    return cls.__name__ == name and cls.__module__.startswith("pandas")


def _frame_from_dict(data: Mapping[str, Any]) -> Any:
    import pandas as pd

    if all(_is_scalar(v) for v in data.values()):
        return pd.DataFrame([dict(data)])
    return pd.DataFrame({str(k): v for k, v in data.items()})


def _is_scalar(value: Any) -> bool:
    import numpy as np

    return not isinstance(value, list | tuple | np.ndarray) and not _is_pandas(value, "Series")


def _tensor_spec(array: Any, name: str | None) -> TensorSpec:
    if array.ndim == 0:
        raise InvalidArgumentError(
            f"cannot infer a tensor spec from a single value{f' ({name})' if name else ''}; "
            "give a batch of rows"
        )
    kind = array.dtype.kind
    dtype = {"U": "str", "S": "bytes", "O": "object"}.get(kind, array.dtype.name)
    return TensorSpec(dtype=dtype, shape=(-1, *array.shape[1:]), name=name)


def _frame_schema(frame: Any) -> Schema:
    return Schema(
        ColSpec(type=_column_type(frame[column], str(column)), name=str(column))
        for column in frame.columns
    )


def _column_type(series: Any, name: str) -> str:
    import pandas as pd
    from pandas.api import types

    dtype = series.dtype
    if types.is_bool_dtype(dtype):
        return "boolean"
    if types.is_integer_dtype(dtype):
        size = dtype.itemsize
        signed = types.is_signed_integer_dtype(dtype)
        return "integer" if size < 4 or (signed and size == 4) else "long"
    if types.is_float_dtype(dtype):
        return "float" if dtype.itemsize <= 4 else "double"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return _object_type(series, name)
    raise InvalidArgumentError(f"column {name!r}: cannot infer a type from dtype {dtype}")


def _object_type(series: Any, name: str) -> str:
    import numpy as np

    values = [v for v in series.tolist() if not is_missing(v)]
    if not values:
        return "string"
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(isinstance(v, bytes) for v in values):
        return "binary"
    if all(isinstance(v, bool | np.bool_) for v in values):
        return "boolean"
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
        return "long"
    if all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in values):
        return "double"
    kinds = sorted({type(v).__name__ for v in values})
    raise InvalidArgumentError(
        f"column {name!r}: cannot infer one type from values of types {', '.join(kinds)}"
    )
