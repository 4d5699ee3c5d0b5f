"""`load_model`: a model package (or an MLflow model folder) behind one ``predict``."""

from __future__ import annotations

import shutil
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwright.errors import InvalidArgumentError
from runwright.models.enforcement import prepare_input, to_frame
from runwright.models.flavors import get_flavor
from runwright.models.manifest import MANIFEST_FILE, ModelMetadata, read_manifest

if TYPE_CHECKING:
    from runwright.models.flavors import Predictor
    from runwright.models.signature import ModelSignature, Schema
    from runwright.tracking.client import Client

__all__ = ["LoadedModel", "load_model", "predict_with"]


class LoadedModel:
    """A loaded model, whatever its flavor.

    ``predict`` takes a pandas DataFrame, a NumPy array, a list of records or a dict of
    columns, checks it against the signature (raising
    :class:`~runwright.models.SchemaError` naming the column or shape) and hands the
    model what its library wants. Calls may come from several threads at once.
    """

    def __init__(self, metadata: ModelMetadata, predictor: Predictor, path: Path, uri: str) -> None:
        self._metadata = metadata
        self._predictor = predictor
        self._path = path
        self._uri = uri

    @property
    def metadata(self) -> ModelMetadata:
        """The package's manifest."""
        return self._metadata

    @property
    def signature(self) -> ModelSignature | None:
        return self._metadata.signature

    @property
    def flavor(self) -> str:
        return self._metadata.flavor

    @property
    def batchable(self) -> bool:
        """True when predictions are row-wise, so rows of several requests may be
        concatenated into one ``predict`` call and split back afterwards."""
        return self._predictor.batchable

    @property
    def raw_model(self) -> Any:
        """The library's own object (an estimator, a Booster, an onnxruntime session...)."""
        return self._predictor.model

    @property
    def path(self) -> Path:
        """The local folder the package was loaded from (a temporary copy for remote URIs,
        removed when this object is collected)."""
        return self._path

    @property
    def uri(self) -> str:
        return self._uri

    def predict(self, data: Any, params: Mapping[str, Any] | None = None) -> Any:
        """Predictions for ``data``: an array, a DataFrame or, for generic Python models,
        whatever the model returns (PyTorch tensors come back as NumPy arrays)."""
        return predict_with(self._predictor, data, self.signature, params)

    def input_example(self) -> Any:
        """The input example saved with the model (a DataFrame, an array or a dict of
        arrays), or None."""
        from runwright.models.examples import read_example

        name = self._metadata.input_example
        return None if name is None else read_example(self._path / name)

    def __repr__(self) -> str:
        return f"<LoadedModel {self.flavor} from {self._uri!r}>"


def predict_with(
    predictor: Predictor,
    data: Any,
    signature: ModelSignature | None,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """Check ``data`` against the signature, convert it for the predictor, and predict."""
    if params and not predictor.accepts_params:
        raise InvalidArgumentError(
            f"this model takes no parameters, got {', '.join(map(repr, params))}"
        )
    inputs = signature.inputs if signature is not None else None
    prepared = _for_predictor(prepare_input(data, inputs), predictor, inputs)
    return predictor.predict(prepared, params)


def _for_predictor(data: Any, predictor: Predictor, schema: Schema | None) -> Any:
    wants = predictor.input_format
    if wants == "numpy" and hasattr(data, "columns") and hasattr(data, "to_numpy"):
        return data.to_numpy()
    if wants == "pandas" and not hasattr(data, "columns"):
        names = schema.names if schema is not None and not schema.is_tensor else None
        return to_frame(data, names=names or None)
    return data


def load_model(uri: str | Path, *, client: Client | None = None) -> LoadedModel:
    """Load the model at ``uri``: ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``,
    ``models:/<name>@<alias>``, ``models:/<name>/<stage>``, ``models:/<name>/latest``,
    a local folder, ``file://...`` or any artifact-store URI (``s3://...``).

    Local folders load in place; anything else is downloaded to a temporary folder that
    lives as long as the returned model. ``client`` picks the tracking store for
    ``runs:/`` and ``models:/`` (default: the one of ``rw.set_tracking_uri``).
    Folders saved by MLflow (an ``MLmodel`` file with a scikit-learn or python_function
    flavor) load too.
    """
    from runwright.models.uris import resolve_model_uri

    location = resolve_model_uri(uri, client=client)
    try:
        metadata, predictor = _open_package(location.path, location.uri)
    except BaseException:
        if location.temporary is not None:
            shutil.rmtree(location.temporary, ignore_errors=True)
        raise
    loaded = LoadedModel(metadata, predictor, location.path, location.uri)
    if location.temporary is not None:
        weakref.finalize(loaded, shutil.rmtree, location.temporary, True)
    return loaded


def _open_package(folder: Path, uri: str) -> tuple[ModelMetadata, Predictor]:
    if (folder / MANIFEST_FILE).is_file():
        metadata = read_manifest(folder)
        return metadata, get_flavor(metadata.flavor).load(folder, metadata.flavor_options)
    from runwright.models.mlflow_format import MLMODEL_FILE, open_mlflow_model

    if (folder / MLMODEL_FILE).is_file():
        return open_mlflow_model(folder)
    raise InvalidArgumentError(
        f"{uri!r} is not a model package: no {MANIFEST_FILE} (nor an MLflow {MLMODEL_FILE}) "
        f"in {folder}"
    )
