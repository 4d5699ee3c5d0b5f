"""Experiments through the Client, on every store backend."""

from __future__ import annotations

import pytest

from runwright import AlreadyExistsError, InvalidArgumentError, NotFoundError
from runwright.entities import DEFAULT_EXPERIMENT_ID, LifecycleStage, ViewType
from runwright.tracking.client import Client


def test_default_experiment_exists(client: Client) -> None:
    experiment = client.get_experiment(DEFAULT_EXPERIMENT_ID)
    assert (experiment.name, experiment.lifecycle_stage) == ("Default", LifecycleStage.ACTIVE)


def test_create_and_get_round_trip(client: Client) -> None:
    experiment_id = client.create_experiment("churn", tags={"team": "growth"})
    experiment = client.get_experiment(experiment_id)
    assert experiment.name == "churn"
    assert experiment.tags == {"team": "growth"}
    assert experiment.artifact_location.endswith(f"/{experiment_id}")
    assert experiment.creation_time == experiment.last_update_time > 0


def test_get_by_name_finds_the_experiment(client: Client) -> None:
    experiment_id = client.create_experiment("churn")
    found = client.get_experiment_by_name("churn")
    assert found is not None and found.experiment_id == experiment_id


def test_get_by_unknown_name_is_none(client: Client) -> None:
    assert client.get_experiment_by_name("nope") is None


def test_unknown_id_is_not_found(client: Client) -> None:
    with pytest.raises(NotFoundError, match="12345"):
        client.get_experiment("12345")


def test_duplicate_name_is_refused_and_nothing_is_added(client: Client) -> None:
    client.create_experiment("churn")
    with pytest.raises(AlreadyExistsError, match="churn"):
        client.create_experiment("churn")
    assert [e.name for e in client.search_experiments()].count("churn") == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 501])
def test_bad_names_are_refused(client: Client, name: str) -> None:
    with pytest.raises(InvalidArgumentError):
        client.create_experiment(name)


def test_explicit_artifact_location_is_kept(client: Client) -> None:
    experiment_id = client.create_experiment("e", artifact_location="/data/artifacts/e")
    assert client.get_experiment(experiment_id).artifact_location == "/data/artifacts/e"


def test_rename(client: Client) -> None:
    experiment_id = client.create_experiment("old")
    client.rename_experiment(experiment_id, "new")
    assert client.get_experiment(experiment_id).name == "new"


def test_rename_onto_a_taken_name_is_refused(client: Client) -> None:
    client.create_experiment("a")
    b = client.create_experiment("b")
    with pytest.raises(AlreadyExistsError):
        client.rename_experiment(b, "a")
    assert client.get_experiment(b).name == "b"


def test_delete_marks_experiment_and_its_runs_deleted(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    run = client.create_run(experiment_id)
    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.DELETED
    assert client.get_run(run.run_id).info.lifecycle_stage is LifecycleStage.DELETED


def test_restore_brings_back_only_the_runs_the_delete_took(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    kept = client.create_run(experiment_id)
    deleted_before = client.create_run(experiment_id)
    client.delete_run(deleted_before.run_id)
    client.delete_experiment(experiment_id)
    client.restore_experiment(experiment_id)
    assert client.get_run(kept.run_id).info.lifecycle_stage is LifecycleStage.ACTIVE
    assert client.get_run(deleted_before.run_id).info.lifecycle_stage is LifecycleStage.DELETED


def test_deleting_twice_is_an_error(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidArgumentError):
        client.delete_experiment(experiment_id)


def test_renaming_a_deleted_experiment_is_refused(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidArgumentError):
        client.rename_experiment(experiment_id, "f")


def test_tags_can_be_set_replaced_and_deleted(client: Client) -> None:
    experiment_id = client.create_experiment("e")
    client.set_experiment_tag(experiment_id, "k", "1")
    client.set_experiment_tag(experiment_id, "k", "2")
    client.set_experiment_tag(experiment_id, "other", "x")
    client.delete_experiment_tag(experiment_id, "other")
    assert client.get_experiment(experiment_id).tags == {"k": "2"}


def test_search_by_view_type(client: Client) -> None:
    gone = client.create_experiment("gone")
    client.create_experiment("here")
    client.delete_experiment(gone)
    active = {e.name for e in client.search_experiments(ViewType.ACTIVE_ONLY)}
    deleted = {e.name for e in client.search_experiments(ViewType.DELETED_ONLY)}
    everything = {e.name for e in client.search_experiments(ViewType.ALL)}
    assert (active, deleted, everything) == (
        {"Default", "here"},
        {"gone"},
        {"Default", "here", "gone"},
    )


def test_search_with_filter_and_order(client: Client) -> None:
    for name in ("churn-b", "churn-a", "fraud"):
        client.create_experiment(name)
    found = client.search_experiments(filter_string="name LIKE 'churn%'", order_by=["name ASC"])
    assert [e.name for e in found] == ["churn-a", "churn-b"]


def test_search_pages_cover_every_experiment_once(client: Client) -> None:
    for i in range(23):
        client.create_experiment(f"e{i:02d}")
    seen: list[str] = []
    token = None
    while True:
        page = client.search_experiments(max_results=5, order_by=["name"], page_token=token)
        seen.extend(e.name for e in page)
        token = page.token
        if token is None:
            break
    assert seen == sorted([f"e{i:02d}" for i in range(23)] + ["Default"])


@pytest.mark.parametrize("experiment_id", ["-1", "2147483648", "99999999999999999999", "abc"])
def test_out_of_range_experiment_ids_are_refused(client: Client, experiment_id: str) -> None:
    with pytest.raises(InvalidArgumentError):
        client.get_experiment(experiment_id)
