"""Micro-batching, the traffic split, shadow scoring and /metrics of a real server."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.serving.conftest import ScoringServer
from tests.integration.serving.defs import expected

CLIENTS = 24
REQUESTS_EACH = 20


def metric_samples(server: ScoringServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(server.url + "/metrics", timeout=30).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _concurrently(work: Callable[[int], None], clients: int) -> list[BaseException]:
    failures: list[BaseException] = []
    start = threading.Barrier(clients)

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.mark.slow
def test_concurrent_clients_each_get_their_own_rows_back_in_order(
    serve: Callable[..., ScoringServer],
) -> None:
    server = serve("models:/lin@champion", "--max-wait-ms", "20")
    wrong: list[str] = []

    def client(index: int) -> None:
        rng = np.random.default_rng(index)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for number in range(REQUESTS_EACH):
                rows = rng.normal(size=(1 + number % 3, 2)) + index * 100
                body = {"dataframe_split": {"columns": ["x", "z"], "data": rows.tolist()}}
                answer = http.post("/invocations", json=body)
                got = answer.json()["predictions"]
                if got != pytest.approx(expected(rows, 5.0).tolist()):
                    wrong.append(f"client {index} request {number}: {got}")

    assert _concurrently(client, CLIENTS) == []
    assert wrong == []
    samples = metric_samples(server)
    calls = samples[("runwright_serving_batch_requests_count", ())]
    merged_requests = samples[("runwright_serving_batch_requests_sum", ())]
    assert merged_requests == CLIENTS * REQUESTS_EACH
    # Fewer predict calls than requests: some calls scored several requests.
    assert calls < merged_requests
    assert samples[("runwright_serving_batch_requests_bucket", (("le", "1.0"),))] < calls


@pytest.mark.slow
def test_a_bad_request_in_a_batch_fails_alone(serve: Callable[..., ScoringServer]) -> None:
    server = serve("models:/lin@champion", "--max-wait-ms", "50")
    statuses: dict[int, list[int]] = {}
    good = {"dataframe_split": {"columns": ["x", "z"], "data": [[1.0, 2.0]]}}
    # Passes the per-request checks (null is a missing double) but the model refuses NaN.
    nan = {"dataframe_split": {"columns": ["x", "z"], "data": [[1.0, None]]}}

    def client(index: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for _ in range(10):
                body = nan if index % 4 == 0 else good
                statuses.setdefault(index, []).append(
                    http.post("/invocations", json=body).status_code
                )

    assert _concurrently(client, 12) == []
    for index, seen in statuses.items():
        assert set(seen) == ({400} if index % 4 == 0 else {200}), index


@pytest.mark.slow
def test_the_traffic_split_follows_the_weights(serve: Callable[..., ScoringServer]) -> None:
    server = serve(
        "models:/lin", "--route", "champion=90", "--route", "challenger=10", "--seed", "7"
    )
    body = {"dataframe_split": {"columns": ["x", "z"], "data": [[0.0, 0.0]]}}
    answered: Counter[str] = Counter()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for _ in range(2000):
            answer = http.post("/invocations", json=body)
            version = answer.headers["X-Runwright-Model-Version"]
            answered[version] += 1
            # The header names the version that computed the answer.
            assert answer.json()["predictions"] == pytest.approx(
                [5.0 if version == "lin/1" else 7.0]
            )

    assert set(answered) == {"lin/1", "lin/2"}
    assert answered["lin/1"] / 2000 == pytest.approx(0.90, abs=0.025)
    samples = metric_samples(server)
    assert (
        samples[
            ("runwright_serving_predictions_total", (("role", "primary"), ("version", "lin/2")))
        ]
        == answered["lin/2"]
    )


def test_a_shadow_scores_every_request_and_the_champion_answers(
    serve: Callable[..., ScoringServer],
) -> None:
    server = serve("models:/lin@champion", "--shadow", "challenger")
    body = json.dumps(
        {"dataframe_split": {"columns": ["x", "z"], "data": [[1.0, 1.0], [0.0, 0.0]]}}
    )

    answers = [server.post(body) for _ in range(20)]

    assert {a.headers["X-Runwright-Model-Version"] for a in answers} == {"lin/1"}
    assert all(a.json()["predictions"] == pytest.approx([6.0, 5.0]) for a in answers)
    shadow_key = ("runwright_serving_predictions_total", (("role", "shadow"), ("version", "lin/2")))
    deadline = time.monotonic() + 30
    while metric_samples(server).get(shadow_key) != 40 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert metric_samples(server)[shadow_key] == 40


def test_metrics_count_requests_errors_latency_and_batches(
    serve: Callable[..., ScoringServer],
) -> None:
    server = serve("models:/lin@champion")
    good = json.dumps({"dataframe_records": [{"x": 1.0, "z": 1.0}]})
    for _ in range(3):
        server.post(good)
    server.post("{oops")
    server.post(json.dumps({"dataframe_records": [{"x": 1.0}]}))
    server.post("x", "text/plain")

    samples = metric_samples(server)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("runwright_serving_requests_total", status="200") == 3
    assert value("runwright_serving_requests_total", status="400") == 2
    assert value("runwright_serving_requests_total", status="415") == 1
    assert value("runwright_serving_errors_total", kind="malformed_json") == 1
    assert value("runwright_serving_errors_total", kind="schema") == 1
    assert value("runwright_serving_errors_total", kind="unsupported_media_type") == 1
    assert value("runwright_serving_request_duration_seconds_count") == 6
    assert value("runwright_serving_batch_rows_count") == 3
    assert value("runwright_serving_predictions_total", version="lin/1", role="primary") == 3


def test_metrics_add_up_over_worker_processes(serve: Callable[..., ScoringServer]) -> None:
    server = serve("models:/lin@champion", "--workers", "2")
    good = json.dumps({"dataframe_records": [{"x": 1.0, "z": 1.0}]})
    for _ in range(10):
        with httpx.Client(base_url=server.url, timeout=60) as fresh:  # new connections
            assert (
                fresh.post(
                    "/invocations", content=good, headers={"Content-Type": "application/json"}
                ).status_code
                == 200
            )

    samples = metric_samples(server)

    assert samples[("runwright_serving_requests_total", (("status", "200"),))] == 10
