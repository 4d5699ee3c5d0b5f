"""Train a real classifier on a dataset bundled with scikit-learn, tracked by Runwright.

Runs on the embedded default store (./.runwright): nothing to start or configure.
A small grid over the regularisation strength C; each setting is one run, with its
params, a loss curve per epoch, test metrics, the dataset it read, a confusion-matrix
picture and a classification report as artifacts.

    python examples/train_classifier.py
    runwright runs list --experiment breast-cancer
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen needed
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    accuracy_score,
    classification_report,
    f1_score,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import runwright as rw

EXPERIMENT = "breast-cancer"
EPOCHS = 30


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, rw.Dataset]:
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    scaler = StandardScaler().fit(x_train)
    digest = hashlib.sha256(data.data.tobytes() + data.target.tobytes()).hexdigest()[:16]
    schema = {"features": [str(f) for f in data.feature_names], "target": "malignant/benign"}
    dataset = rw.Dataset(
        name="sklearn-breast-cancer",
        digest=digest,
        source_type="sklearn",
        source="sklearn.datasets.load_breast_cancer",
        schema=json.dumps(schema),
    )
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test, dataset


def train_one(alpha: float, data: tuple) -> None:  # type: ignore[type-arg]
    x_train, x_test, y_train, y_test, dataset = data
    with rw.start_run(run_name=f"sgd-alpha-{alpha:g}"):
        rw.log_params({"model": "SGDClassifier", "loss": "log_loss", "alpha": alpha})
        rw.log_input(dataset, context="training")
        model = SGDClassifier(loss="log_loss", alpha=alpha, random_state=0)
        classes = np.unique(y_train)
        for epoch in range(EPOCHS):
            model.partial_fit(x_train, y_train, classes=classes)
            rw.log_metric("train_loss", log_loss(y_train, model.predict_proba(x_train)), step=epoch)
            rw.log_metric("test_loss", log_loss(y_test, model.predict_proba(x_test)), step=epoch)
        predicted = model.predict(x_test)
        rw.log_metrics(
            {
                "accuracy": accuracy_score(y_test, predicted),
                "f1": f1_score(y_test, predicted),
                "roc_auc": roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]),
            }
        )
        figure, axes = plt.subplots(figsize=(4, 4))
        ConfusionMatrixDisplay.from_predictions(y_test, predicted, ax=axes, colorbar=False)
        axes.set_title(f"alpha={alpha:g}")
        rw.log_figure(figure, "confusion.png")
        plt.close(figure)
        rw.log_dict(classification_report(y_test, predicted, output_dict=True), "report.json")
        with tempfile.TemporaryDirectory() as folder:
            weights = Path(folder, "coefficients.npy")
            np.save(weights, model.coef_)
            rw.log_artifact(weights, "model")


def main() -> None:
    rw.set_experiment(EXPERIMENT)
    data = load_data()
    for alpha in (1e-4, 1e-3, 1e-2, 1e-1):
        train_one(alpha, data)
    best = rw.search_runs(
        experiment_names=[EXPERIMENT],
        filter_string="metrics.accuracy > 0.9 AND params.model = 'SGDClassifier'",
        order_by=["metrics.accuracy DESC", "metrics.roc_auc DESC"],
        max_results=1,
    )[0]
    print(f"Tracked runs in {rw.get_tracking_uri()}")
    print(
        f"Best run: {best.info.run_name} ({best.run_id}) "
        f"accuracy {best.data.metrics['accuracy']:.3f}, ROC AUC {best.data.metrics['roc_auc']:.3f}"
    )


if __name__ == "__main__":
    main()
