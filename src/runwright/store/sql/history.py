"""Pack metric points into arrays for `metric_chunks`, and read them back in the order
MLflow's server returns a history: by (timestamp, step, value)."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import islice, repeat
from math import isnan
from operator import itemgetter, lt
from typing import Any

from runwright.entities import Metric

__all__ = ["History", "decode_history", "encode_chunk"]

_SWAP = sys.byteorder != "little"
_value_of = itemgetter(1)
_timestamp_of = itemgetter(2)
_step_of = itemgetter(3)
# Metric's own __new__ is Python code run per point; tuple.__new__ makes the same
# tuple in C, from (key, value, timestamp, step).
_metric_of = partial(tuple.__new__, Metric)


def _pack(kind: str, items: Iterable[int] | Iterable[float]) -> bytes:
    packed = array(kind, items)
    if _SWAP:
        packed.byteswap()
    return packed.tobytes()


def _unpack_into(target: array[Any], data: bytes) -> None:
    if not _SWAP:
        target.frombytes(data)
        return
    unpacked = array(target.typecode)
    unpacked.frombytes(data)
    unpacked.byteswap()
    target.extend(unpacked)


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


class History:
    """The decoded points of one metric, ordered by (timestamp, step, value) as MLflow's
    SQL store orders them: NaN ranks as 0.0 (MLflow stores it as 0 with a flag), and
    points that tie keep the order they were logged in.

    The points stay in the packed arrays; only the ones asked for become Metric
    tuples, so that reading one page of a long history costs that page, not the
    whole history, in objects made.
    """

    __slots__ = ("_order", "_steps", "_timestamps", "_values", "key")

    def __init__(
        self, key: str, steps: array[int], timestamps: array[int], values: array[float]
    ) -> None:
        self.key = key
        self._steps = steps
        self._timestamps = timestamps
        self._values = values
        # None while the points are already in order, which is the usual case: a
        # history is mostly logged as time goes by.
        self._order: list[int] | None = _sort_order(steps, timestamps, values)

    def __len__(self) -> int:
        return len(self._steps)

    def points(self, start: int = 0, end: int | None = None) -> list[Metric]:
        """The points at positions [start, end) of the order."""
        end = len(self) if end is None else min(end, len(self))
        if start >= end:
            return []
        key = repeat(self.key, end - start)
        if self._order is None:
            values: Iterable[float] = self._values[start:end]
            timestamps: Iterable[int] = self._timestamps[start:end]
            steps: Iterable[int] = self._steps[start:end]
        else:
            at = self._order[start:end]
            values = map(self._values.__getitem__, at)
            timestamps = map(self._timestamps.__getitem__, at)
            steps = map(self._steps.__getitem__, at)
        return list(map(_metric_of, zip(key, values, timestamps, steps, strict=True)))


def decode_history(key: str, chunks: Iterable[tuple[bytes, bytes, bytes]]) -> History:
    """The history held by the chunks of one key, given as (steps, timestamps, values)
    in insertion order."""
    steps: array[int] = array("q")
    timestamps: array[int] = array("q")
    values: array[float] = array("d")
    for step_bytes, timestamp_bytes, value_bytes in chunks:
        _unpack_into(steps, step_bytes)
        _unpack_into(timestamps, timestamp_bytes)
        _unpack_into(values, value_bytes)
    return History(key, steps, timestamps, values)


def _sort_order(
    steps: array[int], timestamps: array[int], values: array[float]
) -> list[int] | None:
    """Positions of the points in (timestamp, step, value) order; None when that is the
    order they are in."""
    # Strictly rising timestamps, or (timestamp, step) pairs, settle the order alone:
    # the usual cases are checked without sorting, the first without an object per point.
    if all(map(lt, timestamps, islice(timestamps, 1, None))):
        return None
    pairs = list(zip(timestamps, steps, strict=True))
    if all(map(lt, pairs, islice(pairs, 1, None))):
        return None
    ranked = list(zip(timestamps, steps, [0.0 if isnan(v) else v for v in values], strict=True))
    # Timsort is stable, and finds a nearly sorted list in few passes.
    order = sorted(range(len(ranked)), key=ranked.__getitem__)
    if all(map(lt, order, islice(order, 1, None))):
        return None
    return order
