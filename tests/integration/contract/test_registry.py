"""The model registry through the Registry service, on every store (SQLite, PostgreSQL,
and a tracking server over REST)."""

from __future__ import annotations

import time

import pytest

from runwright import AlreadyExistsError, InvalidArgumentError, NotFoundError
from runwright.entities import ModelVersion, RegistryAction, RegistryEvent, Stage
from runwright.errors import FilterSyntaxError
from runwright.registry import Registry
from runwright.tracking.client import Client
from runwright.tracking.logged_models import LoggedModels

PROMPT_FILTER = "tag.`mlflow.prompt.is_prompt` != 'true'"


@pytest.fixture
def registry(client: Client) -> Registry:
    return Registry(client, user="alice")


def _tick() -> None:
    """Let the clock move, so events of consecutive calls have distinct times."""
    time.sleep(0.005)


def _versions(found: list[ModelVersion]) -> list[tuple[str, str]]:
    return [(v.name, v.version) for v in found]


def _actions(events: list[RegistryEvent]) -> list[str]:
    return [e.action.value for e in events]


def _model_with_versions(registry: Registry, name: str, count: int) -> None:
    registry.create_registered_model(name)
    for index in range(count):
        registry.create_model_version(name, f"/models/{name}/{index + 1}")


# -- registered models --------------------------------------------------------------------


def test_get_returns_what_create_stored(registry: Registry) -> None:
    created = registry.create_registered_model("churn", tags={"team": "ml"}, description="d")
    found = registry.get_registered_model("churn")
    assert found == created
    assert (found.name, dict(found.tags), found.description, found.user_id) == (
        "churn",
        {"team": "ml"},
        "d",
        "alice",
    )
    assert found.latest_versions == ()


def test_a_duplicate_name_already_exists(registry: Registry) -> None:
    registry.create_registered_model("churn")
    with pytest.raises(AlreadyExistsError, match="churn"):
        registry.create_registered_model("churn")


@pytest.mark.parametrize("name", ["", "  ", "a/b", "a:b", "x" * 257])
def test_names_that_break_model_uris_are_refused(registry: Registry, name: str) -> None:
    with pytest.raises(InvalidArgumentError):
        registry.create_registered_model(name)


def test_an_unknown_model_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        registry.get_registered_model("nope")


def test_rename_takes_versions_aliases_and_history_along(registry: Registry) -> None:
    _model_with_versions(registry, "old", 2)
    registry.set_registered_model_alias("old", "champion", 2)

    renamed = registry.rename_registered_model("old", "new")

    assert renamed.name == "new"
    assert dict(renamed.aliases) == {"champion": "2"}
    assert registry.get_model_version("new", 1).name == "new"
    assert registry.get_model_version_by_alias("new", "champion").version == "2"
    with pytest.raises(NotFoundError):
        registry.get_registered_model("old")
    assert _actions(registry.history("new")) == [
        "create_registered_model",
        "create_model_version",
        "create_model_version",
        "set_alias",
        "rename",
    ]
    assert registry.history("old") == []


def test_renaming_onto_a_taken_name_already_exists(registry: Registry) -> None:
    registry.create_registered_model("a")
    registry.create_registered_model("b")
    with pytest.raises(AlreadyExistsError, match="b"):
        registry.rename_registered_model("a", "b")
    assert registry.get_registered_model("a").name == "a"


def test_update_sets_the_description(registry: Registry) -> None:
    registry.create_registered_model("churn", description="old")
    updated = registry.update_registered_model("churn", "new")
    assert updated.description == registry.get_registered_model("churn").description == "new"


def test_tags_are_set_overwritten_and_deleted(registry: Registry) -> None:
    registry.create_registered_model("churn", tags={"a": "1", "b": "2"})
    registry.set_registered_model_tag("churn", "a", "one")
    registry.set_registered_model_tag("churn", "c", 3)
    registry.delete_registered_model_tag("churn", "b")
    registry.delete_registered_model_tag("churn", "never-set")
    assert dict(registry.get_registered_model("churn").tags) == {"a": "one", "c": "3"}


