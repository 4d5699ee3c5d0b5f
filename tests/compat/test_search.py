"""Searching runs and experiments, and reading metric histories, through the mlflow client."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, ViewType

from runwright import Client, Experiment
from tests.compat.helpers import assert_same_run, unique_name


@pytest.fixture
def scored_runs(experiment: Experiment) -> list[str]:
    """Four finished runs with a param, a tag and a metric each, oldest first."""
    client = MlflowClient()
    run_ids = []
    for index, (model, accuracy) in enumerate(
        [("tree", 0.61), ("forest", 0.83), ("tree", 0.72), ("linear", 0.55)]
    ):
        run = client.create_run(
            experiment.experiment_id,
            start_time=1_700_000_000_000 + index * 1000,
            run_name=f"run-{index}",
        )
        client.log_param(run.info.run_id, "model", model)
        client.set_tag(run.info.run_id, "round", str(index))
        client.log_metric(run.info.run_id, "accuracy", accuracy)
        client.set_terminated(run.info.run_id)
        run_ids.append(run.info.run_id)
    return run_ids


def test_search_runs_as_a_dataframe_matches_the_store(
    store: Client, experiment: Experiment, scored_runs: list[str]
) -> None:
    frame = mlflow.search_runs(experiment_ids=[experiment.experiment_id])

    assert isinstance(frame, pd.DataFrame)
    stored = store.search_runs(experiment.experiment_id)
    assert list(frame["run_id"]) == [r.info.run_id for r in stored]
    assert list(frame["run_id"]) == list(reversed(scored_runs))
    by_id = frame.set_index("run_id")
    for run in stored:
        row = by_id.loc[run.info.run_id]
        assert row["params.model"] == run.data.params["model"]
        assert row["tags.round"] == run.data.tags["round"]
        assert row["metrics.accuracy"] == run.data.metrics["accuracy"]
        assert row["status"] == run.info.status.value
        assert row["artifact_uri"] == run.info.artifact_uri


def test_search_runs_filters_on_params_and_metrics(
    store: Client, experiment: Experiment, scored_runs: list[str]
) -> None:
    wanted = "params.model = 'tree' and metrics.accuracy > 0.65"

    frame = mlflow.search_runs([experiment.experiment_id], filter_string=wanted)

    stored = store.search_runs(experiment.experiment_id, wanted)
    assert list(frame["run_id"]) == [r.info.run_id for r in stored] == [scored_runs[2]]


def test_search_runs_orders_by_a_metric(
    store: Client, experiment: Experiment, scored_runs: list[str]
) -> None:
    seen = MlflowClient().search_runs(
        [experiment.experiment_id], order_by=["metrics.accuracy DESC"]
    )

    stored = store.search_runs(experiment.experiment_id, order_by=["metrics.accuracy DESC"])
    assert [r.info.run_id for r in seen] == [r.info.run_id for r in stored]
    assert [r.data.metrics["accuracy"] for r in seen] == [0.83, 0.72, 0.61, 0.55]
    for run, stored_run in zip(seen, stored, strict=True):
        assert_same_run(run, stored_run)


def test_search_runs_filters_on_tags_and_attributes(
    experiment: Experiment, scored_runs: list[str]
) -> None:
    client = MlflowClient()
    ids = [experiment.experiment_id]

    by_tag = client.search_runs(ids, "tags.round = '1'")
    by_name = client.search_runs(ids, "attributes.run_name LIKE 'run-%' and status = 'FINISHED'")
    by_id = client.search_runs(
        ids, f"attributes.run_id IN ('{scored_runs[0]}', '{scored_runs[3]}')"
    )

    assert [r.info.run_id for r in by_tag] == [scored_runs[1]]
    assert len(by_name) == 4
    assert {r.info.run_id for r in by_id} == {scored_runs[0], scored_runs[3]}


def test_search_runs_pages_with_max_results_and_page_token(
    store: Client, experiment: Experiment, scored_runs: list[str]
) -> None:
    client = MlflowClient()
    order = ["attributes.start_time ASC"]

    first = client.search_runs([experiment.experiment_id], max_results=3, order_by=order)
    second = client.search_runs(
        [experiment.experiment_id], max_results=3, order_by=order, page_token=first.token
    )

    assert [r.info.run_id for r in first] == scored_runs[:3]
    assert first.token
    assert [r.info.run_id for r in second] == scored_runs[3:]
    assert not second.token
    stored = store.search_runs(experiment.experiment_id, max_results=3, order_by=order)
    assert [r.info.run_id for r in stored] == [r.info.run_id for r in first]


def test_search_runs_skips_deleted_runs_unless_asked(
    experiment: Experiment, scored_runs: list[str]
) -> None:
    client = MlflowClient()
    client.delete_run(scored_runs[0])
    ids = [experiment.experiment_id]

    active = client.search_runs(ids)
    deleted = client.search_runs(ids, run_view_type=ViewType.DELETED_ONLY)
    every = client.search_runs(ids, run_view_type=ViewType.ALL)

    assert scored_runs[0] not in {r.info.run_id for r in active}
    assert [r.info.run_id for r in deleted] == [scored_runs[0]]
    assert len(every) == 4


def test_search_runs_as_a_list_by_experiment_name(
    experiment: Experiment, scored_runs: list[str]
) -> None:
    runs = mlflow.search_runs(experiment_names=[experiment.name], output_format="list")

    assert {r.info.run_id for r in runs} == set(scored_runs)


def test_get_metric_history_of_a_long_series_is_complete(
    store: Client, experiment: Experiment
) -> None:
    points = [Metric("curve", step / 7, 1_700_000_000_000 + step, step) for step in range(1200)]
    with mlflow.start_run() as run:
        # More than one log-batch request's worth: the client splits it.
        MlflowClient().log_batch(run.info.run_id, metrics=points)

    seen = MlflowClient().get_metric_history(run.info.run_id, "curve")
    stored = store.get_metric_history(run.info.run_id, "curve")
    assert len(seen) == len(stored) == 1200
    expected = [(m.step, m.value, m.timestamp) for m in points]
    assert [(m.step, m.value, m.timestamp) for m in seen] == expected
    assert [(m.step, m.value, m.timestamp) for m in stored] == expected


def test_search_experiments_filters_and_orders_by_name(store: Client) -> None:
    prefix = unique_name("search")
    for suffix in ("b", "a", "c"):
        mlflow.create_experiment(f"{prefix}-{suffix}", tags={"suffix": suffix})

    found = mlflow.search_experiments(
        filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"]
    )

    assert [e.name for e in found] == [f"{prefix}-c", f"{prefix}-b", f"{prefix}-a"]
    for seen in found:
        stored = store.get_experiment(seen.experiment_id)
        assert seen.name == stored.name
        assert seen.tags == dict(stored.tags)
        assert seen.artifact_location == stored.artifact_location
        assert seen.creation_time == stored.creation_time
        assert seen.last_update_time == stored.last_update_time


def test_search_experiments_filters_on_tags_and_pages(store: Client) -> None:
    prefix = unique_name("paged")
    ids = [mlflow.create_experiment(f"{prefix}-{i}", tags={"batch": prefix}) for i in range(3)]
    client = MlflowClient()
    wanted = f"tags.batch = '{prefix}'"

    first = client.search_experiments(filter_string=wanted, max_results=2, order_by=["name"])
    second = client.search_experiments(
        filter_string=wanted, max_results=2, order_by=["name"], page_token=first.token
    )

    assert [e.experiment_id for e in first] == ids[:2]
    assert [e.experiment_id for e in second] == ids[2:]
    assert not second.token
