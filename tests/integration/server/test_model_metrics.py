"""Metrics that MLflow 3's client sends with a `model_id` in `runs/log-batch` and
`runs/log-metric`: the run keeps them, and an existing logged model gets them too.

Over real HTTP, against a fresh server per test (tests.fixtures.rest_server).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.rest_server import InProcessServer

API = "/api/2.0/mlflow"


@pytest.fixture
def http(rest_server: InProcessServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rest_server.url + API, timeout=30) as client:
        yield client


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def run_id(http: httpx.Client) -> str:
    return str(_ok(http.post("/runs/create", json={"experiment_id": "0"}))["run"]["info"]["run_id"])


@pytest.fixture
def model_id(http: httpx.Client) -> str:
    created = _ok(http.post("/logged-models", json={"experiment_id": "0", "name": "clf"}))
    return str(created["model"]["info"]["model_id"])


def _model_metrics(http: httpx.Client, model_id: str) -> list[dict[str, Any]]:
    model = _ok(http.get(f"/logged-models/{model_id}"))["model"]
    metrics: list[dict[str, Any]] = model["data"]["metrics"]
    return metrics


def _history(http: httpx.Client, run_id: str, key: str) -> list[tuple[int, float]]:
    answer = _ok(http.get("/metrics/get-history", params={"run_id": run_id, "metric_key": key}))
    return [(m["step"], m["value"]) for m in answer["metrics"]]


def test_log_batch_attaches_metrics_with_a_model_id_to_the_model(
    http: httpx.Client, run_id: str, model_id: str
) -> None:
    metrics = [
        {"key": "acc", "value": 0.9, "timestamp": 1_000, "step": 1, "model_id": model_id},
        {
            "key": "f1",
            "value": 0.8,
            "timestamp": 2_000,
            "step": 2,
            "model_id": model_id,
            "dataset_name": "holdout",
            "dataset_digest": "abc123",
        },
        {"key": "loss", "value": 0.1, "timestamp": 3_000, "step": 3},
    ]
    _ok(http.post("/runs/log-batch", json={"run_id": run_id, "metrics": metrics}))

    seen = sorted(
        (m["key"], m["value"], m["timestamp"], m["step"], m["run_id"], m["model_id"])
        for m in _model_metrics(http, model_id)
    )
    assert seen == [
        ("acc", 0.9, 1_000, 1, run_id, model_id),
        ("f1", 0.8, 2_000, 2, run_id, model_id),
    ]
    f1 = next(m for m in _model_metrics(http, model_id) if m["key"] == "f1")
    assert (f1["dataset_name"], f1["dataset_digest"]) == ("holdout", "abc123")


def test_the_run_keeps_metrics_logged_on_a_model(
    http: httpx.Client, run_id: str, model_id: str
) -> None:
    metric = {"key": "acc", "value": 0.9, "timestamp": 1_000, "step": 1, "model_id": model_id}
    _ok(http.post("/runs/log-batch", json={"run_id": run_id, "metrics": [metric]}))

    run = _ok(http.get("/runs/get", params={"run_id": run_id}))["run"]
    assert [(m["key"], m["value"]) for m in run["data"]["metrics"]] == [("acc", 0.9)]
    assert _history(http, run_id, "acc") == [(1, 0.9)]


def test_log_metric_attaches_a_metric_with_a_model_id_to_the_model(
    http: httpx.Client, run_id: str, model_id: str
) -> None:
    body = {
        "run_id": run_id,
        "key": "acc",
        "value": 0.75,
        "timestamp": 5_000,
        "step": 4,
        "model_id": model_id,
        "dataset_name": "holdout",
        "dataset_digest": "abc123",
    }
    _ok(http.post("/runs/log-metric", json=body))

    (seen,) = _model_metrics(http, model_id)
    assert (seen["key"], seen["value"], seen["step"], seen["run_id"]) == ("acc", 0.75, 4, run_id)
    assert (seen["dataset_name"], seen["dataset_digest"]) == ("holdout", "abc123")
    assert _history(http, run_id, "acc") == [(4, 0.75)]


@pytest.mark.parametrize("unknown", ["m-0123456789abcdef0123456789abcdef", "not/a model id"])
def test_a_metric_for_a_model_that_does_not_exist_stays_with_the_run(
    http: httpx.Client, run_id: str, unknown: str
) -> None:
    metric = {"key": "acc", "value": 0.9, "timestamp": 1_000, "step": 1, "model_id": unknown}
    _ok(http.post("/runs/log-batch", json={"run_id": run_id, "metrics": [metric]}))

    assert _history(http, run_id, "acc") == [(1, 0.9)]


def test_a_deleted_model_gets_no_more_metrics(
    http: httpx.Client, run_id: str, model_id: str
) -> None:
    _ok(http.delete(f"/logged-models/{model_id}"))
    metric = {"key": "acc", "value": 0.9, "timestamp": 1_000, "step": 1, "model_id": model_id}
    _ok(http.post("/runs/log-batch", json={"run_id": run_id, "metrics": [metric]}))

    model = _ok(http.get(f"/logged-models/{model_id}", params={"allow_deleted": "true"}))["model"]
    assert model["data"]["metrics"] == []
    assert _history(http, run_id, "acc") == [(1, 0.9)]


def test_metrics_of_one_batch_go_to_each_of_their_models(
    http: httpx.Client, run_id: str, model_id: str
) -> None:
    other = _ok(http.post("/logged-models", json={"experiment_id": "0", "name": "other"}))
    other_id = other["model"]["info"]["model_id"]
    metrics = [
        {"key": "acc", "value": 0.9, "timestamp": 1_000, "step": 1, "model_id": model_id},
        {"key": "acc", "value": 0.6, "timestamp": 1_000, "step": 1, "model_id": other_id},
    ]
    _ok(http.post("/runs/log-batch", json={"run_id": run_id, "metrics": metrics}))

    assert [m["value"] for m in _model_metrics(http, model_id)] == [0.9]
    assert [m["value"] for m in _model_metrics(http, other_id)] == [0.6]


@pytest.mark.parametrize(("field", "width"), [("dataset_name", 500), ("dataset_digest", 36)])
def test_a_dataset_field_wider_than_its_column_is_refused_before_storing(
    http: httpx.Client, run_id: str, model_id: str, field: str, width: int
) -> None:
    metric = {"key": "acc", "value": 0.9, "timestamp": 1_000, "model_id": model_id}
    response = http.post(
        "/runs/log-batch",
        json={"run_id": run_id, "metrics": [metric | {field: "x" * (width + 1)}]},
    )
    assert (response.status_code, response.json()["error_code"]) == (
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert _history(http, run_id, "acc") == []
    assert _model_metrics(http, model_id) == []
