"""Packed metric chunks decode to a history in MLflow's (timestamp, step, value) order."""

from __future__ import annotations

import math
import random

import pytest

from runwright.entities import Metric
from runwright.store.sql.history import History, decode_history, encode_chunk


def _decode(*batches: list[Metric]) -> History:
    rows = [encode_chunk("run", "m", batch) for batch in batches]
    return decode_history("m", [(r["steps"], r["timestamps"], r["values"]) for r in rows])


def _mlflow_order(points: list[Metric]) -> list[Metric]:
    # Python's sort is stable: ties keep the order they were logged in.
    return sorted(
        points, key=lambda m: (m.timestamp, m.step, 0.0 if math.isnan(m.value) else m.value)
    )


def _same(a: list[Metric], b: list[Metric]) -> bool:
    """Equal point for point, NaN equal to NaN."""
    return [(m.key, repr(m.value), m.timestamp, m.step) for m in a] == [
        (m.key, repr(m.value), m.timestamp, m.step) for m in b
    ]


def test_points_of_several_chunks_come_back_by_time_not_step() -> None:
    history = _decode(
        [Metric("m", 1.0, 2_000, 5), Metric("m", 2.0, 3_000, 1)], [Metric("m", 3.0, 1_000, 3)]
    )
    assert history.points() == [
        Metric("m", 3.0, 1_000, 3),
        Metric("m", 1.0, 2_000, 5),
        Metric("m", 2.0, 3_000, 1),
    ]


def test_points_logged_in_order_come_back_as_logged() -> None:
    logged = [Metric("m", float(i), 1_000 + i // 3, i) for i in range(30)]
    assert _decode(logged[:10], logged[10:]).points() == logged


def test_identical_points_keep_the_order_they_were_logged_in() -> None:
    logged = [Metric("m", 0.5, 1_000, 1), Metric("m", -0.0, 1_000, 1), Metric("m", 0.0, 1_000, 1)]
    assert [repr(m.value) for m in _decode(logged).points()] == ["-0.0", "0.0", "0.5"]


def test_a_slice_is_that_part_of_the_whole_order() -> None:
    rng = random.Random(7)
    logged = [
        Metric(
            "m",
            rng.choice([math.nan, math.inf, -1.0, 0.0, 2.5]),
            rng.randrange(50),
            rng.randrange(5),
        )
        for _ in range(500)
    ]
    history = _decode(logged[:200], logged[200:])
    whole = history.points()
    assert _same(whole, _mlflow_order(logged))
    assert _same(
        [p for start in range(0, 500, 64) for p in history.points(start, start + 64)], whole
    )


@pytest.mark.parametrize(("start", "end"), [(3, 3), (5, 2), (10, 20), (3, None)])
def test_a_slice_past_the_end_is_empty(start: int, end: int | None) -> None:
    history = _decode([Metric("m", 1.0, 1, 1), Metric("m", 2.0, 2, 2), Metric("m", 3.0, 3, 3)])
    assert history.points(start, end) == []
    assert len(history) == 3


def test_points_are_metric_tuples() -> None:
    (point,) = _decode([Metric("m", 1.0, 2, 3)]).points()
    assert type(point) is Metric
    assert (point.key, point.value, point.timestamp, point.step) == ("m", 1.0, 2, 3)
