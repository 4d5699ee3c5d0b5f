"""Run lifecycle through the Client, on every store backend."""

from __future__ import annotations

import time

import pytest

from runwright import InvalidArgumentError, NotFoundError
from runwright.entities import (
    PARENT_RUN_TAG,
    Dataset,
    LifecycleStage,
    Metric,
    RunStatus,
)
from runwright.tracking.client import Client


def test_create_run_starts_running_with_an_artifact_root(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    run = client.create_run(experiment_id, run_name="first", tags={"k": "v"})
    info = client.get_run(run.run_id).info
    assert (info.status, info.run_name, info.experiment_id) == (
        RunStatus.RUNNING,
        "first",
        experiment_id,
    )
    assert info.artifact_uri.endswith(f"/{experiment_id}/{run.run_id}/artifacts")
    assert client.get_run(run.run_id).data.tags["k"] == "v"


def test_a_run_without_a_name_gets_one(client: Client) -> None:
    run = client.create_run("0")
    assert run.info.run_name
    assert client.get_run(run.run_id).data.tags["mlflow.runName"] == run.info.run_name


def test_create_run_in_an_unknown_experiment_is_not_found(client: Client) -> None:
    with pytest.raises(NotFoundError):
        client.create_run("999")


def test_create_run_in_a_deleted_experiment_is_refused(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidArgumentError, match="deleted"):
        client.create_run(experiment_id)


def test_unknown_run_is_not_found(client: Client) -> None:
    with pytest.raises(NotFoundError):
        client.get_run("0" * 32)


@pytest.mark.parametrize("run_id", ["", "../etc", "a b", "x" * 300])
def test_malformed_run_ids_are_refused(client: Client, run_id: str) -> None:
    with pytest.raises(InvalidArgumentError):
        client.get_run(run_id)


def test_set_terminated_records_status_and_end_time(client: Client) -> None:
    run = client.create_run("0")
    client.set_terminated(run.run_id, "FAILED", end_time=run.info.start_time + 5)
    info = client.get_run(run.run_id).info
    assert (info.status, info.end_time) == (RunStatus.FAILED, run.info.start_time + 5)


def test_unknown_status_is_refused(client: Client) -> None:
    run = client.create_run("0")
    with pytest.raises(InvalidArgumentError, match="status"):
        client.set_terminated(run.run_id, "DONE")


def test_update_run_renames_and_keeps_the_name_tag_in_step(client: Client) -> None:
    run = client.create_run("0", run_name="a")
    client.update_run(run.run_id, name="b")
    stored = client.get_run(run.run_id)
    assert (stored.info.run_name, stored.data.tags["mlflow.runName"]) == ("b", "b")


def test_setting_the_name_tag_renames_the_run(client: Client) -> None:
    run = client.create_run("0", run_name="a")
    client.set_tag(run.run_id, "mlflow.runName", "c")
    assert client.get_run(run.run_id).info.run_name == "c"


def test_delete_and_restore_run(client: Client) -> None:
    run = client.create_run("0")
    client.delete_run(run.run_id)
    assert client.get_run(run.run_id).info.lifecycle_stage is LifecycleStage.DELETED
    client.restore_run(run.run_id)
    assert client.get_run(run.run_id).info.lifecycle_stage is LifecycleStage.ACTIVE


@pytest.mark.parametrize(
    "write",
    [
        lambda c, r: c.log_param(r, "p", 1),
        lambda c, r: c.set_tag(r, "t", 1),
        lambda c, r: c.log_metric(r, "m", 1.0, synchronous=True),
        lambda c, r: c.log_text(r, "x", "a.txt"),
        lambda c, r: c.set_terminated(r),
    ],
    ids=["param", "tag", "metric", "artifact", "status"],
)
def test_a_deleted_run_refuses_writes(client: Client, write) -> None:  # type: ignore[no-untyped-def]
    run = client.create_run("0")
    client.delete_run(run.run_id)
    with pytest.raises(InvalidArgumentError, match="active"):
        write(client, run.run_id)
    stored = client.get_run(run.run_id)
    assert not stored.data.params and "t" not in stored.data.tags and not stored.data.metrics


def test_deleting_twice_keeps_the_first_deletion_time(client: Client) -> None:
    run = client.create_run("0")
    client.delete_run(run.run_id)
    between = int(time.time() * 1000) + 20
    time.sleep(0.05)
    client.delete_run(run.run_id)
    deleted_before = client.store.list_deleted_runs(deleted_before=between)
    assert [info.run_id for info in deleted_before] == [run.run_id]


def test_restoring_a_run_of_a_deleted_experiment_is_refused(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    run = client.create_run(experiment_id)
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidArgumentError, match="experiment"):
        client.restore_run(run.run_id)


def test_nested_runs_point_at_their_parent(client: Client) -> None:
    parent = client.create_run("0")
    child = client.create_run("0", tags={PARENT_RUN_TAG: parent.run_id})
    assert client.get_run(child.run_id).parent_run_id == parent.run_id


def test_log_inputs_records_datasets_once_per_digest(client: Client) -> None:
    run = client.create_run("0")
    dataset = Dataset(
        name="iris", digest="abc123", source_type="local", source="/d/iris.csv", schema='{"a": 1}'
    )
    client.log_input(run.run_id, dataset, context="training")
    client.log_input(run.run_id, dataset, context="training")
    other = client.create_run("0")
    client.log_input(other.run_id, dataset, context="eval")
    (stored,) = client.get_run(run.run_id).inputs
    assert (stored.dataset, stored.context) == (dataset, "training")
    assert client.get_run(other.run_id).inputs[0].context == "eval"


def test_a_dataset_without_a_digest_is_refused(client: Client) -> None:
    run = client.create_run("0")
    bad = Dataset(name="iris", digest="", source_type="local", source="/d")
    with pytest.raises(InvalidArgumentError, match="digest"):
        client.log_input(run.run_id, bad)
    assert client.get_run(run.run_id).inputs == ()


def test_heartbeat_moves_forward(client: Client) -> None:
    run = client.create_run("0", start_time=1_000)
    client.store.record_heartbeat(run_ids=[run.run_id], time=int(time.time() * 1000))
    info = client.get_run(run.run_id).info
    now = int(time.time() * 1000)
    assert not info.is_stale(now_ms=now, threshold_ms=60_000)


def test_a_silent_running_run_is_stale(client: Client) -> None:
    run = client.create_run("0", start_time=1_000)
    info = client.get_run(run.run_id).info
    assert info.is_stale(now_ms=int(time.time() * 1000), threshold_ms=60_000)


def test_purged_runs_are_gone(client: Client) -> None:
    run = client.create_run("0")
    client.log_batch(run.run_id, metrics=[Metric("m", 1.0, 1, 0)])
    client.delete_run(run.run_id)
    client.store.purge_runs(run_ids=[run.run_id])
    with pytest.raises(NotFoundError):
        client.get_run(run.run_id)
