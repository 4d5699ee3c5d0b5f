"""From a request's payload to what ``predict`` takes, and back to each request's rows.

Each request is decoded on its own, checked against the model's signature as far as
that is cheap (missing columns, values of the wrong kind: the errors most bad requests
make), and put in a form that merges with other requests' rows:

- ``MATRIX``: a 2-D NumPy array; for a model whose columns are all floating point,
  with the signature's column names (the common case, and the fastest);
- ``COLUMNS``: a dict of column lists in the signature's order, for mixed types;
- ``FRAME``: a DataFrame (CSV, or a model without signature);
- ``OPAQUE``: anything else, scored on its own.

Requests with equal :attr:`ModelInput.key` may be merged into one ``predict`` call;
:func:`split` cuts the predictions back into each request's rows. The model's own
checks (``LoadedModel.predict``) still run on the merged input.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from runwright.models import SchemaError
from runwright.serving.errors import PayloadError
from runwright.serving.payloads import Payload

if TYPE_CHECKING:
    from runwright.models import ModelSignature

__all__ = [
    "COLUMNS",
    "FRAME",
    "MATRIX",
    "OPAQUE",
    "Decoder",
    "ModelInput",
    "encode_predictions",
    "merge",
    "split",
]

MATRIX = "matrix"
COLUMNS = "columns"
FRAME = "frame"
OPAQUE = "opaque"

_FLOATING = frozenset({"double", "float"})
_NONE = type(None)
# What a JSON value of a column may be before the model's own casts decide.
_ACCEPTED: Mapping[str, frozenset[type]] = {
    "double": frozenset({int, float, _NONE}),
    "float": frozenset({int, float, _NONE}),
    "long": frozenset({int, float, _NONE}),
    "integer": frozenset({int, float, _NONE}),
    "boolean": frozenset({bool, _NONE}),
    "string": frozenset({str, _NONE}),
    "binary": frozenset({str, bytes, _NONE}),
    "datetime": frozenset({str, int, float, _NONE}),
}
_NUMBERS = frozenset({int, float})


@dataclass(slots=True)
class ModelInput:
    """One request's rows, decoded; see the module docstring."""

    kind: str
    data: Any
    rows: int
    columns: tuple[str, ...] | None = None
    params: dict[str, Any] | None = None

    @property
    def key(self) -> Hashable | None:
        """Equal keys merge; None never does (parameters, or an input of its own kind)."""
        if self.params or self.kind == OPAQUE:
            return None
        if self.kind == MATRIX:
            return (MATRIX, self.columns, self.data.dtype.str, self.data.shape[1:])
        if self.kind == COLUMNS:
            return (COLUMNS, self.columns)
        frame = self.data
        return (FRAME, tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)))

    def for_predict(self) -> Any:
        """The input as ``LoadedModel.predict`` takes it."""
        if self.kind == MATRIX and self.columns is not None:
            import pandas as pd

            return pd.DataFrame(self.data, columns=list(self.columns), copy=False)
        return self.data


