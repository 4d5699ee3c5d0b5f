"""`runwright experiments list|create|delete|restore`."""

from __future__ import annotations

import json

from runwright.entities import LifecycleStage
from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, error_line, succeeded


def test_create_prints_the_id_of_the_new_experiment(cli: Invoke, tracking: Client) -> None:
    out = succeeded(cli("experiments", "create", "churn"))

    created = tracking.get_experiment_by_name("churn")
    assert created is not None
    assert out.strip() == f"Created experiment churn with id {created.experiment_id}"


def test_list_shows_the_default_and_created_experiments(cli: Invoke) -> None:
    succeeded(cli("experiments", "create", "churn"))

    out = succeeded(cli("experiments", "list"))

    assert "churn" in out
    assert "Default" in out


def test_list_json_holds_every_active_experiment(cli: Invoke) -> None:
    succeeded(cli("experiments", "create", "churn"))
    succeeded(cli("experiments", "create", "fraud"))

    listed = json.loads(succeeded(cli("experiments", "list", "--json")))

    assert sorted(e["name"] for e in listed) == ["Default", "churn", "fraud"]


def test_creating_a_duplicate_name_fails_with_one_error_line(cli: Invoke) -> None:
    succeeded(cli("experiments", "create", "churn"))

    line = error_line(cli("experiments", "create", "churn"))

    assert "churn" in line
    assert "already exists" in line


def test_delete_by_name_moves_the_experiment_to_the_deleted_view(
    cli: Invoke, tracking: Client
) -> None:
    experiment_id = tracking.create_experiment("churn")

    out = succeeded(cli("experiments", "delete", "churn"))

    assert out.strip() == f"Deleted experiment {experiment_id}"
    assert tracking.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.DELETED
    active = json.loads(succeeded(cli("experiments", "list", "--json")))
    deleted = json.loads(succeeded(cli("experiments", "list", "--view", "deleted", "--json")))
    assert "churn" not in [e["name"] for e in active]
    assert [e["name"] for e in deleted] == ["churn"]


def test_delete_by_id_deletes_that_experiment(cli: Invoke, tracking: Client) -> None:
    experiment_id = tracking.create_experiment("churn")

    succeeded(cli("experiments", "delete", experiment_id))

    assert tracking.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.DELETED


def test_restore_by_name_makes_the_experiment_active_again(cli: Invoke, tracking: Client) -> None:
    experiment_id = tracking.create_experiment("churn")
    tracking.delete_experiment(experiment_id)

    out = succeeded(cli("experiments", "restore", "churn"))

    assert out.strip() == f"Restored experiment {experiment_id}"
    assert tracking.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.ACTIVE


def test_restore_by_id_makes_the_experiment_active_again(cli: Invoke, tracking: Client) -> None:
    experiment_id = tracking.create_experiment("churn")
    tracking.delete_experiment(experiment_id)

    succeeded(cli("experiments", "restore", experiment_id))

    assert tracking.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.ACTIVE


def test_deleting_an_unknown_experiment_fails_naming_it(cli: Invoke) -> None:
    line = error_line(cli("experiments", "delete", "nope"))

    assert "'nope'" in line


def test_restoring_an_active_experiment_fails(cli: Invoke, tracking: Client) -> None:
    tracking.create_experiment("churn")

    line = error_line(cli("experiments", "restore", "churn"))

    assert "not deleted" in line
