"""search_runs through the Client, on every store backend."""

from __future__ import annotations

import pytest

from runwright import FilterSyntaxError
from runwright.entities import Metric, Param, RunStatus, Tag, ViewType
from runwright.tracking.client import Client


@pytest.fixture
def runs(client: Client) -> dict[str, str]:
    """Five runs: name -> run id, with params C, metrics acc, tags team."""
    experiment_id = client.create_experiment("search")
    table = {
        "a": ("0.1", 0.70, "growth"),
        "b": ("1.0", 0.91, "growth"),
        "c": ("1.0", 0.95, "risk"),
        "d": ("10.0", 0.80, "risk"),
        "e": ("10.0", 0.99, "growth"),
    }
    ids = {}
    for offset, (name, (c, acc, team)) in enumerate(table.items()):
        run = client.create_run(experiment_id, start_time=1_000 + offset, run_name=name)
        client.log_batch(
            run.run_id,
            metrics=[Metric("acc", acc, 1, 0)],
            params=[Param("C", c)],
            tags=[Tag("team", team)],
        )
        ids[name] = run.run_id
    client.set_terminated(ids["e"], RunStatus.FAILED)
    return ids


def names(client: Client, flt: str | None = None, order: list[str] | None = None) -> list[str]:
    experiment = client.get_experiment_by_name("search")
    assert experiment is not None
    found = client.search_runs([experiment.experiment_id], flt, order_by=order)
    return [r.info.run_name for r in found]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (None, ["e", "d", "c", "b", "a"]),
        ("metrics.acc > 0.9 and params.C = '1.0'", ["c", "b"]),
        ("metrics.acc >= 0.95", ["e", "c"]),
        ("params.C != '1.0'", ["e", "d", "a"]),
        ("tags.team = 'risk'", ["d", "c"]),
        ("tags.team LIKE 'gro%'", ["e", "b", "a"]),
        ("tags.team ILIKE 'GRO%'", ["e", "b", "a"]),
        ("tags.team LIKE 'GRO%'", []),
        ("params.C IN ('0.1', '10.0')", ["e", "d", "a"]),
        ("params.C NOT IN ('0.1', '10.0')", ["c", "b"]),
        ("attributes.status = 'FAILED'", ["e"]),
        ("attributes.run_name = 'c'", ["c"]),
        ("metrics.acc < 0.75 OR tags.team = 'risk'", ["d", "c", "a"]),
        ("NOT (tags.team = 'risk')", ["e", "b", "a"]),
        ("(params.C = '1.0' OR params.C = '0.1') AND metrics.acc > 0.8", ["c", "b"]),
        ("metrics.missing > 0", []),
        ("tags.nope IS NULL", ["e", "d", "c", "b", "a"]),
        ("metrics.`acc` > 0.98", ["e"]),
    ],
)
def test_filters(
    client: Client, runs: dict[str, str], flt: str | None, expected: list[str]
) -> None:
    assert names(client, flt) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["metrics.acc DESC"], ["e", "c", "b", "d", "a"]),
        (["metrics.acc"], ["a", "d", "b", "c", "e"]),
        (["params.C DESC", "metrics.acc"], ["d", "e", "b", "c", "a"]),
        (["attributes.start_time ASC"], ["a", "b", "c", "d", "e"]),
        (["run_name DESC"], ["e", "d", "c", "b", "a"]),
    ],
)
def test_orders(
    client: Client, runs: dict[str, str], order: list[str], expected: list[str]
) -> None:
    assert names(client, None, order) == expected


def test_runs_without_the_sort_key_come_last(client: Client, runs: dict[str, str]) -> None:
    experiment = client.get_experiment_by_name("search")
    assert experiment is not None
    client.create_run(experiment.experiment_id, run_name="no-metric", start_time=5_000)
    assert names(client, None, ["metrics.acc DESC"])[-1] == "no-metric"
    assert names(client, None, ["metrics.acc ASC"])[-1] == "no-metric"


@pytest.mark.parametrize(
    "flt",
    [
        "metrics.acc >",
        "metrics.acc > 'high'",
        "params.C > 1",
        "foo.bar = 'x'",
        "metrics.acc LIKE '1%'",
        "metrics.acc > 1 AND",
        "((metrics.acc > 1)",
        "attributes.nope = 'x'",
    ],
)
def test_bad_filters_say_what_is_wrong(client: Client, runs: dict[str, str], flt: str) -> None:
    with pytest.raises(FilterSyntaxError):
        names(client, flt)


def test_deleted_runs_are_found_only_when_asked(client: Client, runs: dict[str, str]) -> None:
    client.delete_run(runs["a"])
    experiment = client.get_experiment_by_name("search")
    assert experiment is not None
    deleted = client.search_runs([experiment.experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_name for r in deleted] == ["a"]
    assert "a" not in names(client)


def test_pages_cover_every_run_once_in_order(client: Client) -> None:
    experiment_id = client.create_experiment("paging")
    for i in range(137):
        run = client.create_run(experiment_id, start_time=10_000 + i % 7, run_name=f"r{i}")
        client.log_batch(run.run_id, metrics=[Metric("m", float(i % 11), 0, 0)])
    order = ["metrics.m DESC", "attributes.start_time ASC"]
    everything = [r.run_id for r in client.search_runs([experiment_id], order_by=order)]
    paged: list[str] = []
    token = None
    while True:
        page = client.search_runs([experiment_id], max_results=20, order_by=order, page_token=token)
        paged.extend(r.run_id for r in page)
        token = page.token
        if token is None:
            break
    assert paged == everything and len(set(paged)) == 137


def test_search_across_experiments(client: Client) -> None:
    first = client.create_experiment("one")
    second = client.create_experiment("two")
    client.create_run(first)
    client.create_run(second)
    assert len(client.search_runs([first, second])) == 2


def test_a_number_beyond_64_bits_in_a_filter_is_compared_not_overflowed(
    client: Client, runs: dict[str, str]
) -> None:
    assert names(client, "attributes.start_time < 99999999999999999999999") == [
        "e",
        "d",
        "c",
        "b",
        "a",
    ]
