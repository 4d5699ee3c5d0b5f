"""Signatures inferred from example data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runwright.errors import InvalidArgumentError
from runwright.models import ColSpec, TensorSpec, infer_signature


def test_a_dataframe_gives_its_columns_and_their_types_in_order() -> None:
    frame = pd.DataFrame(
        {
            "age": np.array([30, 40], dtype="int64"),
            "rooms": np.array([1, 2], dtype="int32"),
            "income": [1.5, 2.5],
            "score": np.array([0.1, 0.2], dtype="float32"),
            "city": ["Paris", "Oslo"],
            "member": [True, False],
            "joined": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "photo": [b"\x00", b"\x01"],
        }
    )
    assert infer_signature(frame).inputs.columns == [
        ColSpec("long", "age"),
        ColSpec("integer", "rooms"),
        ColSpec("double", "income"),
        ColSpec("float", "score"),
        ColSpec("string", "city"),
        ColSpec("boolean", "member"),
        ColSpec("datetime", "joined"),
        ColSpec("binary", "photo"),
    ]


def test_a_numpy_array_gives_its_dtype_and_shape_with_any_batch_size() -> None:
    inputs = np.zeros((5, 3, 2), dtype="float32")
    assert infer_signature(inputs).inputs.tensors == [TensorSpec("float32", (-1, 3, 2))]


def test_a_dict_of_columns_is_a_table() -> None:
    schema = infer_signature({"x": [1.0, 2.0], "label": ["a", "b"]}).inputs
    assert schema.columns == [ColSpec("double", "x"), ColSpec("string", "label")]


def test_a_single_record_as_a_dict_is_a_table_of_one_row() -> None:
    schema = infer_signature({"x": 1.0, "n": 3}).inputs
    assert schema.columns == [ColSpec("double", "x"), ColSpec("long", "n")]


def test_a_list_of_records_is_a_table() -> None:
    schema = infer_signature([{"x": 1.0, "n": 1}, {"x": 2.5, "n": 2}]).inputs
    assert schema.columns == [ColSpec("double", "x"), ColSpec("long", "n")]


def test_a_dict_of_multidimensional_arrays_is_a_set_of_named_tensors() -> None:
    inputs = {"image": np.zeros((2, 8, 8), dtype="uint8"), "mask": np.ones((2, 8), dtype=bool)}
    assert infer_signature(inputs).inputs.tensors == [
        TensorSpec("uint8", (-1, 8, 8), name="image"),
        TensorSpec("bool", (-1, 8), name="mask"),
    ]


def test_outputs_are_inferred_when_given() -> None:
    signature = infer_signature(pd.DataFrame({"x": [1.0]}), np.array([0, 1]))
    assert signature.outputs is not None
    assert signature.outputs.tensors == [TensorSpec("int64", (-1,))]


def test_a_column_of_mixed_python_types_is_refused_by_name() -> None:
    with pytest.raises(InvalidArgumentError, match="column 'mixed'"):
        infer_signature(pd.DataFrame({"mixed": ["a", 1.5]}))


def test_a_scalar_cannot_give_a_signature() -> None:
    with pytest.raises(InvalidArgumentError, match="cannot infer a signature from int"):
        infer_signature(3)


def test_an_empty_list_cannot_give_a_signature() -> None:
    with pytest.raises(InvalidArgumentError, match="empty list"):
        infer_signature([])
