"""Params, metrics, tags and histories through the Client, on every store backend."""

from __future__ import annotations

import math

import pytest

from runwright import InvalidArgumentError, NotFoundError
from runwright.entities import Metric, Param, Tag
from runwright.tracking.client import Client


@pytest.fixture
def run_id(client: Client) -> str:
    return client.create_run("0").run_id


def test_params_are_stored_as_strings(client: Client, run_id: str) -> None:
    client.log_batch(run_id, params=[Param("C", 1.0), Param("penalty", "l2"), Param("n", 3)])  # type: ignore[arg-type]
    assert client.get_run(run_id).data.params == {"C": "1.0", "penalty": "l2", "n": "3"}


def test_relogging_a_param_with_the_same_value_is_fine(client: Client, run_id: str) -> None:
    client.log_param(run_id, "C", "1.0")
    client.log_param(run_id, "C", "1.0")
    assert client.get_run(run_id).data.params == {"C": "1.0"}


def test_changing_a_param_is_refused(client: Client, run_id: str) -> None:
    client.log_param(run_id, "C", "1.0")
    with pytest.raises(InvalidArgumentError, match="'C'"):
        client.log_param(run_id, "C", "2.0")
    assert client.get_run(run_id).data.params == {"C": "1.0"}


def test_a_refused_batch_stores_nothing(client: Client, run_id: str) -> None:
    client.log_param(run_id, "C", "1.0")
    with pytest.raises(InvalidArgumentError):
        client.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 1, 0)],
            params=[Param("new", "x"), Param("C", "2.0")],
            tags=[Tag("t", "x")],
        )
    data = client.get_run(run_id).data
    assert (dict(data.params), dict(data.metrics), "t" in data.tags) == ({"C": "1.0"}, {}, False)


def test_one_batch_giving_a_param_two_values_is_refused(client: Client, run_id: str) -> None:
    with pytest.raises(InvalidArgumentError, match="twice"):
        client.log_batch(run_id, params=[Param("a", "1"), Param("a", "2")])
    assert client.get_run(run_id).data.params == {}


def test_tags_are_overwritten_and_deleted(client: Client, run_id: str) -> None:
    client.set_tag(run_id, "team", "a")
    client.set_tag(run_id, "team", "b")
    client.set_tag(run_id, "gone", "x")
    client.delete_tag(run_id, "gone")
    tags = client.get_run(run_id).data.tags
    assert (tags["team"], "gone" in tags) == ("b", False)


def test_deleting_a_missing_tag_is_not_found(client: Client, run_id: str) -> None:
    with pytest.raises(NotFoundError):
        client.delete_tag(run_id, "nope")


def test_latest_value_is_the_one_with_the_greatest_step(client: Client, run_id: str) -> None:
    client.log_batch(
        run_id,
        metrics=[Metric("loss", 0.1, 5, 10), Metric("loss", 0.9, 9, 2), Metric("loss", 0.5, 7, 3)],
    )
    assert client.get_run(run_id).data.metrics == {"loss": 0.1}


def test_latest_value_follows_later_batches(client: Client, run_id: str) -> None:
    client.log_batch(run_id, metrics=[Metric("loss", 0.5, 1, 1)])
    client.log_batch(run_id, metrics=[Metric("loss", 0.4, 2, 2)])
    client.log_batch(run_id, metrics=[Metric("loss", 0.9, 3, 0)])
    assert client.get_run(run_id).data.metrics == {"loss": 0.4}


def test_history_keeps_every_point_in_time_order(client: Client, run_id: str) -> None:
    client.log_batch(run_id, metrics=[Metric("loss", 0.3, 30, 3), Metric("loss", 0.1, 10, 1)])
    client.log_batch(run_id, metrics=[Metric("loss", 0.2, 20, 2), Metric("loss", 0.1, 10, 1)])
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(1, 0.1), (1, 0.1), (2, 0.2), (3, 0.3)]


def test_history_is_ordered_by_time_where_steps_disagree(client: Client, run_id: str) -> None:
    # MLflow's order: (timestamp, step, value).
    client.log_batch(run_id, metrics=[Metric("m", 1.0, 2_000, 5), Metric("m", 2.0, 3_000, 1)])
    client.log_batch(run_id, metrics=[Metric("m", 3.0, 1_000, 3)])
    history = client.get_metric_history(run_id, "m")
    assert [(m.timestamp, m.step, m.value) for m in history] == [
        (1_000, 3, 3.0),
        (2_000, 5, 1.0),
        (3_000, 1, 2.0),
    ]


def test_history_breaks_time_ties_by_step_then_value(client: Client, run_id: str) -> None:
    client.log_batch(
        run_id,
        metrics=[
            Metric("m", 0.5, 1_000, 2),
            Metric("m", 0.9, 1_000, 1),
            Metric("m", 0.1, 1_000, 1),
        ],
    )
    history = client.get_metric_history(run_id, "m")
    assert [(m.step, m.value) for m in history] == [(1, 0.1), (1, 0.9), (2, 0.5)]


def test_history_ranks_nan_as_zero_like_mlflow(client: Client, run_id: str) -> None:
    # MLflow's SQL store keeps NaN as 0.0 with a flag, and sorts on the 0.0.
    client.log_batch(
        run_id,
        metrics=[
            Metric("m", 0.5, 1_000, 1),
            Metric("m", math.nan, 1_000, 1),
            Metric("m", -1.0, 1_000, 1),
        ],
    )
    values = [m.value for m in client.get_metric_history(run_id, "m")]
    assert (values[0], math.isnan(values[1]), values[2]) == (-1.0, True, 0.5)


