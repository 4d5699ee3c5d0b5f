"""How a step's return value splits into named outputs, read off its annotation."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from runwright.errors import InvalidArgumentError

__all__ = ["SINGLE_OUTPUT", "OutputSpec", "output_spec_for"]

SINGLE_OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """``kind`` is "single", "tuple" or "dataclass"; ``names`` the stored outputs."""

    kind: str
    names: tuple[str, ...]
    dataclass_type: type | None = None

    def split(self, value: Any) -> dict[str, Any]:
        """The return value as {output name: value}, checked against the declaration."""
        if self.kind == "single":
            return {SINGLE_OUTPUT: value}
        if self.kind == "tuple":
            if not isinstance(value, tuple | list) or len(value) != len(self.names):
                raise InvalidArgumentError(
                    f"the step declares {len(self.names)} outputs {list(self.names)} but "
                    f"returned {type(value).__name__}"
                    + (f" of length {len(value)}" if isinstance(value, tuple | list) else "")
                )
            return dict(zip(self.names, value, strict=True))
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            raise InvalidArgumentError(
                f"the step declares a {self.dataclass_type.__name__ if self.dataclass_type else ''}"
                f" dataclass result but returned {type(value).__name__}"
            )
        return {name: getattr(value, name) for name in self.names}

    def join(self, parts: dict[str, Any]) -> Any:
        """The whole return value again, from its parts."""
        if self.kind == "single":
            return parts[SINGLE_OUTPUT]
        if self.kind == "tuple":
            return tuple(parts[name] for name in self.names)
        assert self.dataclass_type is not None
        return self.dataclass_type(**parts)


def output_spec_for(fn: Callable[..., Any], declared: Sequence[str] | None) -> OutputSpec:
    if declared is not None:
        names = tuple(declared)
        if (
            not names
            or len(set(names)) != len(names)
            or not all(isinstance(n, str) and n.isidentifier() for n in names)
        ):
            raise InvalidArgumentError(
                f"outputs= must be distinct identifiers, got {list(declared)!r}"
            )
        return OutputSpec("tuple", names)
    try:
        returned = typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation naming something only imported for type checking
        returned = None
    if typing.get_origin(returned) is tuple:
        members = typing.get_args(returned)
        if members and Ellipsis not in members and members != ((),):
            return OutputSpec("tuple", tuple(str(i) for i in range(len(members))))
    if isinstance(returned, type) and dataclasses.is_dataclass(returned):
        names = tuple(f.name for f in dataclasses.fields(returned))
        return OutputSpec("dataclass", names, returned)
    return OutputSpec("single", (SINGLE_OUTPUT,))
