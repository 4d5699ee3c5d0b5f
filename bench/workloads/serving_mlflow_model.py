"""Saves the benchmark's model as an MLflow model folder; run in MLflow's environment.

    python serving_mlflow_model.py MODEL.joblib SAMPLE.json DESTINATION

The model is the one the benchmark trained (a joblib file), so both servers score the
very same estimator; the signature comes from the sample rows, as MLflow infers it.
"""

from __future__ import annotations

import json
import sys

import joblib
import mlflow.sklearn
import pandas as pd
from mlflow.models import infer_signature


def main(model_file: str, sample_file: str, destination: str) -> None:
    model = joblib.load(model_file)
    with open(sample_file, encoding="utf-8") as stream:
        sample = pd.DataFrame(**json.load(stream))
    signature = infer_signature(sample, model.predict(sample))
    mlflow.sklearn.save_model(model, destination, signature=signature, input_example=sample[:5])
    print("RESULT " + json.dumps({"saved": destination, "mlflow": mlflow.__version__}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
