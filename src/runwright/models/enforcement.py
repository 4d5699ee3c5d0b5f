"""From whatever a caller passes to what the model's signature promises it.

:func:`prepare_input` accepts a pandas DataFrame, a NumPy array, a list of records or
a dict of columns (and a dict of named arrays for models of several tensors) and
returns, for a column signature, a DataFrame with exactly the signature's columns in
its order and types (extra columns dropped, as MLflow does), and for a tensor
signature the array (or dict of arrays) in the declared dtype, its shape checked.
Without a signature, records and column dicts become a DataFrame and the rest passes.
Casts follow :mod:`runwright.models.casting`; every refusal is a SchemaError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runwright.models.casting import cast_array, is_missing
from runwright.models.errors import SchemaError
from runwright.models.signature import DATA_TYPES, ColSpec, Schema, TensorSpec

__all__ = ["prepare_input", "to_frame"]

_FORMS = "a pandas DataFrame, a NumPy array, a list of records or a dict of columns"


def prepare_input(data: Any, schema: Schema | None) -> Any:
    """``data`` in the canonical form for ``schema``; see the module docstring."""
    if schema is None:
        return _without_schema(data)
    if schema.is_tensor:
        return _enforce_tensors(data, schema)
    return _enforce_columns(data, schema)


def to_frame(data: Any, names: Sequence[str] | None = None) -> Any:
    """A DataFrame from any accepted form; 2-D arrays take ``names`` for their columns."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, Mapping):
        if not data:
            raise SchemaError("the input is an empty dict: no columns")
        if all(_is_scalar(v) for v in data.values()):
            return pd.DataFrame([dict(data)])
        try:
            return pd.DataFrame({str(k): _column_values(v) for k, v in data.items()})
        except ValueError as exc:
            raise SchemaError(f"the columns of the input dict do not line up: {exc}") from None
    if isinstance(data, list | tuple):
        if data and all(isinstance(row, Mapping) for row in data):
            return pd.DataFrame.from_records(list(data))
        data = np.asarray(data)
    if isinstance(data, np.ndarray):
        if data.ndim == 1:
            data = data.reshape(-1, 1)
        if data.ndim != 2:
            raise SchemaError(
                f"an array of shape {data.shape} cannot be read as a table: it needs 2 dimensions"
            )
        if names is not None and len(names) != data.shape[1]:
            raise SchemaError(
                f"the input array has {data.shape[1]} columns (shape {data.shape}) but the "
                f"model expects {len(names)}: {', '.join(names)}"
            )
        return pd.DataFrame(data, columns=list(names) if names is not None else None)
    raise SchemaError(f"the input must be {_FORMS}, got {type(data).__name__}")


def _is_scalar(value: Any) -> bool:
    import numpy as np
    import pandas as pd

    return not isinstance(value, list | tuple | np.ndarray | pd.Series)


def _column_values(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray) and value.ndim > 1:
        raise SchemaError(f"a column must be 1-dimensional, got an array of shape {value.shape}")
    return value


def _without_schema(data: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame | np.ndarray):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, Mapping):
        if (
            data
            and all(isinstance(v, np.ndarray) for v in data.values())
            and any(v.ndim != 1 for v in data.values())
        ):
            return dict(data)
        return to_frame(data)
    if isinstance(data, list | tuple):
        if data and all(isinstance(row, Mapping) for row in data):
            return to_frame(data)
        return np.asarray(data)
    raise SchemaError(f"the input must be {_FORMS}, got {type(data).__name__}")


# -- columns ------------------------------------------------------------------------


def _enforce_columns(data: Any, schema: Schema) -> Any:
    import pandas as pd

    specs = schema.columns
    if not schema.has_names:
        frame = to_frame(data, names=[str(i) for i in range(len(specs))])
        if frame.shape[1] != len(specs):
            raise SchemaError(
                f"the input has {frame.shape[1]} columns but the model expects {len(specs)}"
            )
        columns = {
            str(i): _cast_column(frame.iloc[:, i], spec, f"column {i}")
            for i, spec in enumerate(specs)
        }
        return pd.DataFrame(columns, index=frame.index)
    names = schema.names
    frame = to_frame(data, names=names)
    present = {str(c): c for c in frame.columns}
    missing = [s.name for s in specs if s.required and s.name not in present]
    if missing:
        listed = ", ".join(repr(m) for m in missing)
        plural = "s" if len(missing) > 1 else ""
        raise SchemaError(
            f"missing column{plural} {listed}; the model expects {', '.join(map(repr, names))}"
        )
    columns = {
        spec.name: _cast_column(frame[present[spec.name]], spec, f"column {spec.name!r}")
        for spec in specs
        if spec.name in present and spec.name is not None
    }
    return pd.DataFrame(columns, index=frame.index)


def _cast_column(series: Any, spec: ColSpec, what: str) -> Any:
    import numpy as np
    import pandas as pd

    if spec.type in ("string", "binary"):
        wanted = str if spec.type == "string" else bytes
        for value in series.tolist():
            if not isinstance(value, wanted) and not is_missing(value):
                raise SchemaError(
                    f"{what}: value {value!r} cannot be read as {spec.type} "
                    f"(it is a {type(value).__name__})"
                )
        if spec.type == "string" and pd.api.types.is_string_dtype(series.dtype):
            return series
        return series.astype(object)
    if spec.type == "datetime" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    target = np.dtype(DATA_TYPES[spec.type])
    cast = cast_array(np.asarray(series.to_numpy()), target, what, spec.type)
    return pd.Series(cast, index=series.index, name=series.name)


# -- tensors ------------------------------------------------------------------------


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    specs = schema.tensors
    if len(specs) == 1 and not isinstance(data, Mapping):
        spec = specs[0]
        if isinstance(data, pd.DataFrame | pd.Series):
            data = data.to_numpy()
        elif isinstance(data, list | tuple):
            if data and all(isinstance(row, Mapping) for row in data):
                data = to_frame(data).to_numpy()
            else:
                data = np.asarray(data)
        if not isinstance(data, np.ndarray):
            raise SchemaError(f"the input must be {_FORMS}, got {type(data).__name__}")
        return _check_tensor(data, spec, "the input" if spec.name is None else repr(spec.name))
    if isinstance(data, pd.DataFrame):
        data = {str(c): data[c].to_numpy() for c in data.columns}
    if not isinstance(data, Mapping):
        raise SchemaError(
            f"the model takes the named tensors {', '.join(map(repr, schema.names))}: "
            f"give a dict of arrays, got {type(data).__name__}"
        )
    missing = [s.name for s in specs if s.name not in data]
    if missing:
        raise SchemaError(
            f"missing input {', '.join(map(repr, missing))}; "
            f"the model expects {', '.join(map(repr, schema.names))}"
        )
    return {
        s.name: _check_tensor(np.asarray(data[s.name]), s, f"input {s.name!r}")
        for s in specs
        if s.name is not None
    }


def _check_tensor(array: Any, spec: TensorSpec, what: str) -> Any:
    import numpy as np

    expected = spec.shape
    if array.ndim != len(expected) or any(
        want not in (-1, have) for want, have in zip(expected, array.shape, strict=False)
    ):
        raise SchemaError(
            f"{what} has shape {tuple(array.shape)} but the model expects "
            f"{spec.describe_shape()} (dtype {spec.dtype})"
        )
    target = np.dtype(str) if spec.dtype == "str" else np.dtype(spec.dtype)
    if spec.dtype == "str" and array.dtype.kind == "U":
        return array
    return cast_array(array, target, what, spec.dtype)