@pytest.mark.parametrize("value", [math.inf, -math.inf, 1e308, -0.0, 0.0])
def test_special_values_round_trip(client: Client, run_id: str, value: float) -> None:
    client.log_metric(run_id, "m", value, synchronous=True)
    assert client.get_run(run_id).data.metrics["m"] == value
    assert client.get_metric_history(run_id, "m")[0].value == value


def test_nan_round_trips(client: Client, run_id: str) -> None:
    client.log_metric(run_id, "m", math.nan, step=1, synchronous=True)
    assert math.isnan(client.get_run(run_id).data.metrics["m"])
    assert math.isnan(client.get_metric_history(run_id, "m")[0].value)


def test_int64_steps_and_timestamps_round_trip(client: Client, run_id: str) -> None:
    client.log_metric(run_id, "m", 1.0, timestamp=2**62, step=-(2**63), synchronous=True)
    (point,) = client.get_metric_history(run_id, "m")
    assert (point.timestamp, point.step) == (2**62, -(2**63))


@pytest.mark.slow
def test_a_100k_point_history_comes_back_whole(client: Client, run_id: str) -> None:
    for step in range(100_000):
        client.log_metric(run_id, "loss", step / 7, timestamp=1_000 + step, step=step)
    history = client.get_metric_history(run_id, "loss")
    assert len(history) == 100_000
    assert all(m.step == i and m.value == i / 7 for i, m in enumerate(history))


def test_history_pages_cover_every_point_once(client: Client, run_id: str) -> None:
    client.log_batch(run_id, metrics=[Metric("m", float(i), i, i) for i in range(95)])
    values: list[float] = []
    token = None
    while True:
        page = client.get_metric_history_page(run_id, "m", 10, token)
        values.extend(m.value for m in page)
        token = page.token
        if token is None:
            break
    assert values == [float(i) for i in range(95)]


def test_history_pages_follow_the_time_order(client: Client, run_id: str) -> None:
    # Steps run against time, so pages cut in step order would hold other points.
    client.log_batch(run_id, metrics=[Metric("m", float(i), 1_000 + i, 100 - i) for i in range(25)])
    client.log_batch(run_id, metrics=[Metric("m", float(i), 1_000 + i, 0) for i in range(25, 45)])
    client.log_batch(run_id, metrics=[Metric("m", -1.0, 500, 7)])
    pages: list[list[float]] = []
    token = None
    while True:
        page = client.get_metric_history_page(run_id, "m", 10, token)
        pages.append([m.value for m in page])
        token = page.token
        if token is None:
            break
    assert [len(p) for p in pages] == [10, 10, 10, 10, 6]
    assert [v for p in pages for v in p] == [-1.0] + [float(i) for i in range(45)]


def test_a_history_page_token_survives_later_points(client: Client, run_id: str) -> None:
    client.log_batch(run_id, metrics=[Metric("m", float(i), 1_000 + i, i) for i in range(10)])
    first = client.get_metric_history_page(run_id, "m", 6)
    client.log_batch(run_id, metrics=[Metric("m", float(i), 1_000 + i, i) for i in range(10, 12)])
    rest = client.get_metric_history_page(run_id, "m", 100, first.token)
    assert [m.value for m in [*first, *rest]] == [float(i) for i in range(12)]


def test_a_garbage_history_token_is_refused(client: Client, run_id: str) -> None:
    with pytest.raises(InvalidArgumentError, match="token"):
        client.get_metric_history_page(run_id, "m", 10, "not-a-token")


def test_reads_see_values_still_in_the_writer_queue(client: Client, run_id: str) -> None:
    for step in range(10):
        client.log_metric(run_id, "m", float(step), step=step)
    assert client.get_run(run_id).data.metrics["m"] == 9.0


def test_a_batch_larger_than_the_store_unit_is_stored_whole(client: Client, run_id: str) -> None:
    client.log_batch(run_id, metrics=[Metric("m", float(i), i, i) for i in range(2_500)])
    assert len(client.get_metric_history(run_id, "m")) == 2_500


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, r: c.log_metric(r, "", 1.0), "non-empty"),
        (lambda c, r: c.log_metric(r, "k" * 251, 1.0), "limit is 250"),
        (lambda c, r: c.log_metric(r, "a\x00b", 1.0), "may only hold"),
        (lambda c, r: c.log_metric(r, "../up", 1.0), "normalised"),
        (lambda c, r: c.log_metric(r, "/abs", 1.0), "normalised"),
        (lambda c, r: c.log_metric(r, "m", "1.0"), "must be a number"),
        (lambda c, r: c.log_metric(r, "m", True), "must be a number"),
        (lambda c, r: c.log_metric(r, "m", None), "must be a number"),
        (lambda c, r: c.log_metric(r, "m", 1.0, step=1.5), "step"),
        (lambda c, r: c.log_metric(r, "m", 1.0, step=2**64), "64 bits"),
        (lambda c, r: c.log_metric(r, "m", 1.0, timestamp=-1), "non-negative"),
        (lambda c, r: c.log_param(r, "p", "x" * 6001), "limit is 6000"),
        (lambda c, r: c.log_param(r, "", "x"), "non-empty"),
        (lambda c, r: c.set_tag(r, "t", "x" * 8001), "limit is 8000"),
        (lambda c, r: c.set_tag(r, "t" * 251, "x"), "limit is 250"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client: Client, run_id: str, call, message
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError, match=message):
        call(client, run_id)
    client.flush()
    data = client.get_run(run_id).data
    assert (dict(data.params), dict(data.metrics)) == ({}, {})


def test_logging_to_an_unknown_run_is_not_found(client: Client) -> None:
    with pytest.raises(NotFoundError):
        client.log_param("a" * 32, "p", "1")