def test_delete_removes_versions_and_aliases_but_keeps_the_history(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 2)
    registry.set_registered_model_alias("churn", "champion", 1)

    registry.delete_registered_model("churn")

    with pytest.raises(NotFoundError):
        registry.get_registered_model("churn")
    with pytest.raises(NotFoundError):
        registry.get_model_version("churn", 1)
    assert registry.search_model_versions("name = 'churn'") == []
    events = registry.history("churn")
    assert _actions(events)[-2:] == ["delete_alias", "delete_registered_model"]
    assert events[-1].before is not None and events[-1].before["versions"] == ["1", "2"]
    assert events[-1].after is None


def test_a_model_made_again_under_a_deleted_name_starts_at_version_one(
    registry: Registry,
) -> None:
    _model_with_versions(registry, "churn", 2)
    registry.delete_registered_model("churn")
    _model_with_versions(registry, "churn", 1)
    assert registry.get_latest_versions("churn")[0].version == "1"


# -- searching models ---------------------------------------------------------------------


def test_models_are_searched_by_name_and_tag(registry: Registry) -> None:
    registry.create_registered_model("churn-a", tags={"team": "ml"})
    registry.create_registered_model("churn-b", tags={"team": "ops"})
    registry.create_registered_model("fraud", tags={"team": "ml"})

    by_name = registry.search_registered_models("name LIKE 'churn%'")
    by_tag = registry.search_registered_models("tags.team = 'ml'")

    assert [m.name for m in by_name] == ["churn-a", "churn-b"]
    assert [m.name for m in by_tag] == ["churn-a", "fraud"]


def test_the_mlflow_clients_prompt_filter_matches_ordinary_models(registry: Registry) -> None:
    registry.create_registered_model("churn")
    registry.create_registered_model("prompt", tags={"mlflow.prompt.is_prompt": "true"})
    found = registry.search_registered_models(PROMPT_FILTER)
    assert [m.name for m in found] == ["churn"]


def test_model_search_pages_in_order(registry: Registry) -> None:
    for name in ("c", "a", "d", "b", "e"):
        registry.create_registered_model(name)
        _tick()
    first = registry.search_registered_models(max_results=2, order_by=["timestamp DESC"])
    second = registry.search_registered_models(
        max_results=2, order_by=["timestamp DESC"], page_token=first.token
    )
    third = registry.search_registered_models(
        max_results=2, order_by=["timestamp DESC"], page_token=second.token
    )
    assert [m.name for m in [*first, *second, *third]] == ["e", "b", "d", "a", "c"]
    assert third.token is None


def test_a_search_model_carries_its_latest_versions_and_aliases(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 3)
    registry.transition_model_version_stage("churn", 1, "Production")
    registry.set_registered_model_alias("churn", "champion", 1)
    [found] = registry.search_registered_models("name = 'churn'")
    assert [(v.version, v.current_stage) for v in found.latest_versions] == [
        ("3", Stage.NONE),
        ("1", Stage.PRODUCTION),
    ]
    assert dict(found.aliases) == {"champion": "1"}


@pytest.mark.parametrize("max_results", [0, 1001])
def test_model_search_limits_max_results(registry: Registry, max_results: int) -> None:
    with pytest.raises(InvalidArgumentError, match="max_results"):
        registry.search_registered_models(max_results=max_results)


def test_a_bad_model_filter_says_where(registry: Registry) -> None:
    with pytest.raises(FilterSyntaxError):
        registry.search_registered_models("metrics.acc > 1")


# -- versions -----------------------------------------------------------------------------


