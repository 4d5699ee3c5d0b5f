"""A training pipeline on scikit-learn's bundled breast-cancer data, every step tracked.

load -> split -> train over a grid of C (fan-out) -> evaluate each -> pick the best
(fan-in), log it as a model package and register it as `breast-cancer@champion`.
Run it twice: the second run is served from the cache, step by step.

    runwright run examples/pipeline.py:training
    runwright run examples/pipeline.py:training -p Cs='[0.01, 0.1, 1, 10, 100]'
    python examples/pipeline.py            # the same, from Python
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import runwright as rw

MODEL_NAME = "breast-cancer"


@rw.step
def load() -> pd.DataFrame:
    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    print(f"loaded {len(frame)} rows, {frame.shape[1] - 1} features")
    return frame


@rw.step
def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = train_test_split(
        frame, test_size=test_size, random_state=seed, stratify=frame["target"]
    )
    return train, test


@rw.step(retries=1, resources=rw.Resources(cpus=1))
def train(train: pd.DataFrame, C: float) -> Pipeline:  # noqa: N803 - the name sklearn uses
    features, target = train.drop(columns="target"), train["target"]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    model.fit(features, target)
    rw.log_metric("train_accuracy", accuracy_score(target, model.predict(features)))
    return model


@rw.step
def evaluate(model: Pipeline, test: pd.DataFrame) -> dict[str, float]:
    features, target = test.drop(columns="target"), test["target"]
    scores = {
        "accuracy": float(accuracy_score(target, model.predict(features))),
        "f1": float(f1_score(target, model.predict(features))),
        "roc_auc": float(roc_auc_score(target, model.predict_proba(features)[:, 1])),
    }
    rw.log_metrics(scores)
    return scores


@rw.step
def pick_best(
    scores: list[dict[str, float]],
    models: list[Pipeline],
    Cs: list[float],  # noqa: N803
    test: pd.DataFrame,
) -> dict[str, Any]:
    """Log the best model as a Runwright model package and register it as `champion`."""
    from runwright.registry import Registry

    best = max(range(len(scores)), key=lambda i: (scores[i]["roc_auc"], scores[i]["accuracy"]))
    info = rw.models.log_model(
        models[best], name="model", input_example=test.drop(columns="target").head(3)
    )
    version = rw.register_model(info.model_uri, MODEL_NAME)
    Registry().set_registered_model_alias(MODEL_NAME, "champion", version.version)
    rw.log_params({"best_C": Cs[best]})
    rw.log_metrics({f"best_{name}": value for name, value in scores[best].items()})
    print(f"registered {MODEL_NAME} version {version.version} as champion")
    return {"C": Cs[best], "model": f"models:/{MODEL_NAME}/{version.version}", **scores[best]}


@rw.pipeline
def training(test_size: float = 0.25, Cs: list[float] = [0.01, 0.1, 1.0, 10.0], seed: int = 0):  # noqa: B006, N803
    frame = load()
    train_set, test_set = split(frame, test_size, seed)
    models = train.map(train=train_set, C=Cs)
    scores = evaluate.map(model=models, test=test_set)
    return pick_best(scores, models, Cs, test_set)


if __name__ == "__main__":
    rw.set_experiment("breast-cancer-pipeline")
    result = training.run()
    print(result)
    print("best:", result.output)
