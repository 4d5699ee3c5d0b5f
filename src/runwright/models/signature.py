"""What a model takes and returns: column specs (tables) or tensor specs (arrays).

The JSON form is MLflow's (``{"type": "double", "name": "x", "required": true}`` and
``{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}``), so a
signature read from an MLflow ``MLmodel`` file means the same here. No NumPy or pandas
is needed to build or read one; :mod:`runwright.models.inference` infers one from data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runwright.errors import InvalidArgumentError

__all__ = ["DATA_TYPES", "ColSpec", "ModelSignature", "Schema", "TensorSpec"]

#: Column types and the NumPy dtype each one is held in.
DATA_TYPES: Mapping[str, str] = {
    "boolean": "bool",
    "integer": "int32",
    "long": "int64",
    "float": "float32",
    "double": "float64",
    "string": "object",
    "binary": "object",
    "datetime": "datetime64[ns]",
}

#: NumPy dtypes a tensor spec may name.
TENSOR_DTYPES = frozenset(
    {
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "str",
        "bytes",
        "object",
    }
)


@dataclass(frozen=True, slots=True)
class ColSpec:
    """One column of a table: its type (a key of :data:`DATA_TYPES`) and name."""

    type: str
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if self.type not in DATA_TYPES:
            raise InvalidArgumentError(
                f"column type must be one of {', '.join(DATA_TYPES)}, got {self.type!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out

    def __str__(self) -> str:
        return f"{self.name!r}: {self.type}" if self.name is not None else self.type


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """An array: its NumPy dtype and shape, where -1 stands for any size (the batch)."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        if self.dtype not in TENSOR_DTYPES:
            raise InvalidArgumentError(
                f"tensor dtype must be one of {', '.join(sorted(TENSOR_DTYPES))}, "
                f"got {self.dtype!r}"
            )
        if any(not isinstance(d, int) or d < -1 for d in self.shape):
            raise InvalidArgumentError(
                f"tensor shape must hold sizes or -1, got {list(self.shape)!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "tensor",
            "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)},
        }
        if self.name is not None:
            out["name"] = self.name
        return out

    def describe_shape(self) -> str:
        return "(" + ", ".join("any" if d == -1 else str(d) for d in self.shape) + ")"

    def __str__(self) -> str:
        prefix = f"{self.name!r}: " if self.name is not None else ""
        return f"{prefix}{self.dtype} {self.describe_shape()}"


Spec = ColSpec | TensorSpec


@dataclass(frozen=True, slots=True)
class Schema:
    """The inputs (or outputs) of a model: all column specs or all tensor specs."""

    specs: tuple[Spec, ...]

    def __init__(self, specs: Iterable[Spec]) -> None:
        specs = tuple(specs)
        if not specs:
            raise InvalidArgumentError("a schema needs at least one column or tensor")
        kinds = {type(s) for s in specs}
        if len(kinds) > 1:
            raise InvalidArgumentError("a schema holds either columns or tensors, not both")
        names = [s.name for s in specs]
        named = [n for n in names if n is not None]
        if named and len(named) != len(names):
            raise InvalidArgumentError("either every entry of a schema has a name or none has")
        if len(set(named)) != len(named):
            raise InvalidArgumentError(f"names in a schema must be unique, got {named!r}")
        if kinds == {TensorSpec} and len(specs) > 1 and not named:
            raise InvalidArgumentError("a schema of several tensors must name each one")
        object.__setattr__(self, "specs", specs)

    @property
    def is_tensor(self) -> bool:
        return isinstance(self.specs[0], TensorSpec)

    @property
    def has_names(self) -> bool:
        return self.specs[0].name is not None

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs if s.name is not None]

    @property
    def columns(self) -> list[ColSpec]:
        return [s for s in self.specs if isinstance(s, ColSpec)]

    @property
    def tensors(self) -> list[TensorSpec]:
        return [s for s in self.specs if isinstance(s, TensorSpec)]

    def to_list(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.specs]

    @classmethod
    def from_list(cls, entries: Sequence[Mapping[str, Any]]) -> Schema:
        return cls(_spec_from_dict(entry) for entry in entries)

    def __str__(self) -> str:
        return "[" + ", ".join(str(s) for s in self.specs) + "]"


@dataclass(frozen=True, slots=True)
class ModelSignature:
    """The inputs a model accepts and, when known, the outputs it returns."""

    inputs: Schema
    outputs: Schema | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs.to_list(),
            "outputs": None if self.outputs is None else self.outputs.to_list(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSignature:
        """Read the form :meth:`to_dict` writes, or MLflow's, whose schemas are JSON text."""
        if not isinstance(data, Mapping) or "inputs" not in data:
            raise InvalidArgumentError(f"a signature needs 'inputs', got {data!r}")
        inputs = _schema_from(data["inputs"])
        if inputs is None:
            raise InvalidArgumentError("a signature needs 'inputs'")
        return cls(inputs=inputs, outputs=_schema_from(data.get("outputs")))


def _schema_from(value: Any) -> Schema | None:
    if value is None:
        return None
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, list):
        raise InvalidArgumentError(f"a schema is a list of specs, got {value!r}")
    return Schema.from_list(value)


def _spec_from_dict(entry: Mapping[str, Any]) -> Spec:
    if not isinstance(entry, Mapping) or "type" not in entry:
        raise InvalidArgumentError(f"a schema entry needs a 'type', got {entry!r}")
    name = entry.get("name")
    if entry["type"] == "tensor":
        spec = entry.get("tensor-spec") or {}
        return TensorSpec(
            dtype=str(spec.get("dtype")),
            shape=tuple(int(d) for d in spec.get("shape") or ()),
            name=None if name is None else str(name),
        )
    return ColSpec(
        type=str(entry["type"]),
        name=None if name is None else str(name),
        required=bool(entry.get("required", True)),
    )
