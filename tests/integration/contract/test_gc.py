"""Garbage collection: permanent removal of what was soft-deleted, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from runwright import InvalidArgumentError, NotFoundError
from runwright.entities import LoggedModel, LoggedModelOutput, ViewType
from runwright.tracking.client import Client
from runwright.tracking.gc import collect_garbage
from runwright.tracking.logged_models import LoggedModels


def _listing(client: Client, root_uri: str) -> list[str]:
    """What is under an artifact root, read through the store: a folder on disk for
    SQL stores, the server's artifact proxy for the REST store."""
    return [entry.path for entry in client.store.artifact_repository(root_uri).list()]


def test_gc_purges_deleted_runs_with_their_artifacts(client: Client) -> None:
    run = client.create_run("0")
    client.log_text(run.run_id, "hello", "notes/a.txt")
    experiment_root = client.get_experiment("0").artifact_location
    assert run.run_id in _listing(client, experiment_root)
    client.delete_run(run.run_id)
    report = collect_garbage(client)
    assert report.run_ids == [run.run_id]
    # The run's own folder goes too, not only the files in it.
    assert run.run_id not in _listing(client, experiment_root)
    with pytest.raises(NotFoundError):
        client.get_run(run.run_id)


def test_gc_leaves_active_runs_alone(client: Client) -> None:
    run = client.create_run("0")
    collect_garbage(client)
    assert client.get_run(run.run_id).run_id == run.run_id


def test_dry_run_changes_nothing(client: Client) -> None:
    run = client.create_run("0")
    client.delete_run(run.run_id)
    report = collect_garbage(client, dry_run=True)
    assert report.run_ids == [run.run_id]
    assert client.get_run(run.run_id).run_id == run.run_id


def test_older_than_keeps_recent_deletions(client: Client) -> None:
    run = client.create_run("0")
    client.delete_run(run.run_id)
    assert collect_garbage(client, older_than_seconds=3600).run_ids == []
    assert client.get_run(run.run_id).run_id == run.run_id


def test_naming_an_active_run_is_refused(client: Client) -> None:
    run = client.create_run("0")
    with pytest.raises(InvalidArgumentError, match="not deleted"):
        collect_garbage(client, run_ids=[run.run_id])


def test_gc_purges_deleted_experiments_with_all_their_runs(client: Client) -> None:
    experiment_id = client.create_experiment("doomed")
    run = client.create_run(experiment_id)
    client.log_text(run.run_id, "x", "a.txt")
    experiment_root = client.get_experiment(experiment_id).artifact_location
    assert _listing(client, experiment_root) == [run.run_id]
    client.delete_experiment(experiment_id)
    report = collect_garbage(client)
    assert report.experiment_ids == [experiment_id]
    assert _listing(client, experiment_root) == []
    with pytest.raises(NotFoundError):
        client.get_experiment(experiment_id)
    assert client.search_runs([experiment_id], run_view_type=ViewType.ALL) == []


def _model_with_a_file(client: Client, tmp_path: Path, experiment_id: str = "0") -> LoggedModel:
    models = LoggedModels(client)
    model = models.create_logged_model(experiment_id, "clf")
    local = tmp_path / model.model_id
    local.mkdir()
    (local / "MLmodel").write_text("flavors: {}\n")
    models.log_artifacts(model.model_id, local)
    return model


def test_gc_purges_deleted_logged_models_with_their_artifacts(
    client: Client, tmp_path: Path
) -> None:
    model = _model_with_a_file(client, tmp_path)
    models_root = f"{client.get_experiment('0').artifact_location}/models"
    assert _listing(client, models_root) == [model.model_id]
    LoggedModels(client).delete_logged_model(model.model_id)
    report = collect_garbage(client)
    assert report.model_ids == [model.model_id]
    # The model's own folder goes too, not only the files in it.
    assert _listing(client, models_root) == []
    with pytest.raises(NotFoundError):
        LoggedModels(client).get_logged_model(model.model_id, allow_deleted=True)


def test_gc_leaves_active_logged_models_alone(client: Client, tmp_path: Path) -> None:
    model = _model_with_a_file(client, tmp_path)
    assert collect_garbage(client).model_ids == []
    assert [f.path for f in LoggedModels(client).list_artifacts(model.model_id)] == ["MLmodel"]


def test_dry_run_keeps_deleted_logged_models(client: Client, tmp_path: Path) -> None:
    model = _model_with_a_file(client, tmp_path)
    models = LoggedModels(client)
    models.delete_logged_model(model.model_id)
    assert collect_garbage(client, dry_run=True).model_ids == [model.model_id]
    assert models.get_logged_model(model.model_id, allow_deleted=True).model_id == model.model_id
    assert [f.path for f in client.store.artifact_repository(model.artifact_location).list()] == [
        "MLmodel"
    ]


def test_older_than_keeps_recently_deleted_logged_models(client: Client) -> None:
    models = LoggedModels(client)
    model = models.create_logged_model("0", "clf")
    models.delete_logged_model(model.model_id)
    assert collect_garbage(client, older_than_seconds=3600).model_ids == []
    assert models.get_logged_model(model.model_id, allow_deleted=True).model_id == model.model_id


def test_model_ids_purge_only_the_named_models(client: Client) -> None:
    models = LoggedModels(client)
    doomed, spared = (models.create_logged_model("0", name) for name in ("doomed", "spared"))
    run = client.create_run("0")
    for model in (doomed, spared):
        models.delete_logged_model(model.model_id)
    client.delete_run(run.run_id)
    report = collect_garbage(client, model_ids=[doomed.model_id])
    assert (report.model_ids, report.run_ids) == ([doomed.model_id], [])
    assert models.get_logged_model(spared.model_id, allow_deleted=True).name == "spared"
    assert client.get_run(run.run_id).run_id == run.run_id


def test_naming_an_active_logged_model_is_refused(client: Client) -> None:
    model = LoggedModels(client).create_logged_model("0", "kept")
    with pytest.raises(InvalidArgumentError, match="not deleted"):
        collect_garbage(client, model_ids=[model.model_id])


def test_purging_a_logged_model_removes_it_from_run_outputs(client: Client) -> None:
    models = LoggedModels(client)
    run = client.create_run("0")
    purged, kept = (models.create_logged_model("0", name) for name in ("purged", "kept"))
    models.log_outputs(
        run.run_id, [LoggedModelOutput(purged.model_id), LoggedModelOutput(kept.model_id)]
    )
    models.delete_logged_model(purged.model_id)
    collect_garbage(client)
    assert models.get_run_outputs(run.run_id) == [LoggedModelOutput(kept.model_id)]
