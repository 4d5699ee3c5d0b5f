"""What a step needs to run: CPUs, GPUs and memory; the local executor and Ray honour it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from runwright.errors import InvalidArgumentError

__all__ = ["Resources", "parse_memory"]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "ki": 1024,
    "kib": 1024,
    "mi": 1024**2,
    "mib": 1024**2,
    "gi": 1024**3,
    "gib": 1024**3,
    "ti": 1024**4,
    "tib": 1024**4,
}
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_memory(value: int | str) -> int:
    """Bytes from ``4GiB``, ``512MB``, ``1.5G`` or a plain integer."""
    if isinstance(value, bool):
        raise InvalidArgumentError(f"memory must be bytes or a size like '4GiB', not {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise InvalidArgumentError(f"memory must not be negative, got {value}")
        return value
    match = _MEMORY.match(str(value))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise InvalidArgumentError(f"memory must be a size like '4GiB' or '512MB', not {value!r}")
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True, slots=True)
class Resources:
    """A step's needs. ``cpus`` may be fractional (an I/O-bound step can take 0.5)."""

    cpus: float = 1.0
    gpus: float = 0.0
    memory: int | str | None = None

    def __post_init__(self) -> None:
        if self.cpus < 0 or self.gpus < 0:
            raise InvalidArgumentError("cpus and gpus must not be negative")
        if self.memory is not None:
            object.__setattr__(self, "memory", parse_memory(self.memory))

    @property
    def memory_bytes(self) -> int:
        return int(self.memory or 0)
