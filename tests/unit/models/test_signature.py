"""Signatures: what they accept, and their JSON form (MLflow's)."""

from __future__ import annotations

import json

import pytest

from runwright.errors import InvalidArgumentError
from runwright.models import ColSpec, ModelSignature, Schema, TensorSpec


def test_a_signature_survives_its_json_form() -> None:
    signature = ModelSignature(
        inputs=Schema([ColSpec("double", "x"), ColSpec("string", "city", required=False)]),
        outputs=Schema([TensorSpec("int64", (-1,))]),
    )
    assert ModelSignature.from_dict(json.loads(json.dumps(signature.to_dict()))) == signature


def test_the_json_form_is_mlflows() -> None:
    signature = ModelSignature(inputs=Schema([TensorSpec("float32", (-1, 4))]))
    assert signature.to_dict() == {
        "inputs": [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}],
        "outputs": None,
    }


def test_mlflows_signature_with_schemas_as_json_text_is_read() -> None:
    mlmodel_signature = {
        "inputs": '[{"type": "double", "name": "a", "required": true}]',
        "outputs": '[{"type": "long", "required": true}]',
        "params": None,
    }
    signature = ModelSignature.from_dict(mlmodel_signature)
    assert signature.inputs.columns == [ColSpec("double", "a")]
    assert signature.outputs is not None and signature.outputs.columns == [ColSpec("long")]


def test_an_unknown_column_type_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="column type must be one of"):
        ColSpec("decimal", "price")


def test_a_tensor_shape_takes_sizes_and_minus_one_only() -> None:
    with pytest.raises(InvalidArgumentError, match="shape"):
        TensorSpec("float32", (-2, 4))


def test_a_schema_does_not_mix_columns_and_tensors() -> None:
    with pytest.raises(InvalidArgumentError, match="either columns or tensors"):
        Schema([ColSpec("double", "x"), TensorSpec("float32", (-1,), name="y")])


def test_column_names_in_a_schema_are_unique() -> None:
    with pytest.raises(InvalidArgumentError, match="unique"):
        Schema([ColSpec("double", "x"), ColSpec("long", "x")])


def test_several_tensors_must_be_named() -> None:
    with pytest.raises(InvalidArgumentError, match="name each one"):
        Schema([TensorSpec("float32", (-1,)), TensorSpec("float32", (-1,))])
