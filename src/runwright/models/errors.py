"""The error a model raises when its input does not fit its signature."""

from __future__ import annotations

from runwright.errors import InvalidArgumentError

__all__ = ["SchemaError"]


class SchemaError(InvalidArgumentError):
    """Input that does not fit the model's signature: a missing column, a value that cannot
    be cast safely to the column's type, a tensor of the wrong shape. The message names
    the column or the shape, so a scoring server can return it as is (HTTP 400)."""
