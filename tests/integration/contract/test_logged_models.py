"""Logged models through the LoggedModels service, on every store."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from runwright import InvalidArgumentError, NotFoundError
from runwright.entities import (
    LifecycleStage,
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
)
from runwright.errors import FilterSyntaxError
from runwright.tracking.client import Client
from runwright.tracking.gc import collect_garbage
from runwright.tracking.logged_models import LoggedModels


@pytest.fixture
def models(client: Client) -> LoggedModels:
    return LoggedModels(client)


def _names(found: list[LoggedModel]) -> list[str]:
    return [m.name for m in found]


# -- create and get -----------------------------------------------------------------------


def test_a_new_model_is_pending_under_the_experiment_root(
    client: Client, models: LoggedModels
) -> None:
    experiment_id = client.create_experiment("e")
    model = models.create_logged_model(experiment_id, "clf", model_type="sklearn")
    assert (model.status, model.name, model.model_type, model.experiment_id) == (
        LoggedModelStatus.PENDING,
        "clf",
        "sklearn",
        experiment_id,
    )
    experiment_root = client.get_experiment(experiment_id).artifact_location
    assert model.artifact_location == (f"{experiment_root}/models/{model.model_id}/artifacts")
    assert model.model_id.startswith("m-")


def test_get_returns_what_create_stored(client: Client, models: LoggedModels) -> None:
    run = client.create_run("0")
    created = models.create_logged_model(
        "0", "clf", source_run_id=run.run_id, params={"alpha": 0.5}, tags={"team": "ml"}
    )
    found = models.get_logged_model(created.model_id)
    assert found == created
    assert (found.source_run_id, dict(found.params), dict(found.tags)) == (
        run.run_id,
        {"alpha": "0.5"},
        {"team": "ml"},
    )


def test_a_model_without_a_name_gets_one(models: LoggedModels) -> None:
    assert models.create_logged_model("0").name


@pytest.mark.parametrize("name", ["", "a/b", "a.b", "a:b", "50%", "it's"])
def test_model_names_that_break_model_uris_are_refused(models: LoggedModels, name: str) -> None:
    with pytest.raises(InvalidArgumentError):
        models.create_logged_model("0", name)


def test_a_model_in_an_unknown_experiment_is_not_found(models: LoggedModels) -> None:
    with pytest.raises(NotFoundError):
        models.create_logged_model("999", "clf")


def test_a_model_in_a_deleted_experiment_is_refused(client: Client, models: LoggedModels) -> None:
    experiment_id = client.create_experiment("e")
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidArgumentError, match="deleted"):
        models.create_logged_model(experiment_id, "clf")


def test_a_model_from_an_unknown_run_is_not_found(models: LoggedModels) -> None:
    with pytest.raises(NotFoundError):
        models.create_logged_model("0", "clf", source_run_id="0" * 32)


def test_an_unknown_model_is_not_found(models: LoggedModels) -> None:
    with pytest.raises(NotFoundError):
        models.get_logged_model("m-" + "0" * 32)


@pytest.mark.parametrize("model_id", ["", "../x", "m x", "m-" + "0" * 40])
def test_malformed_model_ids_are_refused(models: LoggedModels, model_id: str) -> None:
    with pytest.raises(InvalidArgumentError):
        models.get_logged_model(model_id)


# -- lifecycle ----------------------------------------------------------------------------


def test_finalize_sets_the_status(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    finalized = models.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    assert finalized.status is LoggedModelStatus.READY
    assert finalized.last_updated_timestamp >= model.creation_timestamp
    assert models.get_logged_model(model.model_id).status is LoggedModelStatus.READY


def test_finalize_refuses_an_unknown_status(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    with pytest.raises(InvalidArgumentError, match="status"):
        models.finalize_logged_model(model.model_id, "DONE")


def test_a_deleted_model_is_only_found_when_asked_for(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    models.delete_logged_model(model.model_id)
    with pytest.raises(NotFoundError):
        models.get_logged_model(model.model_id)
    found = models.get_logged_model(model.model_id, allow_deleted=True)
    assert found.lifecycle_stage is LifecycleStage.DELETED


def test_a_deleted_model_refuses_changes(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    models.delete_logged_model(model.model_id)
    with pytest.raises(NotFoundError):
        models.finalize_logged_model(model.model_id, LoggedModelStatus.READY)


# -- tags, params, metrics ----------------------------------------------------------------


def test_tags_are_set_overwritten_and_deleted(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf", tags={"a": "1", "b": "2"})
    models.set_logged_model_tags(model.model_id, {"a": "one", "c": 3})
    models.delete_logged_model_tag(model.model_id, "b")
    assert dict(models.get_logged_model(model.model_id).tags) == {"a": "one", "c": "3"}


def test_deleting_a_missing_tag_is_not_found(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    with pytest.raises(NotFoundError):
        models.delete_logged_model_tag(model.model_id, "nope")


def test_params_can_be_relogged_with_the_same_value(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf", params={"a": "1"})
    models.log_logged_model_params(model.model_id, {"a": "1", "b": "2"})
    assert dict(models.get_logged_model(model.model_id).params) == {"a": "1", "b": "2"}


def test_a_changed_param_is_refused_with_nothing_stored(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf", params={"a": "1"})
    with pytest.raises(InvalidArgumentError, match="'a'"):
        models.log_logged_model_params(model.model_id, {"b": "2", "a": "other"})
    assert dict(models.get_logged_model(model.model_id).params) == {"a": "1"}


def test_metrics_keep_their_run_dataset_and_nan(client: Client, models: LoggedModels) -> None:
    run = client.create_run("0")
    model = models.create_logged_model("0", "clf")
    models.log_logged_model_metrics(
        model.model_id,
        [
            LoggedModelMetric("acc", 0.9, 1000, 1, run.run_id, "val", "d1"),
            LoggedModelMetric("loss", math.nan, 1000),
        ],
    )
    acc, loss = models.get_logged_model(model.model_id).metrics
    assert acc == LoggedModelMetric("acc", 0.9, 1000, 1, run.run_id, "val", "d1")
    assert loss.key == "loss" and math.isnan(loss.value)


# -- run outputs --------------------------------------------------------------------------


def test_run_outputs_list_each_model_and_step_once(client: Client, models: LoggedModels) -> None:
    run = client.create_run("0")
    first = models.create_logged_model("0", "a")
    second = models.create_logged_model("0", "b")
    outputs = [LoggedModelOutput(first.model_id, 0), LoggedModelOutput(second.model_id, 3)]
    models.log_outputs(run.run_id, outputs)
    models.log_outputs(run.run_id, outputs[:1])
    assert sorted(models.get_run_outputs(run.run_id), key=lambda o: o.step) == outputs


def test_outputs_of_a_deleted_run_are_refused(client: Client, models: LoggedModels) -> None:
    run = client.create_run("0")
    model = models.create_logged_model("0", "a")
    client.delete_run(run.run_id)
    with pytest.raises(InvalidArgumentError, match="active"):
        models.log_outputs(run.run_id, [LoggedModelOutput(model.model_id)])


def test_an_output_naming_an_unknown_model_is_not_found(
    client: Client, models: LoggedModels
) -> None:
    run = client.create_run("0")
    with pytest.raises(NotFoundError):
        models.log_outputs(run.run_id, [LoggedModelOutput("m-" + "0" * 32)])


def test_purging_a_run_keeps_the_models_it_produced(client: Client, models: LoggedModels) -> None:
    run = client.create_run("0")
    model = models.create_logged_model("0", "a", source_run_id=run.run_id)
    models.log_outputs(run.run_id, [LoggedModelOutput(model.model_id)])
    client.delete_run(run.run_id)
    collect_garbage(client, run_ids=[run.run_id])
    assert models.get_logged_model(model.model_id).source_run_id == run.run_id


def test_purging_an_experiment_removes_its_models(client: Client, models: LoggedModels) -> None:
    experiment_id = client.create_experiment("e")
    model = models.create_logged_model(experiment_id, "a")
    client.delete_experiment(experiment_id)
    collect_garbage(client, experiment_ids=[experiment_id])
    with pytest.raises(NotFoundError):
        models.get_logged_model(model.model_id, allow_deleted=True)


# -- search -------------------------------------------------------------------------------


def _three(client: Client, models: LoggedModels) -> tuple[str, list[LoggedModel]]:
    experiment_id = client.create_experiment("search")
    made = [
        models.create_logged_model(
            experiment_id, name, params={"depth": str(depth)}, tags={"team": team}
        )
        for name, depth, team in [("alpha", 1, "red"), ("beta", 2, "blue"), ("gamma", 3, "red")]
    ]
    return experiment_id, made


def test_search_finds_the_experiments_models_newest_first(
    client: Client, models: LoggedModels
) -> None:
    experiment_id, made = _three(client, models)
    models.create_logged_model("0", "elsewhere")
    found = models.search_logged_models(experiment_id)
    expected = sorted(made, key=lambda m: (-m.creation_timestamp, m.model_id))
    assert [m.model_id for m in found] == [m.model_id for m in expected]


def test_search_leaves_out_deleted_models(client: Client, models: LoggedModels) -> None:
    experiment_id, made = _three(client, models)
    models.delete_logged_model(made[0].model_id)
    assert "alpha" not in _names(models.search_logged_models(experiment_id))


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name = 'beta'", ["beta"]),
        ("name LIKE '%a'", ["alpha", "beta", "gamma"]),
        ("tags.team = 'red'", ["alpha", "gamma"]),
        ("params.depth != '2'", ["alpha", "gamma"]),
        ("status = 'PENDING' AND tags.team = 'blue'", ["beta"]),
        ("model_type = 'x'", []),
    ],
)
def test_search_filters(
    client: Client, models: LoggedModels, filter_string: str, expected: list[str]
) -> None:
    experiment_id, _ = _three(client, models)
    found = models.search_logged_models(experiment_id, filter_string)
    assert sorted(_names(found)) == expected


def test_search_filters_on_creation_time(client: Client, models: LoggedModels) -> None:
    experiment_id, made = _three(client, models)
    newest = max(m.creation_timestamp for m in made)
    found = models.search_logged_models(experiment_id, f"creation_timestamp > {newest - 1}")
    assert {m.model_id for m in found} == {
        m.model_id for m in made if m.creation_timestamp == newest
    }


def test_search_refuses_an_unknown_attribute(client: Client, models: LoggedModels) -> None:
    with pytest.raises(FilterSyntaxError, match="flavor"):
        models.search_logged_models("0", "flavor = 'x'")


def test_search_orders_by_attributes(client: Client, models: LoggedModels) -> None:
    experiment_id, _ = _three(client, models)
    found = models.search_logged_models(
        experiment_id, order_by=[LoggedModelOrder("name", ascending=False)]
    )
    assert _names(found) == ["gamma", "beta", "alpha"]


def test_search_pages_cover_every_model_once(client: Client, models: LoggedModels) -> None:
    experiment_id, _ = _three(client, models)
    order = [LoggedModelOrder("name")]
    seen: list[str] = []
    token = None
    while True:
        page = models.search_logged_models(
            experiment_id, max_results=2, order_by=order, page_token=token
        )
        seen.extend(_names(page))
        token = page.token
        if token is None:
            break
    assert seen == ["alpha", "beta", "gamma"]


def test_a_page_token_of_another_search_is_refused(client: Client, models: LoggedModels) -> None:
    experiment_id, _ = _three(client, models)
    page = models.search_logged_models(experiment_id, max_results=1)
    assert page.token is not None
    with pytest.raises(InvalidArgumentError, match="page token"):
        models.search_logged_models(experiment_id, "name = 'beta'", page_token=page.token)


def _scored(client: Client, models: LoggedModels) -> str:
    experiment_id, made = _three(client, models)
    scores = {"alpha": [(0.5, "val"), (0.7, "test")], "beta": [(0.9, "val")], "gamma": []}
    for model in made:
        models.log_logged_model_metrics(
            model.model_id,
            [
                LoggedModelMetric("acc", value, 1000 + i, 0, dataset_name=dataset)
                for i, (value, dataset) in enumerate(scores[model.name])
            ],
        )
    return experiment_id


def test_search_filters_on_metrics(client: Client, models: LoggedModels) -> None:
    experiment_id = _scored(client, models)
    found = models.search_logged_models(experiment_id, "metrics.acc >= 0.6")
    assert sorted(_names(found)) == ["alpha", "beta"]


def test_search_metric_filters_count_only_the_named_datasets(
    client: Client, models: LoggedModels
) -> None:
    experiment_id = _scored(client, models)
    found = models.search_logged_models(
        experiment_id, "metrics.acc >= 0.6", datasets=[LoggedModelDataset("val")]
    )
    assert _names(found) == ["beta"]


def test_search_with_datasets_alone_needs_a_metric_on_them(
    client: Client, models: LoggedModels
) -> None:
    experiment_id = _scored(client, models)
    found = models.search_logged_models(experiment_id, datasets=[LoggedModelDataset("test")])
    assert _names(found) == ["alpha"]


def test_search_orders_by_the_latest_metric_value_missing_last(
    client: Client, models: LoggedModels
) -> None:
    experiment_id = _scored(client, models)
    descending = models.search_logged_models(
        experiment_id, order_by=[LoggedModelOrder("metrics.acc", ascending=False)]
    )
    on_val = models.search_logged_models(
        experiment_id, order_by=[LoggedModelOrder("metrics.acc", dataset_name="val")]
    )
    assert _names(descending) == ["beta", "alpha", "gamma"]
    assert _names(on_val) == ["alpha", "beta", "gamma"]


# -- files --------------------------------------------------------------------------------


def test_model_files_are_kept_under_the_models_artifact_location(
    models: LoggedModels, tmp_path: Path
) -> None:
    model = models.create_logged_model("0", "clf")
    local = tmp_path / "model"
    (local / "data").mkdir(parents=True)
    (local / "MLmodel").write_text("flavors: {}\n")
    (local / "data" / "model.pkl").write_bytes(b"x" * 10)
    models.log_artifacts(model.model_id, local)
    listed = models.list_artifacts(model.model_id)
    assert [(f.path, f.is_dir) for f in listed] == [("MLmodel", False), ("data", True)]
    assert [f.path for f in models.list_artifacts(model.model_id, "data")] == ["data/model.pkl"]