def test_versions_count_up_and_deleted_numbers_are_not_reused(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 3)
    registry.delete_model_version("churn", 3)
    created = registry.create_model_version("churn", "/models/again")
    assert created.version == "4"
    assert sorted(v.version for v in registry.search_model_versions("name = 'churn'")) == [
        "1",
        "2",
        "4",
    ]


def test_a_runs_source_records_the_run_and_resolves_under_its_artifacts(
    client: Client, registry: Registry
) -> None:
    run = client.create_run("0")
    client.log_text(run.run_id, "flavors: {}", "model/MLmodel")
    registry.create_registered_model("churn")

    version = registry.create_model_version("churn", f"runs:/{run.run_id}/model")

    assert (version.run_id, version.source) == (run.run_id, f"runs:/{run.run_id}/model")
    assert version.status.value == "READY"
    assert version.user_id == "alice"
    uri = registry.get_model_version_download_uri("churn", version.version)
    assert uri == client.get_run(run.run_id).info.artifact_uri + "/model"
    assert [f.path for f in client.store.artifact_repository(uri).list()] == ["MLmodel"]


def test_a_logged_model_source_resolves_to_the_models_files(
    client: Client, registry: Registry
) -> None:
    run = client.create_run("0")
    model = LoggedModels(client).create_logged_model("0", "clf", source_run_id=run.run_id)
    registry.create_registered_model("churn")

    version = registry.create_model_version("churn", f"models:/{model.model_id}")

    assert (version.model_id, version.run_id) == (model.model_id, run.run_id)
    uri = registry.get_model_version_download_uri("churn", 1)
    assert uri == model.artifact_location


def test_a_registered_version_source_resolves_to_that_versions_files(
    registry: Registry,
) -> None:
    _model_with_versions(registry, "churn", 1)
    registry.set_registered_model_alias("churn", "champion", 1)
    registry.create_registered_model("copy")

    version = registry.create_model_version("copy", "models:/churn@champion")

    assert version.source == "models:/churn/1"
    assert registry.get_model_version_download_uri("copy", 1) == "/models/churn/1"


def test_a_run_id_that_contradicts_the_source_is_refused(
    client: Client, registry: Registry
) -> None:
    run = client.create_run("0")
    registry.create_registered_model("churn")
    with pytest.raises(InvalidArgumentError, match="run_id"):
        registry.create_model_version("churn", f"runs:/{run.run_id}/m", run_id="0" * 32)
    assert registry.search_model_versions("name = 'churn'") == []


def test_a_version_of_an_unknown_model_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        registry.create_model_version("nope", "/models/x")


@pytest.mark.parametrize("version", ["9", 0, -1, 2**40])
def test_a_version_that_does_not_exist_is_not_found(registry: Registry, version: object) -> None:
    _model_with_versions(registry, "churn", 1)
    with pytest.raises(NotFoundError):
        registry.get_model_version("churn", version)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["one", "1.5", ""])
def test_a_version_that_is_not_a_number_is_refused(registry: Registry, version: str) -> None:
    _model_with_versions(registry, "churn", 1)
    with pytest.raises(InvalidArgumentError, match="version"):
        registry.get_model_version("churn", version)


def test_version_description_and_tags_change(registry: Registry) -> None:
    registry.create_registered_model("churn")
    registry.create_model_version("churn", "/m", tags={"a": "1", "b": "2"}, description="x")
    registry.update_model_version("churn", 1, "better")
    registry.set_model_version_tag("churn", "1", "a", "one")
    registry.delete_model_version_tag("churn", 1, "b")
    found = registry.get_model_version("churn", 1)
    assert (found.description, dict(found.tags)) == ("better", {"a": "one"})


def test_deleting_a_version_deletes_its_aliases(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 2)
    registry.set_registered_model_alias("churn", "champion", 2)
    registry.set_registered_model_alias("churn", "backup", 1)

    registry.delete_model_version("churn", 2)

    assert dict(registry.get_registered_model("churn").aliases) == {"backup": "1"}
    with pytest.raises(InvalidArgumentError, match="champion"):
        registry.get_model_version_by_alias("churn", "champion")