class Decoder:
    """Decodes payloads for one model signature (or none)."""

    def __init__(self, signature: ModelSignature | None) -> None:
        schema = None if signature is None else signature.inputs
        self._tensor = schema is not None and schema.is_tensor
        columnar = schema is not None and not schema.is_tensor and schema.has_names
        self._specs = schema.columns if schema is not None and columnar else []
        self._names = [str(s.name) for s in self._specs] if columnar else None
        self._required = frozenset(str(s.name) for s in self._specs if s.required)
        self._floating = bool(self._specs) and all(s.type in _FLOATING for s in self._specs)
        self._getter = itemgetter(*self._names) if self._names else None
        single = schema.tensors if self._tensor and schema is not None else []
        self._tensor_shape = (
            single[0].shape if len(single) == 1 and single[0].name is None else None
        )

    def decode(self, payload: Payload) -> ModelInput:
        item = self._decode(payload.format, payload.data)
        item.params = payload.params
        return item

    def _decode(self, form: str, value: Any) -> ModelInput:
        if form == "csv":
            return self._frame(value)
        if form == "dataframe_split":
            return self._split(value)
        if form == "dataframe_records":
            return self._records(value, form)
        if form == "instances":
            if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
                return self._records(value, form)
            return self._array(value, form)
        if isinstance(value, Mapping):
            return self._column_dict(value)
        return self._array(value, form)

    # -- the formats ----------------------------------------------------------------

    def _split(self, value: Any) -> ModelInput:
        if not isinstance(value, Mapping) or "data" not in value:
            raise PayloadError(
                "'dataframe_split' must be an object with 'data' (a list of rows) and "
                "optionally 'columns' and 'index'",
                kind="bad_format",
            )
        rows, columns = value["data"], value.get("columns")
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise PayloadError(
                "'dataframe_split.data' must be a list of rows, each a list of values",
                kind="bad_format",
            )
        if columns is not None:
            if not isinstance(columns, list) or not all(
                isinstance(c, str | int) and not isinstance(c, bool) for c in columns
            ):
                raise PayloadError(
                    "'dataframe_split.columns' must be a list of column names", kind="bad_format"
                )
            columns = [str(c) for c in columns]
            if len(set(columns)) != len(columns):
                raise PayloadError(
                    "'dataframe_split.columns' names a column twice", kind="bad_format"
                )
            width = len(columns)
            for index, row in enumerate(rows):
                if len(row) != width:
                    raise PayloadError(
                        f"'dataframe_split' row {index} has {len(row)} values but there are "
                        f"{width} columns",
                        kind="bad_format",
                    )
        if self._names is None:
            if self._tensor:
                return self._array(rows, "dataframe_split")
            return self._frame(_data_frame(rows, columns))
        return self._aligned(self._align_columns(columns, rows))

    def _align_columns(self, columns: list[str] | None, rows: list[list[Any]]) -> list[Any]:
        names = self._names or []
        if columns is None:
            for index, row in enumerate(rows):
                if len(row) != len(names):
                    raise SchemaError(
                        f"row {index} has {len(row)} values but the model expects "
                        f"{len(names)} columns: {', '.join(map(repr, names))}"
                    )
            return rows
        if columns == names:
            return rows
        position = {c: i for i, c in enumerate(columns)}
        self._check_present(position.keys())
        where = [position.get(n) for n in names]
        return [[None if p is None else row[p] for p in where] for row in rows]

    def _records(self, records: Any, form: str) -> ModelInput:
        if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
            raise PayloadError(
                f"'{form}' must be a list of objects (one per row)", kind="bad_format"
            )
        if self._names is None:
            if self._tensor:
                return ModelInput(OPAQUE, records, len(records))
            return self._frame(_data_frame(records, None))
        required = self._required
        for record in records:
            if not required <= record.keys():
                self._check_present(record.keys())
        complete = len(required) == len(self._names)
        if complete and self._getter is not None and len(self._names) > 1:
            rows: list[Any] = list(map(self._getter, records))
        else:
            names = self._names
            rows = [[record.get(n) for n in names] for record in records]
        return self._aligned(rows)

    def _column_dict(self, columns: Mapping[str, Any]) -> ModelInput:
        import numpy as np

        if self._names is None:
            return ModelInput(OPAQUE, {str(k): np.asarray(v) for k, v in columns.items()}, 1)
        self._check_present(columns.keys())
        names = self._names
        if all(not isinstance(v, list) for v in columns.values()):
            return self._aligned([[columns.get(n) for n in names]])
        lengths = {len(v) for v in columns.values() if isinstance(v, list)}
        if len(lengths) != 1 or not all(isinstance(v, list) for v in columns.values()):
            raise PayloadError(
                "the columns of 'inputs' must all be lists of the same length", kind="bad_format"
            )
        (length,) = lengths
        filler = [None] * length
        return self._aligned(list(zip(*(columns.get(n, filler) for n in names), strict=True)))

    def _array(self, value: Any, form: str) -> ModelInput:
        import numpy as np

        if self._names is not None and isinstance(value, list):
            width = len(self._names)
            if value and all(isinstance(row, list) and len(row) == width for row in value):
                return self._aligned(value)
            if width == 1 and value and all(not isinstance(v, list | dict) for v in value):
                return self._aligned([[v] for v in value])
        try:
            array = np.asarray(value)
        except ValueError as exc:
            raise PayloadError(
                f"'{form}' must be a list of rows of equal length (a tensor): {exc}",
                kind="bad_format",
            ) from None
        if array.ndim == 0 or array.dtype == object:
            return ModelInput(OPAQUE, array if array.ndim else value, 1)
        if self._tensor_shape is not None:
            expected = self._tensor_shape
            if array.ndim != len(expected) or any(
                want not in (-1, have)
                for want, have in zip(expected[1:], array.shape[1:], strict=False)
            ):
                wanted = ", ".join("any" if d == -1 else str(d) for d in expected)
                raise SchemaError(
                    f"the input has shape {tuple(array.shape)} but the model expects ({wanted})"
                )
        return ModelInput(MATRIX, array, len(array))

    def _frame(self, frame: Any) -> ModelInput:
        names = self._names
        if names is not None:
            present = {str(c) for c in frame.columns}
            self._check_present(present)
            if self._floating and all(n in present for n in names):
                chosen = frame[names]
                if all(t.kind in "fi" for t in chosen.dtypes):
                    import numpy as np

                    values = chosen.to_numpy(dtype=np.float64)
                    return ModelInput(MATRIX, values, len(values), tuple(names))
        return ModelInput(FRAME, frame, len(frame))

    # -- checks -----------------------------------------------------------------------

    def _check_present(self, given: Any) -> None:
        missing = [n for n in self._names or () if n in self._required and n not in given]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise SchemaError(
                f"missing column{plural} {', '.join(map(repr, missing))}; the model expects "
                f"{', '.join(map(repr, self._names or ()))}"
            )

    def _aligned(self, rows: Sequence[Sequence[Any]]) -> ModelInput:
        """Rows in the signature's column order, checked and put in mergeable form."""
        import numpy as np

        names = self._names or []
        if self._floating:
            kinds = set(map(type, chain.from_iterable(rows)))
            if kinds <= _NUMBERS or kinds <= _ACCEPTED["double"]:
                values = np.array(rows, dtype=np.float64) if rows else np.empty((0, len(names)))
                return ModelInput(MATRIX, values, len(values), tuple(names))
            self._refuse(rows)
        if not rows:
            empty: dict[str, list[Any]] = {n: [] for n in names}
            return ModelInput(COLUMNS, empty, 0, tuple(names))
        columns = list(zip(*rows, strict=True))
        for spec, column in zip(self._specs, columns, strict=True):
            if not set(map(type, column)) <= _ACCEPTED[spec.type]:
                self._refuse(rows)
        data = {n: list(v) for n, v in zip(names, columns, strict=True)}
        return ModelInput(COLUMNS, data, len(rows), tuple(names))

    def _refuse(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            for spec, value in zip(self._specs, row, strict=True):
                if type(value) not in _ACCEPTED[spec.type]:
                    raise SchemaError(
                        f"column {spec.name!r}: value {_short(value)} cannot be read as "
                        f"{spec.type} (it is a {_json_kind(value)})"
                    )


def _data_frame(rows: Any, columns: list[str] | None) -> Any:
    import pandas as pd

    try:
        if rows and isinstance(rows[0], Mapping):
            return pd.DataFrame.from_records(rows)
        return pd.DataFrame(rows, columns=columns)
    except (ValueError, TypeError) as exc:
        raise PayloadError(f"the rows do not make a table: {exc}", kind="bad_format") from None


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:60] + "…"


