"""The traffic split's proportions, and prediction logs written as Parquet."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from runwright.artifacts import artifact_repository_for
from runwright.serving.decoding import COLUMNS, MATRIX, ModelInput
from runwright.serving.prediction_log import PredictionLog
from runwright.serving.routing import Router
from runwright.serving.targets import Target


def test_picks_follow_the_weights_and_a_seed_repeats_them() -> None:
    targets = [
        Target("m/1", "u1", "m", 90),
        Target("m/2", "u2", "m", 10),
        Target("m/3", "u3", "m", 0),
    ]

    picks = [Router(targets, seed=5).pick().label for _ in range(1)]
    router = Router(targets, seed=5)
    counted = Counter(router.pick().label for _ in range(10_000))

    assert counted["m/1"] / 10_000 == pytest.approx(0.9, abs=0.02)
    assert counted["m/3"] == 0
    assert [Router(targets, seed=5).pick().label] == picks


def test_logged_requests_are_readable_parquet_rows(tmp_path: Path) -> None:
    repository = artifact_repository_for(str(tmp_path / "artifacts"))
    logs = PredictionLog(lambda: repository, rate=1.0, flush_rows=1_000_000)
    matrix = ModelInput(MATRIX, np.array([[1.0, 2.0], [3.0, 4.0]]), 2, ("x", "z"))
    columns = ModelInput(COLUMNS, {"name": ["a"], "count": [1]}, 1, ("name", "count"))

    logs.record(
        request_id="r1",
        model="m",
        version="m/1",
        role="primary",
        inputs=matrix,
        output=np.array([0.5, 0.7]),
    )
    logs.record(
        request_id="r2", model="m", version="m/2", role="shadow", inputs=columns, output=["yes"]
    )
    logs.close()

    files = sorted((tmp_path / "artifacts" / "predictions" / "m").glob("*/part-*.parquet"))
    rows = [row for path in files for row in pq.read_table(path).to_pylist()]
    by_request = {(r["request_id"], r["row"]): r for r in rows}
    assert by_request["r1", 1]["inputs"] == {"x": 3.0, "z": 4.0}
    assert by_request["r1", 1]["prediction"] == 0.7
    assert by_request["r2", 0]["inputs"] == {"name": "a", "count": 1}
    assert (by_request["r2", 0]["version"], by_request["r2", 0]["role"]) == ("m/2", "shadow")


def test_a_rate_of_zero_samples_nothing_and_a_seed_repeats_the_sample() -> None:
    never = PredictionLog(lambda: None, rate=0.0)  # type: ignore[arg-type,return-value]
    first = PredictionLog(lambda: None, rate=0.3, seed=1)  # type: ignore[arg-type,return-value]
    again = PredictionLog(lambda: None, rate=0.3, seed=1)  # type: ignore[arg-type,return-value]

    assert not any(never.sampled() for _ in range(100))
    assert [first.sampled() for _ in range(50)] == [again.sampled() for _ in range(50)]