# -- searching versions -------------------------------------------------------------------


def test_versions_are_searched_by_name_run_number_and_tag(
    client: Client, registry: Registry
) -> None:
    run = client.create_run("0")
    registry.create_registered_model("churn")
    registry.create_registered_model("fraud")
    registry.create_model_version("churn", "/m/1", tags={"stage": "dev"})
    registry.create_model_version("churn", f"runs:/{run.run_id}/m", tags={"stage": "prod"})
    registry.create_model_version("fraud", "/m/3")

    assert _versions(registry.search_model_versions("name = 'churn'")) == [
        ("churn", "2"),
        ("churn", "1"),
    ]
    assert _versions(registry.search_model_versions(f"run_id = '{run.run_id}'")) == [("churn", "2")]
    assert _versions(registry.search_model_versions("version_number >= 2")) == [("churn", "2")]
    assert _versions(registry.search_model_versions("tags.stage = 'dev'")) == [("churn", "1")]
    assert _versions(registry.search_model_versions("source_path LIKE '/m/%'")) == [
        ("fraud", "1"),
        ("churn", "1"),
    ]


def test_versions_come_most_recently_updated_first(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 3)
    _tick()
    registry.update_model_version("churn", 1, "touched")
    found = registry.search_model_versions("name = 'churn'")
    assert [v.version for v in found] == ["1", "3", "2"]


def test_version_search_pages_by_an_order(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 5)
    order = ["version_number ASC"]
    first = registry.search_model_versions("name='churn'", max_results=3, order_by=order)
    rest = registry.search_model_versions(
        "name='churn'", max_results=3, order_by=order, page_token=first.token
    )
    assert [v.version for v in [*first, *rest]] == ["1", "2", "3", "4", "5"]
    assert rest.token is None


def test_version_search_limits_max_results(registry: Registry) -> None:
    with pytest.raises(InvalidArgumentError, match="max_results"):
        registry.search_model_versions(max_results=200_001)


# -- aliases ------------------------------------------------------------------------------


def test_an_alias_names_a_version_until_it_is_moved(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 2)
    registry.set_registered_model_alias("churn", "champion", 1)
    assert registry.get_model_version_by_alias("churn", "champion").aliases == ("champion",)

    registry.set_registered_model_alias("churn", "champion", "2")

    assert registry.get_model_version_by_alias("churn", "champion").version == "2"
    assert registry.get_model_version("churn", 1).aliases == ()
    assert dict(registry.get_registered_model("churn").aliases) == {"champion": "2"}


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12", "", "a b", "x" * 256, "ü"])
def test_reserved_and_malformed_alias_names_are_refused(registry: Registry, alias: str) -> None:
    _model_with_versions(registry, "churn", 1)
    with pytest.raises(InvalidArgumentError):
        registry.set_registered_model_alias("churn", alias, 1)


def test_an_alias_to_a_missing_version_is_not_found(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 1)
    with pytest.raises(NotFoundError):
        registry.set_registered_model_alias("churn", "champion", 2)
    assert registry.history("churn", alias="champion") == []


def test_an_unknown_alias_is_an_invalid_parameter(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 1)
    with pytest.raises(InvalidArgumentError, match="champion"):
        registry.get_model_version_by_alias("churn", "champion")


def test_an_alias_of_an_unknown_model_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        registry.get_model_version_by_alias("nope", "champion")


def test_the_latest_alias_is_the_newest_version(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 3)
    registry.transition_model_version_stage("churn", 2, "Production")
    assert registry.get_model_version_by_alias("churn", "latest").version == "3"


def test_latest_of_a_model_without_versions_is_not_found(registry: Registry) -> None:
    registry.create_registered_model("churn")
    with pytest.raises(NotFoundError):
        registry.get_model_version_by_alias("churn", "latest")


