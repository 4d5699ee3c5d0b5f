"""ONNX models, run with onnxruntime on the CPU.

The graph declares its inputs, so an ONNX model has a signature even without an input
example. Inputs are fed by name: one array for a single-input graph, a dict of arrays
(or a DataFrame whose columns are the input names) for several. One output comes back
as an array, several as a dict by output name.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.errors import SchemaError
from runwright.models.flavors.base import Flavor, Predictor, SaveOptions, loaded_class
from runwright.models.signature import ModelSignature, Schema, TensorSpec

__all__ = ["OnnxFlavor"]

MODEL_FILE = "model.onnx"


class OnnxFlavor(Flavor):
    name = "onnx"

    def detect(self, model: Any) -> bool:
        proto = loaded_class("onnx", "ModelProto")
        return proto is not None and isinstance(model, proto)

    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        import onnx

        onnx.save_model(model, str(folder / MODEL_FILE))
        return {"file": MODEL_FILE, "onnx_version": onnx.__version__}

    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        import onnxruntime

        session = onnxruntime.InferenceSession(
            str(folder / str(options.get("file", MODEL_FILE))),
            providers=["CPUExecutionProvider"],
        )
        return Predictor(model=session, predict=_session_predict(session), input_format="numpy")

    def modules(self, model: Any) -> set[str]:
        return {"onnx", "onnxruntime", "numpy"}

    def default_signature(self, model: Any) -> ModelSignature | None:
        initializers = {i.name for i in model.graph.initializer}
        inputs = [_spec(v) for v in model.graph.input if v.name not in initializers]
        outputs = [_spec(v) for v in model.graph.output]
        if not inputs or None in inputs:
            return None
        named = [s for s in inputs if s is not None]
        if len(named) == 1:
            named = [TensorSpec(dtype=named[0].dtype, shape=named[0].shape)]
        tensors = [s for s in outputs if s is not None]
        return ModelSignature(
            inputs=Schema(named),
            outputs=Schema(tensors) if tensors and len(tensors) == len(outputs) else None,
        )


def _spec(value: Any) -> TensorSpec | None:
    from onnx import helper

    kind = value.type.WhichOneof("value")
    if kind != "tensor_type":
        return None
    tensor = value.type.tensor_type
    try:
        dtype = helper.tensor_dtype_to_np_dtype(tensor.elem_type)
    except (KeyError, ValueError):
        return None
    name = {"U": "str", "S": "bytes", "O": "object"}.get(dtype.kind, dtype.name)
    shape = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim)
    try:
        return TensorSpec(dtype=name, shape=shape, name=value.name)
    except InvalidArgumentError:
        return None


_ONNX_TO_NUMPY = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int16)": "int16",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}


def _session_predict(session: Any) -> Any:
    import numpy as np

    inputs = session.get_inputs()
    names = [i.name for i in inputs]
    dtypes = {i.name: _ONNX_TO_NUMPY.get(i.type) for i in inputs}
    outputs = [o.name for o in session.get_outputs()]

    def feed_value(name: str, value: Any) -> Any:
        array = np.asarray(value)
        dtype = dtypes[name]
        return array if dtype is None or array.dtype == dtype else array.astype(dtype)

    def predict(data: Any, params: Mapping[str, Any] | None) -> Any:
        if hasattr(data, "columns"):
            data = (
                {str(c): data[c].to_numpy().reshape(-1, 1) for c in data.columns}
                if len(names) > 1
                else data.to_numpy()
            )
        if isinstance(data, Mapping):
            missing = [n for n in names if n not in data]
            if missing:
                raise SchemaError(
                    f"missing input {', '.join(map(repr, missing))} of the ONNX model"
                )
            feed = {n: feed_value(n, data[n]) for n in names}
        elif len(names) == 1:
            feed = {names[0]: feed_value(names[0], data)}
        else:
            raise SchemaError(
                f"the ONNX model takes the inputs {', '.join(map(repr, names))}: give a dict"
            )
        results = session.run(None, feed)
        return results[0] if len(results) == 1 else dict(zip(outputs, results, strict=True))

    return predict