def _json_kind(value: Any) -> str:
    names = {bool: "boolean", str: "string", list: "list", dict: "object", _NONE: "null"}
    return names.get(type(value), type(value).__name__)


# -- merging and splitting ----------------------------------------------------------------


def merge(items: Sequence[ModelInput]) -> ModelInput:
    """One input holding the rows of ``items`` (all of one key), in order."""
    first = items[0]
    rows = sum(item.rows for item in items)
    if first.kind == MATRIX:
        import numpy as np

        data: Any = np.concatenate([item.data for item in items])
    elif first.kind == COLUMNS:
        data = {
            name: list(chain.from_iterable(item.data[name] for item in items))
            for name in first.columns or ()
        }
    else:
        import pandas as pd

        data = pd.concat([item.data for item in items], ignore_index=True)
    return ModelInput(first.kind, data, rows, first.columns)


def split(output: Any, sizes: Sequence[int]) -> list[Any] | None:
    """The predictions of a merged call cut into each request's rows, or None when the
    output does not have one entry per row (the caller then scores them one by one)."""
    total = sum(sizes)
    if isinstance(output, Mapping):
        if not output or not all(_length(v) == total for v in output.values()):
            return None
        cut = [_cuts(v, sizes) for v in output.values()]
        return [dict(zip(output.keys(), parts, strict=True)) for parts in zip(*cut, strict=True)]
    if _length(output) != total:
        return None
    return _cuts(output, sizes)


def _length(value: Any) -> int | None:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) else None
    if isinstance(value, list | tuple):
        return len(value)
    return None


def _cuts(value: Any, sizes: Sequence[int]) -> list[Any]:
    take = value.iloc if hasattr(value, "iloc") else value
    parts, start = [], 0
    for size in sizes:
        parts.append(take[start : start + size])
        start += size
    return parts


# -- the response -------------------------------------------------------------------------


def encode_predictions(output: Any) -> bytes:
    """``{"predictions": ...}`` as MLflow writes it: DataFrames as records, arrays and
    Series as lists."""
    return json.dumps({"predictions": jsonable(output)}, default=_default).encode()


def jsonable(value: Any) -> Any:
    """``value`` in JSON's terms (see :func:`encode_predictions`)."""
    if hasattr(value, "tolist") and hasattr(value, "shape") and not hasattr(value, "columns"):
        return value.tolist()
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        return value.to_dict(orient="records")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return list(value)
    return value


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)