def test_deleting_an_alias(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 1)
    registry.set_registered_model_alias("churn", "champion", 1)
    registry.delete_registered_model_alias("churn", "champion")
    registry.delete_registered_model_alias("churn", "never-set")
    assert dict(registry.get_registered_model("churn").aliases) == {}


# -- stages -------------------------------------------------------------------------------


def test_archive_existing_versions_archives_the_others_in_that_stage(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 4)
    registry.transition_model_version_stage("churn", 1, "Production")
    registry.transition_model_version_stage("churn", 2, "Production")
    registry.transition_model_version_stage("churn", 3, "Staging")

    moved = registry.transition_model_version_stage(
        "churn", 4, "production", archive_existing_versions=True
    )

    assert moved.current_stage is Stage.PRODUCTION
    stages = {v.version: v.current_stage for v in registry.search_model_versions("name='churn'")}
    assert stages == {
        "1": Stage.ARCHIVED,
        "2": Stage.ARCHIVED,
        "3": Stage.STAGING,
        "4": Stage.PRODUCTION,
    }


def test_stages_are_read_in_any_case_and_unknown_ones_refused(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 1)
    assert registry.transition_model_version_stage("churn", 1, "sTaGiNg").current_stage == (
        Stage.STAGING
    )
    with pytest.raises(InvalidArgumentError, match="stage"):
        registry.transition_model_version_stage("churn", 1, "Live")


@pytest.mark.parametrize("stage", ["Archived", "None"])
def test_archiving_others_needs_an_active_stage(registry: Registry, stage: str) -> None:
    _model_with_versions(registry, "churn", 1)
    with pytest.raises(InvalidArgumentError, match="Active stage"):
        registry.transition_model_version_stage("churn", 1, stage, archive_existing_versions=True)


def test_latest_versions_are_the_highest_in_each_stage(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 5)
    registry.transition_model_version_stage("churn", 1, "Production")
    registry.transition_model_version_stage("churn", 2, "Production")
    registry.transition_model_version_stage("churn", 3, "Staging")

    every = registry.get_latest_versions("churn")
    production = registry.get_latest_versions("churn", ["production"])
    archived = registry.get_latest_versions("churn", ["Archived"])

    assert [(v.version, v.current_stage) for v in every] == [
        ("5", Stage.NONE),
        ("3", Stage.STAGING),
        ("2", Stage.PRODUCTION),
    ]
    assert [v.version for v in production] == ["2"]
    assert archived == []


def test_latest_versions_of_an_unknown_model_are_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        registry.get_latest_versions("nope")


# -- history ------------------------------------------------------------------------------


def test_every_change_is_recorded_with_who_what_and_before_after(registry: Registry) -> None:
    start = int(time.time() * 1000)
    registry.create_registered_model("churn", description="first")
    registry.create_model_version("churn", "/m/1")
    registry.set_registered_model_alias("churn", "champion", 1)
    registry.transition_model_version_stage("churn", 1, "Staging")
    registry.update_registered_model("churn", "second")
    registry.set_model_version_tag("churn", 1, "k", "v")

    events = registry.history("churn")

    assert _actions(events) == [
        "create_registered_model",
        "create_model_version",
        "set_alias",
        "transition_stage",
        "update_description",
        "set_tag",
    ]
    assert {e.user for e in events} == {"alice"}
    assert all(start - 1000 <= e.time <= int(time.time() * 1000) + 1000 for e in events)
    stage = events[3]
    assert (stage.version, stage.before, stage.after) == (
        "1",
        {"stage": "None"},
        {"stage": "Staging"},
    )
    assert (events[4].version, events[4].before, events[4].after) == (
        None,
        {"description": "first"},
        {"description": "second"},
    )
    assert (events[5].before, events[5].after) == (None, {"key": "k", "value": "v"})


