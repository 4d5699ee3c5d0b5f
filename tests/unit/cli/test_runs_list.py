"""`runwright runs list`: the table, JSON, filtering, ordering, limits and errors."""

from __future__ import annotations

import json
import time

import pytest

from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, error_line, log_run, succeeded


@pytest.fixture
def churn(tracking: Client) -> dict[str, str]:
    """Experiment "churn" with three finished runs; maps run name to run id."""
    experiment_id = tracking.create_experiment("churn")
    return {
        name: log_run(tracking, experiment_id, name, metrics={"acc": acc}, params={"lr": lr})
        for name, acc, lr in (
            ("low-lr", 0.95, "0.001"),
            ("mid-lr", 0.80, "0.01"),
            ("high-lr", 0.99, "0.1"),
        )
    }


def listed_ids(out: str) -> list[str]:
    return [run["info"]["run_id"] for run in json.loads(out)]


def test_table_shows_each_run_with_its_name_and_id(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "--experiment", "churn"))

    for name, run_id in churn.items():
        row = next(line for line in out.splitlines() if run_id in line)
        assert name in row


def test_table_has_a_column_per_metric_and_param(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn"))

    header = next(line for line in out.splitlines() if "run id" in line)
    assert "acc" in header
    assert "lr" in header
    row = next(line for line in out.splitlines() if churn["high-lr"] in line)
    assert "0.99" in row
    assert "0.1" in row


def test_table_title_names_the_experiment_and_counts_the_runs(
    cli: Invoke, churn: dict[str, str]
) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn"))

    assert out.splitlines()[0].strip() == "Runs of churn (3)"


def test_json_holds_each_runs_id_params_and_metrics(cli: Invoke, churn: dict[str, str]) -> None:
    runs = json.loads(succeeded(cli("runs", "list", "-e", "churn", "--json")))

    by_id = {run["info"]["run_id"]: run["data"] for run in runs}
    assert set(by_id) == set(churn.values())
    assert by_id[churn["low-lr"]]["params"] == {"lr": "0.001"}
    assert by_id[churn["low-lr"]]["metrics"] == {"acc": 0.95}


def test_experiment_can_be_given_by_id(
    cli: Invoke, tracking: Client, churn: dict[str, str]
) -> None:
    experiment = tracking.get_experiment_by_name("churn")
    assert experiment is not None

    out = succeeded(cli("runs", "list", "-e", experiment.experiment_id, "--json"))

    assert set(listed_ids(out)) == set(churn.values())


def test_without_experiment_the_default_one_is_listed(
    cli: Invoke, tracking: Client, churn: dict[str, str]
) -> None:
    default_run = log_run(tracking, "0", "in-default")

    out = succeeded(cli("runs", "list", "--json"))

    assert listed_ids(out) == [default_run]


def test_filter_keeps_only_matching_runs(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn", "--filter", "metrics.acc > 0.9", "--json"))

    assert set(listed_ids(out)) == {churn["low-lr"], churn["high-lr"]}


def test_filter_on_a_param_matches_its_string_value(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn", "-f", "params.lr = '0.01'", "--json"))

    assert listed_ids(out) == [churn["mid-lr"]]


def test_order_by_sorts_runs_by_a_metric(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn", "--order-by", "metrics.acc DESC", "--json"))

    assert listed_ids(out) == [churn["high-lr"], churn["low-lr"], churn["mid-lr"]]


def test_order_by_ascending_reverses_the_order(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn", "-o", "metrics.acc ASC", "--json"))

    assert listed_ids(out) == [churn["mid-lr"], churn["low-lr"], churn["high-lr"]]


def test_max_results_limits_the_runs_listed(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(
        cli("runs", "list", "-e", "churn", "-o", "metrics.acc DESC", "--max-results", "2", "--json")
    )

    assert listed_ids(out) == [churn["high-lr"], churn["low-lr"]]


def test_table_title_marks_that_more_runs_exist(cli: Invoke, churn: dict[str, str]) -> None:
    out = succeeded(cli("runs", "list", "-e", "churn", "-n", "2"))

    assert out.splitlines()[0].strip() == "Runs of churn (2+)"


def test_a_bad_filter_is_one_error_line_saying_where(cli: Invoke, churn: dict[str, str]) -> None:
    line = error_line(cli("runs", "list", "-e", "churn", "-f", "metrics.acc >> 0.9"))

    assert "at character 14" in line
    assert "'metrics.acc >> 0.9'" in line


def test_a_bad_order_by_is_one_error_line(cli: Invoke, churn: dict[str, str]) -> None:
    line = error_line(cli("runs", "list", "-e", "churn", "-o", "metrics.acc SIDEWAYS"))

    assert "SIDEWAYS" in line


def test_an_unknown_experiment_is_one_error_line_naming_it(cli: Invoke) -> None:
    line = error_line(cli("runs", "list", "-e", "nope"))

    assert "'nope'" in line


def test_a_running_run_without_recent_heartbeat_shows_as_stale(
    cli: Invoke, tracking: Client
) -> None:
    an_hour_ago = int(time.time() * 1000) - 3_600_000
    run = tracking.create_run("0", start_time=an_hour_ago, run_name="crashed")

    out = succeeded(cli("runs", "list"))

    row = next(line for line in out.splitlines() if run.info.run_id in line)
    assert "RUNNING (stale)" in row


def test_a_running_run_started_just_now_is_not_stale(cli: Invoke, tracking: Client) -> None:
    run = tracking.create_run("0", run_name="training")

    out = succeeded(cli("runs", "list"))

    row = next(line for line in out.splitlines() if run.info.run_id in line)
    assert "RUNNING" in row
    assert "stale" not in row
