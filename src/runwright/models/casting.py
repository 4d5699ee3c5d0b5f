"""Safe casts: a value changes type only when nothing is lost or invented.

- integers to floats: yes (the usual widening);
- floats to integers: only whole numbers, no missing values, within the range;
- wider floats to narrower ones: yes while finite values stay finite (JSON numbers
  arrive as float64 and many models take float32);
- booleans and numbers never mix, and strings are never read as numbers.

Each refusal is a :class:`~runwright.models.errors.SchemaError` naming ``what`` (the
column or tensor) and the first offending value.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from runwright.models.errors import SchemaError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["cast_array", "is_missing"]


def is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    kind = type(value).__name__
    if kind in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # noqa: PLR0124 -- NaN of any float type
    except (TypeError, ValueError):
        return False


def cast_array(
    values: np.ndarray, target: np.dtype[Any], what: str, label: str | None = None
) -> np.ndarray:
    """``values`` as ``target``, or a SchemaError when the cast could lose information.

    ``what`` names the values in messages ("column 'age'"), ``label`` the type (default:
    the NumPy dtype's name)."""
    if values.dtype == target:
        return values
    cast = _Cast(target, what, label or str(target.name))
    kind = target.kind
    if kind == "f":
        return cast.to_float(values)
    if kind in "iu":
        return cast.to_int(values)
    if kind == "b":
        return cast.to_bool(values)
    if kind in "OUS":
        return cast.to_text(values)
    if kind == "M":
        return cast.to_datetime(values)
    raise SchemaError(f"{what}: cannot check values against type {cast.label}")


def _show(value: Any) -> str:
    text = repr(value.item() if hasattr(value, "item") else value)
    return text if len(text) <= 60 else text[:57] + "..."


def _first(values: np.ndarray) -> Any:
    return values.reshape(-1)[0] if values.size else values.dtype


class _Cast:
    """One cast: the target dtype, and how messages name the values and the type."""

    def __init__(self, target: np.dtype[Any], what: str, label: str) -> None:
        self.target = target
        self.what = what
        self.label = label

    def refuse(self, value: Any, why: str = "") -> SchemaError:
        reason = f" ({why})" if why else ""
        return SchemaError(
            f"{self.what}: value {_show(value)} cannot be read as {self.label}{reason}"
        )

    def missing(self) -> SchemaError:
        return SchemaError(f"{self.what}: missing value where {self.label} is required")

    def numbers(self, values: np.ndarray) -> np.ndarray:
        """Python objects that must all be numbers (or missing), as float64 values."""
        import numpy as np

        out = np.empty(values.shape, dtype=np.float64)
        flat_out = out.reshape(-1)
        for i, value in enumerate(values.reshape(-1)):
            if is_missing(value):
                flat_out[i] = np.nan
            elif isinstance(value, bool | np.bool_) or not isinstance(
                value, int | float | np.integer | np.floating
            ):
                raise self.refuse(value)
            else:
                try:
                    flat_out[i] = float(value)
                except OverflowError:
                    raise self.refuse(value, "out of range") from None
        return out

    def to_float(self, values: np.ndarray) -> np.ndarray:
        import numpy as np

        source = values.dtype.kind
        if source in "iu":
            return values.astype(self.target)
        if source == "f":
            with np.errstate(over="ignore"):
                cast = values.astype(self.target)
            if cast.dtype.itemsize < values.dtype.itemsize:
                overflow = np.isfinite(values) & ~np.isfinite(cast)
                if overflow.any():
                    raise self.refuse(values[overflow][0], "out of range")
            return cast
        if source == "O":
            return self.to_float(self.numbers(values))
        raise self.refuse(_first(values))

    def to_int(self, values: np.ndarray) -> np.ndarray:
        import numpy as np

        source = values.dtype.kind
        limits = np.iinfo(self.target)
        if source == "O":
            for value in values.reshape(-1):
                if is_missing(value):
                    raise self.missing()
                if isinstance(value, bool | np.bool_) or not isinstance(
                    value, int | float | np.integer | np.floating
                ):
                    raise self.refuse(value)
                if isinstance(value, float | np.floating) and not float(value).is_integer():
                    raise self.refuse(value, "it has a fraction")
                if not limits.min <= value <= limits.max:
                    raise self.refuse(value, "out of range")
            return np.array([int(v) for v in values.reshape(-1)], dtype=self.target).reshape(
                values.shape
            )
        if source in "iu":
            if values.size:
                low, high = values.min(), values.max()
                if low < limits.min or high > limits.max:
                    raise self.refuse(low if low < limits.min else high, "out of range")
            return values.astype(self.target)
        if source == "f":
            if np.isnan(values).any():
                raise self.missing()
            fraction = values != np.floor(values)
            if fraction.any():
                raise self.refuse(values[fraction][0], "it has a fraction")
            outside = (values < limits.min) | (values > limits.max)
            if outside.any():
                raise self.refuse(values[outside][0], "out of range")
            return values.astype(self.target)
        raise self.refuse(_first(values))

    def to_bool(self, values: np.ndarray) -> np.ndarray:
        import numpy as np

        if values.dtype.kind != "O":
            raise self.refuse(_first(values))
        for value in values.reshape(-1):
            if is_missing(value):
                raise self.missing()
            if not isinstance(value, bool | np.bool_):
                raise self.refuse(value)
        return values.astype(self.target)

    def to_text(self, values: np.ndarray) -> np.ndarray:
        source = values.dtype.kind
        if self.target.kind == "O":
            # Object tensors hold anything; string and binary columns check their values.
            return values if source == "O" else values.astype(object)
        if source == self.target.kind:
            return values.astype(self.target)
        if source == "O":
            wanted = str if self.target.kind == "U" else bytes
            for value in values.reshape(-1):
                if not isinstance(value, wanted):
                    raise self.refuse(value)
            return values.astype(self.target)
        raise self.refuse(_first(values))

    def to_datetime(self, values: np.ndarray) -> np.ndarray:
        import numpy as np

        if values.dtype.kind == "M":
            return values.astype(self.target)
        if values.dtype.kind not in "OU":
            raise self.refuse(_first(values))
        for value in values.reshape(-1):
            if is_missing(value):
                continue
            try:
                np.datetime64(value)
            except (ValueError, TypeError):
                raise self.refuse(value) from None
        return (
            np.asarray(
                [
                    np.datetime64("NaT") if is_missing(v) else np.datetime64(v)
                    for v in values.reshape(-1)
                ]
            )
            .astype(self.target)
            .reshape(values.shape)
        )
