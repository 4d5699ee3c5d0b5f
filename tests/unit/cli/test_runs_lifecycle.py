"""`runwright runs delete|restore` and the `--view` of `runs list`."""

from __future__ import annotations

import json

import pytest

from runwright.entities import LifecycleStage
from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, error_line, log_run, succeeded


@pytest.fixture
def kept(tracking: Client) -> str:
    return log_run(tracking, "0", "kept")


@pytest.fixture
def doomed(tracking: Client) -> str:
    return log_run(tracking, "0", "doomed")


def listed_ids(cli: Invoke, *args: str) -> set[str]:
    return {run["info"]["run_id"] for run in json.loads(succeeded(cli("runs", "list", *args)))}


def test_delete_marks_the_run_deleted(
    cli: Invoke, tracking: Client, kept: str, doomed: str
) -> None:
    out = succeeded(cli("runs", "delete", doomed))

    assert out.strip() == f"Deleted run {doomed}"
    assert tracking.get_run(doomed).info.lifecycle_stage is LifecycleStage.DELETED


def test_a_deleted_run_leaves_the_default_view(cli: Invoke, kept: str, doomed: str) -> None:
    succeeded(cli("runs", "delete", doomed))

    assert listed_ids(cli, "--json") == {kept}


def test_view_deleted_lists_only_deleted_runs(cli: Invoke, kept: str, doomed: str) -> None:
    succeeded(cli("runs", "delete", doomed))

    assert listed_ids(cli, "--view", "deleted", "--json") == {doomed}


def test_view_all_lists_active_and_deleted_runs(cli: Invoke, kept: str, doomed: str) -> None:
    succeeded(cli("runs", "delete", doomed))

    assert listed_ids(cli, "--view", "all", "--json") == {kept, doomed}


def test_restore_brings_a_deleted_run_back(
    cli: Invoke, tracking: Client, kept: str, doomed: str
) -> None:
    succeeded(cli("runs", "delete", doomed))

    out = succeeded(cli("runs", "restore", doomed))

    assert out.strip() == f"Restored run {doomed}"
    assert tracking.get_run(doomed).info.lifecycle_stage is LifecycleStage.ACTIVE
    assert listed_ids(cli, "--json") == {kept, doomed}


def test_deleting_an_unknown_run_is_one_error_line(cli: Invoke, tracking: Client) -> None:
    line = error_line(cli("runs", "delete", "0123456789abcdef0123456789abcdef"))

    assert "no run" in line


def test_deleting_an_experiment_hides_its_runs(cli: Invoke, tracking: Client) -> None:
    experiment_id = tracking.create_experiment("churn")
    run_id = log_run(tracking, experiment_id, "r")

    succeeded(cli("experiments", "delete", "churn"))

    assert tracking.get_run(run_id).info.lifecycle_stage is LifecycleStage.DELETED
    assert listed_ids(cli, "-e", "churn", "--json") == set()
