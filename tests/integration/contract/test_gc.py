"""Garbage collection: permanent removal of what was soft-deleted, on every backend."""

from __future__ import annotations

import pytest

from runwright import InvalidArgumentError, NotFoundError
from runwright.entities import ViewType
from runwright.tracking.client import Client
from runwright.tracking.gc import collect_garbage


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
