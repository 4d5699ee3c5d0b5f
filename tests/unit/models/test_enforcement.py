"""Input checked against a signature: every accepted form, safe casts, clear refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runwright.errors import InvalidArgumentError
from runwright.models import ColSpec, Schema, SchemaError, TensorSpec
from runwright.models.enforcement import prepare_input

COLUMNS = Schema([ColSpec("double", "x"), ColSpec("long", "n"), ColSpec("string", "city")])
EXPECTED = pd.DataFrame({"x": [1.5, 2.0], "n": [1, 2], "city": ["Paris", "Oslo"]})


def _same(frame: pd.DataFrame, expected: pd.DataFrame = EXPECTED) -> None:
    pd.testing.assert_frame_equal(
        frame.reset_index(drop=True).astype({"city": object}), expected.astype({"city": object})
    )


@pytest.mark.parametrize(
    "data",
    [
        EXPECTED,
        EXPECTED.to_dict(orient="records"),
        EXPECTED.to_dict(orient="list"),
        {"x": np.array([1.5, 2.0]), "n": np.array([1, 2]), "city": np.array(["Paris", "Oslo"])},
    ],
    ids=["dataframe", "records", "dict-of-columns", "dict-of-arrays"],
)
def test_every_input_form_becomes_the_signatures_table(data: object) -> None:
    _same(prepare_input(data, COLUMNS))


def test_a_2d_array_takes_the_signatures_column_names_in_order() -> None:
    schema = Schema([ColSpec("double", "a"), ColSpec("double", "b")])
    frame = prepare_input(np.array([[1.0, 2.0], [3.0, 4.0]]), schema)
    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].tolist() == [2.0, 4.0]


def test_a_2d_array_with_the_wrong_number_of_columns_is_refused() -> None:
    schema = Schema([ColSpec("double", "a"), ColSpec("double", "b")])
    with pytest.raises(SchemaError, match=r"3 columns .* expects 2: a, b"):
        prepare_input(np.zeros((2, 3)), schema)


def test_columns_come_back_in_the_signatures_order_and_extra_ones_are_dropped() -> None:
    data = EXPECTED[["city", "n", "x"]].assign(unused=[0, 0])
    frame = prepare_input(data, COLUMNS)
    assert list(frame.columns) == ["x", "n", "city"]


def test_a_missing_column_is_named() -> None:
    with pytest.raises(SchemaError, match=r"missing column 'n'") as caught:
        prepare_input(EXPECTED.drop(columns=["n"]), COLUMNS)
    assert isinstance(caught.value, InvalidArgumentError)


def test_every_missing_column_is_named() -> None:
    with pytest.raises(SchemaError, match=r"missing columns 'n', 'city'"):
        prepare_input({"x": [1.0]}, COLUMNS)


def test_a_missing_optional_column_is_fine() -> None:
    schema = Schema([ColSpec("double", "x"), ColSpec("string", "note", required=False)])
    assert list(prepare_input({"x": [1.0]}, schema).columns) == ["x"]


def test_text_in_a_float_column_is_refused_naming_the_column_and_value() -> None:
    with pytest.raises(SchemaError, match=r"column 'x': value 'abc' cannot be read as double"):
        prepare_input(EXPECTED.assign(x=["abc", 1.0]), COLUMNS)


def test_integers_are_read_as_doubles() -> None:
    frame = prepare_input(EXPECTED.assign(x=[1, 2]), COLUMNS)
    assert frame["x"].dtype == np.float64
    assert frame["x"].tolist() == [1.0, 2.0]


def test_whole_floats_are_read_as_integers() -> None:
    frame = prepare_input(EXPECTED.assign(n=[1.0, 2.0]), COLUMNS)
    assert frame["n"].dtype == np.int64
    assert frame["n"].tolist() == [1, 2]


def test_a_float_with_a_fraction_is_not_an_integer() -> None:
    with pytest.raises(SchemaError, match=r"column 'n': value 2.5 .*long \(it has a fraction\)"):
        prepare_input(EXPECTED.assign(n=[1.0, 2.5]), COLUMNS)


def test_a_missing_value_in_an_integer_column_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"column 'n': missing value"):
        prepare_input(EXPECTED.assign(n=[1.0, np.nan]), COLUMNS)


def test_a_missing_value_in_a_double_column_stays_nan() -> None:
    frame = prepare_input([{"x": None, "n": 1, "city": "Oslo"}], COLUMNS)
    assert np.isnan(frame["x"].iloc[0])


def test_an_integer_out_of_range_is_refused() -> None:
    schema = Schema([ColSpec("integer", "count")])
    with pytest.raises(SchemaError, match=r"column 'count': value 4294967296 .*out of range"):
        prepare_input({"count": [4_294_967_296]}, schema)


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(SchemaError, match=r"column 'x'"):
        prepare_input(EXPECTED.assign(x=[True, False]), COLUMNS)


def test_a_number_in_a_string_column_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"column 'city': value 7 cannot be read as string"):
        prepare_input(EXPECTED.assign(city=["Paris", 7]), COLUMNS)


def test_datetime_text_is_read_as_datetime() -> None:
    schema = Schema([ColSpec("datetime", "at")])
    frame = prepare_input({"at": ["2024-03-03T10:00:00"]}, schema)
    assert frame["at"].iloc[0] == pd.Timestamp("2024-03-03T10:00:00")


def test_text_that_is_no_datetime_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"column 'at': value 'soon'"):
        prepare_input({"at": ["soon"]}, Schema([ColSpec("datetime", "at")]))


def test_unnamed_columns_are_taken_by_position() -> None:
    schema = Schema([ColSpec("double"), ColSpec("long")])
    frame = prepare_input(np.array([[1.5, 2.0]]), schema)
    assert frame.iloc[0].tolist() == [1.5, 2]


def test_an_unsupported_input_is_refused_naming_the_accepted_forms() -> None:
    with pytest.raises(SchemaError, match="a pandas DataFrame, a NumPy array"):
        prepare_input(42, COLUMNS)


# -- tensors --------------------------------------------------------------------------

TENSOR = Schema([TensorSpec("float32", (-1, 4))])


def test_a_tensor_of_the_right_shape_is_cast_to_the_declared_dtype() -> None:
    array = prepare_input(np.ones((3, 4), dtype="float64"), TENSOR)
    assert array.dtype == np.float32
    assert array.shape == (3, 4)


@pytest.mark.parametrize(
    "data",
    [np.ones((2, 4)), [[1, 2, 3, 4], [5, 6, 7, 8]], pd.DataFrame(np.ones((2, 4)))],
    ids=["array", "list-of-lists", "dataframe"],
)
def test_every_array_form_becomes_the_tensor(data: object) -> None:
    assert prepare_input(data, TENSOR).shape == (2, 4)


def test_a_tensor_of_the_wrong_shape_is_refused_naming_both_shapes() -> None:
    with pytest.raises(SchemaError, match=r"shape \(2, 5\) but the model expects \(any, 4\)"):
        prepare_input(np.ones((2, 5)), TENSOR)


def test_a_tensor_with_too_few_dimensions_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"shape \(4,\)"):
        prepare_input(np.ones(4), TENSOR)


def test_a_float_tensor_is_not_cast_to_integers_when_it_has_fractions() -> None:
    schema = Schema([TensorSpec("int64", (-1,))])
    with pytest.raises(SchemaError, match=r"value 0.5 cannot be read as int64"):
        prepare_input(np.array([1.0, 0.5]), schema)


def test_a_float_too_large_for_float32_is_refused() -> None:
    with pytest.raises(SchemaError, match="out of range"):
        prepare_input(np.full((1, 4), 1e300), TENSOR)


def test_named_tensors_are_taken_from_a_dict_and_a_missing_one_is_named() -> None:
    schema = Schema([TensorSpec("float32", (-1, 2), "a"), TensorSpec("int64", (-1,), "b")])
    ready = prepare_input({"a": np.ones((3, 2)), "b": [1, 2, 3]}, schema)
    assert ready["a"].dtype == np.float32 and ready["b"].tolist() == [1, 2, 3]
    with pytest.raises(SchemaError, match=r"missing input 'b'"):
        prepare_input({"a": np.ones((3, 2))}, schema)


def test_without_a_signature_records_become_a_table_and_arrays_pass() -> None:
    assert list(prepare_input([{"a": 1}], None).columns) == ["a"]
    array = np.ones((2, 2))
    assert prepare_input(array, None) is array
