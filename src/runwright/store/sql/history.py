"""Pack metric points into arrays for `metric_chunks`, and read them back in order."""

from __future__ import annotations

import itertools
import sys
from array import array
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from runwright.entities import Metric

__all__ = ["decode_history", "encode_chunk"]

_SWAP = sys.byteorder != "little"
_value_of = itemgetter(1)
_timestamp_of = itemgetter(2)
_step_of = itemgetter(3)


def _pack(kind: str, items: Iterable[int] | Iterable[float]) -> bytes:
    packed = array(kind, items)
    if _SWAP:
        packed.byteswap()
    return packed.tobytes()


def _unpack(kind: str, data: bytes) -> array[Any]:
    unpacked = array(kind)
    unpacked.frombytes(data)
    if _SWAP:
        unpacked.byteswap()
    return unpacked


def encode_chunk(run_id: str, key: str, metrics: Sequence[Metric]) -> dict[str, Any]:
    """One `metric_chunks` row holding the points of one key, in the order logged."""
    steps = array("q", map(_step_of, metrics))
    return {
        "run_id": run_id,
        "key": key,
        "count": len(metrics),
        "min_step": min(steps),
        "max_step": max(steps),
        "steps": _pack("q", steps),
        "timestamps": _pack("q", map(_timestamp_of, metrics)),
        "values": _pack("d", map(_value_of, metrics)),
    }


def decode_history(key: str, chunks: Iterable[tuple[bytes, bytes, bytes]]) -> list[Metric]:
    """All points of the chunks (given in insertion order), sorted by (step, timestamp);
    points that tie keep the order they were logged in."""
    steps: array[int] = array("q")
    timestamps: array[int] = array("q")
    values: array[float] = array("d")
    for step_bytes, timestamp_bytes, value_bytes in chunks:
        steps.extend(_unpack("q", step_bytes))
        timestamps.extend(_unpack("q", timestamp_bytes))
        values.extend(_unpack("d", value_bytes))
    points = list(map(Metric, [key] * len(steps), values, timestamps, steps))
    if any((a.step, a.timestamp) > (b.step, b.timestamp) for a, b in itertools.pairwise(points)):
        points.sort(key=lambda m: (m.step, m.timestamp))
    return points
