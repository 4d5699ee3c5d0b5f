"""Sampled requests' inputs and outputs land in Parquet under the artifact store, and a
clean stop writes everything that was answered."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from runwright.tracking.client import Client
from tests.integration.serving.conftest import ScoringServer


def _logged(store: Path) -> list[dict[str, object]]:
    client = Client(str(store))
    try:
        root = Path(client.store.default_artifact_root)
    finally:
        client.close()
    files = sorted((root / "predictions").glob("*/*/part-*.parquet"))
    return [row for path in files for row in pq.read_table(path).to_pylist()]


def test_every_answered_request_is_in_the_logs_after_a_clean_stop(
    serve: Callable[..., ScoringServer], model_store: Path
) -> None:
    server = serve("models:/lin@champion", "--log-predictions", "1")
    sent = {}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for number in range(30):
            rows = [[float(number), 1.0], [float(number), 2.0]]
            request_id = f"log-test-{number}"
            answer = http.post(
                "/invocations",
                json={"dataframe_split": {"columns": ["x", "z"], "data": rows}},
                headers={"X-Request-Id": request_id},
            )
            assert answer.status_code == 200
            sent[request_id] = (rows, answer.json()["predictions"])

    # uvicorn shuts down cleanly, then re-raises the signal it caught.
    assert server.stop() in (0, -signal.SIGTERM)

    logged = [row for row in _logged(model_store) if str(row["request_id"]).startswith("log-test-")]
    assert len(logged) == 60
    for row in logged:
        rows, predictions = sent[str(row["request_id"])]
        index = int(row["row"])  # type: ignore[call-overload]
        assert row["inputs"] == {"x": rows[index][0], "z": rows[index][1]}
        assert row["prediction"] == pytest.approx(predictions[index])
        assert (row["model"], row["version"], row["role"]) == ("lin", "lin/1", "primary")
        assert row["timestamp"] is not None


def test_the_sampling_rate_logs_about_that_share(
    serve: Callable[..., ScoringServer], model_store: Path
) -> None:
    server = serve("models:/labels@champion", "--log-predictions", "0.25", "--seed", "3")
    body = json.dumps({"dataframe_records": [{"name": "a", "count": 1}]})
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for number in range(400):
            http.post(
                "/invocations",
                content=body,
                headers={"Content-Type": "application/json", "X-Request-Id": f"sample-{number}"},
            )
    server.stop()

    logged = [r for r in _logged(model_store) if str(r["request_id"]).startswith("sample-")]
    assert 60 <= len(logged) <= 140
    assert logged[0]["inputs"] == {"name": "a", "count": 1}
    assert logged[0]["prediction"] == {"label": "a:1"}
