"""Model packages: save a model with its signature and requirements, load it back behind
one ``predict``, whatever library made it.

    info = rw.models.log_model(model, input_example=X[:5])   # an artifact of the run
    model = rw.models.load_model(info.model_uri)             # or models:/churn@champion
    model.predict(rows)                                      # checked against the signature

Layout: signature/inference (what a model takes), casting/enforcement (checking
input against it), flavors/ (one module per library), manifest/requirements/examples
(the files of a package), package (save_model), runs (log_model), uris (where a URI
points), loading (load_model). NumPy, pandas and the model libraries load on first use.
"""

from __future__ import annotations

from runwright.models.errors import SchemaError
from runwright.models.flavors import Flavor, Predictor, register_flavor
from runwright.models.inference import infer_signature
from runwright.models.loading import LoadedModel, load_model
from runwright.models.manifest import MANIFEST_FILE, ModelMetadata
from runwright.models.package import save_model
from runwright.models.python_model import PythonModel, PythonModelContext
from runwright.models.runs import ModelInfo, log_model
from runwright.models.signature import ColSpec, ModelSignature, Schema, TensorSpec

__all__ = [
    "MANIFEST_FILE",
    "ColSpec",
    "Flavor",
    "LoadedModel",
    "ModelInfo",
    "ModelMetadata",
    "ModelSignature",
    "Predictor",
    "PythonModel",
    "PythonModelContext",
    "Schema",
    "SchemaError",
    "TensorSpec",
    "infer_signature",
    "load_model",
    "log_model",
    "register_flavor",
    "save_model",
]
