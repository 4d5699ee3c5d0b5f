"""`mlflow.log_input` of a pandas dataset."""

from __future__ import annotations

import json

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.data.pandas_dataset import from_pandas

from runwright import Client, Experiment
from runwright.entities import CONTEXT_TAG


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"x1": [0.1, 0.4, 0.9], "x2": [1, 0, 1], "label": [0, 1, 1]})


def test_log_input_stores_name_digest_source_and_context(
    store: Client, experiment: Experiment
) -> None:
    dataset = from_pandas(_frame(), name="toy", targets="label")

    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")

    [stored] = store.get_run(run.info.run_id).inputs
    assert stored.dataset.name == "toy"
    assert stored.dataset.digest == dataset.digest
    assert stored.dataset.source_type == dataset.source._get_source_type()
    assert json.loads(stored.dataset.source) == json.loads(dataset.source.to_json())
    assert stored.dataset.schema is not None
    assert json.loads(stored.dataset.schema) == json.loads(dataset._to_mlflow_entity().schema)
    assert stored.tags[CONTEXT_TAG] == "training"
    assert stored.context == "training"


def test_the_client_reads_the_dataset_input_back(store: Client, experiment: Experiment) -> None:
    dataset = from_pandas(_frame(), name="toy-eval")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="evaluation", tags={"split": "holdout"})

    inputs = MlflowClient().get_run(run.info.run_id).inputs
    assert inputs is not None
    [seen] = inputs.dataset_inputs

    [stored] = store.get_run(run.info.run_id).inputs
    assert seen.dataset.name == stored.dataset.name == "toy-eval"
    assert seen.dataset.digest == stored.dataset.digest
    assert seen.dataset.source_type == stored.dataset.source_type
    assert seen.dataset.source == stored.dataset.source
    assert seen.dataset.profile == stored.dataset.profile
    assert {t.key: t.value for t in seen.tags} == dict(stored.tags)
    assert dict(stored.tags) == {CONTEXT_TAG: "evaluation", "split": "holdout"}


def test_search_runs_filters_on_a_dataset(store: Client, experiment: Experiment) -> None:
    dataset = from_pandas(_frame(), name="filtered-set")
    with mlflow.start_run() as used:
        mlflow.log_input(dataset, context="training")
    with mlflow.start_run():
        pass

    found = MlflowClient().search_runs(
        [experiment.experiment_id],
        "dataset.name = 'filtered-set' and dataset.context = 'training'",
    )

    assert [r.info.run_id for r in found] == [used.info.run_id]