def test_history_of_one_alias_or_one_version(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 2)
    registry.set_registered_model_alias("churn", "champion", 1)
    registry.set_registered_model_alias("churn", "challenger", 2)
    registry.set_registered_model_alias("churn", "champion", 2)
    registry.delete_registered_model_alias("churn", "champion")

    champion = registry.history("churn", alias="champion")
    second = registry.history("churn", version=2)

    assert [(e.action, e.version) for e in champion] == [
        (RegistryAction.SET_ALIAS, "1"),
        (RegistryAction.SET_ALIAS, "2"),
        (RegistryAction.DELETE_ALIAS, "2"),
    ]
    assert champion[1].before == {"version": "1"}
    assert _actions(second) == ["create_model_version", "set_alias", "set_alias", "delete_alias"]


def test_alias_at_answers_which_version_held_an_alias_when(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 2)
    _tick()
    registry.set_registered_model_alias("churn", "champion", 1)
    _tick()
    registry.set_registered_model_alias("churn", "champion", 2)
    _tick()
    registry.delete_registered_model_alias("churn", "champion")
    set_first, set_second, deleted = (e.time for e in registry.history("churn", alias="champion"))

    assert registry.alias_at("churn", "champion", set_first - 1) is None
    assert registry.alias_at("churn", "champion", set_first) == "1"
    assert registry.alias_at("churn", "champion", set_second - 1) == "1"
    assert registry.alias_at("churn", "champion", set_second) == "2"
    assert registry.alias_at("churn", "champion", deleted) is None


def test_alias_at_is_none_once_the_version_or_model_is_gone(registry: Registry) -> None:
    _model_with_versions(registry, "churn", 1)
    registry.set_registered_model_alias("churn", "champion", 1)
    _tick()
    registry.delete_registered_model("churn")
    assert registry.alias_at("churn", "champion", int(time.time() * 1000) + 1000) is None


def test_a_refused_change_records_nothing(registry: Registry) -> None:
    registry.create_registered_model("churn")
    with pytest.raises(InvalidArgumentError):
        registry.set_registered_model_alias("churn", "latest", 1)
    with pytest.raises(NotFoundError):
        registry.update_model_version("churn", 1, "x")
    assert _actions(registry.history("churn")) == ["create_registered_model"]


def test_the_history_of_a_name_never_used_is_empty(registry: Registry) -> None:
    assert registry.history("never") == []


# -- registering a model URI --------------------------------------------------------------


def test_register_model_creates_the_model_and_records_the_run(
    client: Client, registry: Registry
) -> None:
    run = client.create_run("0")
    client.log_text(run.run_id, "flavors: {}", "model/MLmodel")

    first = registry.register_model(f"runs:/{run.run_id}/model", "churn", tags={"a": "b"})
    second = registry.register_model(f"runs:/{run.run_id}/model", "churn")

    assert (first.version, first.run_id, dict(first.tags)) == ("1", run.run_id, {"a": "b"})
    assert second.version == "2"


def test_register_model_finds_the_logged_model_a_run_output(
    client: Client, registry: Registry
) -> None:
    from runwright.entities import LoggedModelOutput

    run = client.create_run("0")
    models = LoggedModels(client)
    model = models.create_logged_model("0", "clf", source_run_id=run.run_id)
    models.log_outputs(run.run_id, [LoggedModelOutput(model.model_id, 0)])

    version = registry.register_model(f"runs:/{run.run_id}/clf", "churn")

    assert (version.source, version.model_id, version.run_id) == (
        f"models:/{model.model_id}",
        model.model_id,
        run.run_id,
    )
    assert registry.get_model_version_download_uri("churn", 1) == model.artifact_location


def test_register_model_of_a_run_path_with_nothing_there_is_not_found(
    client: Client, registry: Registry
) -> None:
    run = client.create_run("0")
    with pytest.raises(NotFoundError, match="nothing"):
        registry.register_model(f"runs:/{run.run_id}/nothing", "churn")
