"""The OpenAPI description of ``POST /invocations``, derived from the model's signature:
the JSON formats with the signature's columns (or tensor shape), CSV, and the answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runwright.models import ModelSignature
    from runwright.models.signature import ColSpec, TensorSpec

__all__ = ["invocations_openapi"]

_COLUMN_TYPES: dict[str, dict[str, Any]] = {
    "double": {"type": "number", "format": "double"},
    "float": {"type": "number", "format": "float"},
    "long": {"type": "integer", "format": "int64"},
    "integer": {"type": "integer", "format": "int32"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "binary": {"type": "string", "format": "byte"},
    "datetime": {"type": "string", "format": "date-time"},
}
_ERROR = {
    "type": "object",
    "required": ["error_code", "message"],
    "properties": {
        "error_code": {"type": "string", "enum": ["BAD_REQUEST", "INVALID_PARAMETER_VALUE"]},
        "message": {"type": "string"},
    },
}


def invocations_openapi(signature: ModelSignature | None) -> dict[str, Any]:
    """``openapi_extra`` for the route: its request body and responses."""
    json_body = {
        "type": "object",
        "description": "Exactly one of the input formats, and optionally params.",
        "oneOf": _formats(signature),
    }
    error = {"application/json": {"schema": _ERROR}}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": json_body},
                "text/csv": {
                    "schema": {"type": "string", "description": _csv_description(signature)}
                },
            },
        },
        "responses": {
            "200": {
                "description": "The predictions, in request row order.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["predictions"],
                            "properties": {"predictions": _outputs(signature)},
                        }
                    }
                },
            },
            "400": {"description": "A payload that does not fit the model.", "content": error},
            "413": {"description": "A body over the size limit.", "content": error},
            "415": {"description": "Neither JSON nor CSV.", "content": error},
        },
    }


def _formats(signature: ModelSignature | None) -> list[dict[str, Any]]:
    params = {"type": "object", "additionalProperties": True}
    inputs = None if signature is None else signature.inputs
    if inputs is not None and inputs.is_tensor:
        tensors = inputs.tensors
        if len(tensors) == 1 and tensors[0].name is None:
            tensor = _tensor(tensors[0])
            instances, columnar = tensor, tensor
        else:
            named = {
                "type": "object",
                "required": [t.name for t in tensors],
                "properties": {str(t.name): _tensor(t) for t in tensors},
            }
            instances, columnar = {"type": "array", "items": named}, named
        return [
            _one("instances", instances, params),
            _one("inputs", columnar, params),
        ]
    columns = [] if inputs is None else inputs.columns
    names = [str(c.name) for c in columns if c.name is not None]
    required = [str(c.name) for c in columns if c.name is not None and c.required]
    cell = {"oneOf": [_column(c) for c in columns]} if columns else {}
    record: dict[str, Any] = {"type": "object"}
    if names:
        record["properties"] = {str(c.name): _column(c) for c in columns}
        record["required"] = required
    split: dict[str, Any] = {
        "type": "object",
        "required": ["data"],
        "properties": {
            "columns": {"type": "array", "items": {"type": "string"}}
            | ({"example": names} if names else {}),
            "data": {"type": "array", "items": {"type": "array", "items": cell}},
            "index": {"type": "array"},
        },
    }
    column_lists: dict[str, Any] = {"type": "object"}
    if names:
        column_lists["properties"] = {
            str(c.name): {"type": "array", "items": _column(c)} for c in columns
        }
        column_lists["required"] = required
    return [
        _one("dataframe_split", split, params),
        _one("dataframe_records", {"type": "array", "items": record}, params),
        _one("instances", {"type": "array", "items": record}, params),
        _one("inputs", column_lists, params),
    ]


def _one(key: str, schema: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": key,
        "required": [key],
        "properties": {key: schema, "params": params},
        "additionalProperties": False,
    }


def _column(spec: ColSpec) -> dict[str, Any]:
    schema = dict(_COLUMN_TYPES[spec.type])
    if not spec.required:
        schema["nullable"] = True
    return schema


def _tensor(spec: TensorSpec) -> dict[str, Any]:
    kind = spec.dtype
    if kind.startswith(("float",)):
        leaf: dict[str, Any] = {"type": "number"}
    elif kind.startswith(("int", "uint")):
        leaf = {"type": "integer"}
    elif kind == "bool":
        leaf = {"type": "boolean"}
    else:
        leaf = {"type": "string"}
    schema = leaf
    for size in reversed(spec.shape):
        schema = {"type": "array", "items": schema}
        if size != -1:
            schema |= {"minItems": size, "maxItems": size}
    return schema


def _outputs(signature: ModelSignature | None) -> dict[str, Any]:
    outputs = None if signature is None else signature.outputs
    if outputs is None:
        return {"description": "Whatever the model returns, as JSON."}
    if outputs.is_tensor and len(outputs.tensors) == 1:
        return _tensor(outputs.tensors[0])
    if not outputs.is_tensor and outputs.has_names:
        return {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {str(c.name): _column(c) for c in outputs.columns},
            },
        }
    return {"type": "array"}


def _csv_description(signature: ModelSignature | None) -> str:
    inputs = None if signature is None else signature.inputs
    if inputs is None or inputs.is_tensor or not inputs.has_names:
        return "A header row, then one row per input."
    return (
        "A header row naming the columns " + ", ".join(inputs.names) + ", then one row per input."
    )
