"""`runwright gc`: permanent removal of deleted runs, logged models and experiments,
with their artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runwright.entities import LifecycleStage, LoggedModel
from runwright.errors import NotFoundError
from runwright.tracking.client import Client
from runwright.tracking.logged_models import LoggedModels
from tests.unit.cli.helpers import Invoke, error_line, log_run, succeeded


@pytest.fixture
def deleted(tracking: Client) -> str:
    """A run with a text artifact, deleted just now."""
    run_id = log_run(tracking, "0", "doomed", finish=False)
    tracking.log_text(run_id, "bye", "notes.txt")
    tracking.set_terminated(run_id)
    tracking.delete_run(run_id)
    return run_id


def artifact_folder(client: Client, run_id: str) -> Path:
    return Path(client.get_run(run_id).info.artifact_uri)


def test_gc_purges_a_deleted_run(cli: Invoke, deleted: str) -> None:
    out = succeeded(cli("gc"))

    assert out.splitlines() == [
        "Purged 1 run(s), 0 logged model(s) and 0 experiment(s)",
        f"  run {deleted}",
    ]
    assert "no run" in error_line(cli("runs", "show", deleted))


def test_gc_removes_the_artifacts_of_a_purged_run(
    cli: Invoke, tracking: Client, deleted: str
) -> None:
    folder = artifact_folder(tracking, deleted)
    assert (folder / "notes.txt").is_file()

    succeeded(cli("gc"))

    assert not folder.exists()


def test_gc_leaves_active_runs_alone(cli: Invoke, tracking: Client, deleted: str) -> None:
    active = log_run(tracking, "0", "kept")

    succeeded(cli("gc"))

    assert tracking.get_run(active).info.lifecycle_stage is LifecycleStage.ACTIVE


def test_dry_run_says_what_would_go_and_changes_nothing(
    cli: Invoke, tracking: Client, deleted: str
) -> None:
    folder = artifact_folder(tracking, deleted)

    out = succeeded(cli("gc", "--dry-run"))

    assert out.splitlines() == [
        "Would purge 1 run(s), 0 logged model(s) and 0 experiment(s)",
        f"  run {deleted}",
    ]
    assert tracking.get_run(deleted).info.lifecycle_stage is LifecycleStage.DELETED
    assert (folder / "notes.txt").is_file()


def test_older_than_keeps_a_run_deleted_just_now(
    cli: Invoke, tracking: Client, deleted: str
) -> None:
    out = succeeded(cli("gc", "--older-than", "30d"))

    assert out.splitlines() == ["Purged 0 run(s), 0 logged model(s) and 0 experiment(s)"]
    assert tracking.get_run(deleted).info.lifecycle_stage is LifecycleStage.DELETED


def test_an_unreadable_age_is_one_error_line(cli: Invoke, deleted: str) -> None:
    line = error_line(cli("gc", "--older-than", "banana"))

    assert "'banana'" in line
    assert "30d" in line


def test_run_id_purges_only_that_run(cli: Invoke, tracking: Client, deleted: str) -> None:
    other = log_run(tracking, "0", "also-deleted")
    tracking.delete_run(other)

    succeeded(cli("gc", "--run-id", deleted))

    remaining = json.loads(succeeded(cli("runs", "list", "--view", "deleted", "--json")))
    assert [run["info"]["run_id"] for run in remaining] == [other]


def test_run_id_of_an_active_run_is_refused(cli: Invoke, tracking: Client) -> None:
    active = log_run(tracking, "0", "kept")

    line = error_line(cli("gc", "--run-id", active))

    assert "not deleted" in line
    assert tracking.get_run(active).info.lifecycle_stage is LifecycleStage.ACTIVE


def test_gc_purges_a_deleted_experiment_with_its_runs(cli: Invoke, tracking: Client) -> None:
    experiment_id = tracking.create_experiment("churn")
    run_id = log_run(tracking, experiment_id, "r")
    tracking.delete_experiment(experiment_id)

    out = succeeded(cli("gc"))

    assert f"  experiment {experiment_id}" in out.splitlines()
    assert "no run" in error_line(cli("runs", "show", run_id))
    assert tracking.get_experiment_by_name("churn") is None


@pytest.fixture
def deleted_model(tracking: Client, tmp_path: Path) -> LoggedModel:
    """A logged model with a file, deleted just now."""
    models = LoggedModels(tracking)
    model = models.create_logged_model("0", "clf")
    local = tmp_path / "model"
    local.mkdir()
    (local / "MLmodel").write_text("flavors: {}\n")
    models.log_artifacts(model.model_id, local)
    models.delete_logged_model(model.model_id)
    return model


def test_gc_purges_a_deleted_logged_model_with_its_files(
    cli: Invoke, tracking: Client, deleted_model: LoggedModel
) -> None:
    folder = Path(deleted_model.artifact_location)
    assert (folder / "MLmodel").is_file()

    out = succeeded(cli("gc"))

    assert out.splitlines() == [
        "Purged 0 run(s), 1 logged model(s) and 0 experiment(s)",
        f"  logged model {deleted_model.model_id}",
    ]
    # The model's own folder (<root>/models/<model id>) goes, not only its files.
    assert not folder.parent.exists()
    with pytest.raises(NotFoundError):
        LoggedModels(tracking).get_logged_model(deleted_model.model_id, allow_deleted=True)


def test_model_id_purges_only_that_model(
    cli: Invoke, tracking: Client, deleted_model: LoggedModel, deleted: str
) -> None:
    out = succeeded(cli("gc", "--model-id", deleted_model.model_id))

    assert out.splitlines()[0] == "Purged 0 run(s), 1 logged model(s) and 0 experiment(s)"
    assert tracking.get_run(deleted).info.lifecycle_stage is LifecycleStage.DELETED


def test_model_id_of_an_active_model_is_refused(cli: Invoke, tracking: Client) -> None:
    model = LoggedModels(tracking).create_logged_model("0", "kept")

    line = error_line(cli("gc", "--model-id", model.model_id))

    assert "not deleted" in line
    assert LoggedModels(tracking).get_logged_model(model.model_id).model_id == model.model_id
