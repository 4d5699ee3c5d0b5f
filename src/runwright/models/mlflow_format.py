"""Models saved by MLflow (a folder with an ``MLmodel`` file), for scikit-learn models:
``mlflow.sklearn.log_model`` output loads with ``rw.models.load_model`` as is.

Only the scikit-learn flavor is read (pickle, cloudpickle or skops serialisation);
other MLflow flavors are refused with a message naming them. MLflow's signature is
kept; a column type Runwright does not know (arrays, objects) drops it with a warning.
Reading ``MLmodel`` needs PyYAML, which MLflow itself requires.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.flavors.base import Predictor
from runwright.models.flavors.sklearn import estimator_predict
from runwright.models.manifest import FORMAT_VERSION, ModelMetadata, content_hash
from runwright.models.signature import ModelSignature

__all__ = ["MLMODEL_FILE", "open_mlflow_model"]

MLMODEL_FILE = "MLmodel"
log = logging.getLogger("runwright.models")


def open_mlflow_model(folder: Path) -> tuple[ModelMetadata, Predictor]:
    spec = _read_mlmodel(folder / MLMODEL_FILE)
    flavors = spec.get("flavors") or {}
    sklearn = flavors.get("sklearn")
    if not isinstance(sklearn, Mapping):
        raise InvalidArgumentError(
            f"the MLflow model in {folder} has the flavors {', '.join(sorted(flavors)) or 'none'}; "
            "Runwright loads MLflow models of the sklearn flavor"
        )
    model = _load_estimator(folder, sklearn)
    pyfunc = flavors.get("python_function") or {}
    digest, size = content_hash(folder)
    requirements = "requirements.txt" if (folder / "requirements.txt").is_file() else None
    metadata = ModelMetadata(
        format_version=FORMAT_VERSION,
        flavor="sklearn",
        flavor_options={"file": str(sklearn.get("pickled_model")), "mlflow": True},
        batchable=True,
        runwright_version="",
        python_version=str(pyfunc.get("python_version", "")),
        created=_created(spec.get("utc_time_created")),
        run_id=spec.get("run_id"),
        artifact_path=spec.get("artifact_path"),
        signature=_signature(spec.get("signature"), folder),
        input_example=None,
        requirements=requirements,
        size=size,
        content_hash=digest,
        extra={"mlflow_version": str(spec.get("mlflow_version", ""))},
    )
    return metadata, Predictor(model=model, predict=estimator_predict(model))


def _read_mlmodel(path: Path) -> dict[str, Any]:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise InvalidArgumentError(
            f"reading the MLflow model file {path} needs PyYAML: pip install pyyaml"
        ) from None
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidArgumentError(f"cannot read {path}: {exc}") from None
    if not isinstance(spec, dict):
        raise InvalidArgumentError(f"{path} is not an MLflow model file")
    return spec


def _load_estimator(folder: Path, flavor: Mapping[str, Any]) -> Any:
    path = folder / str(flavor.get("pickled_model", "model.pkl"))
    if not path.is_file():
        raise InvalidArgumentError(f"the MLflow model in {folder} lacks its file {path.name}")
    serialization = flavor.get("serialization_format", "cloudpickle")
    if serialization == "skops":
        import skops.io

        return skops.io.load(path, trusted=flavor.get("skops_trusted_types"))
    if serialization in ("pickle", "cloudpickle"):
        import cloudpickle

        with path.open("rb") as stream:
            return cloudpickle.load(stream)
    raise InvalidArgumentError(
        f"the MLflow model in {folder} is serialised as {serialization!r}; "
        "Runwright reads pickle, cloudpickle and skops"
    )


def _signature(value: Any, folder: Path) -> ModelSignature | None:
    if not isinstance(value, Mapping) or value.get("inputs") is None:
        return None
    try:
        return ModelSignature.from_dict(value)
    except (InvalidArgumentError, ValueError) as exc:
        log.warning("the signature of the MLflow model in %s is not used: %s", folder, exc)
        return None


def _created(value: Any) -> int:
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)
            return int(moment.timestamp() * 1000)
        except ValueError:
            return 0
    return 0
