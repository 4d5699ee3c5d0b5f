"""Payloads to model inputs: every format decodes to the same rows; per-request checks
name the column; merged predictions split back into each request's rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from runwright.models import ColSpec, ModelSignature, Schema, SchemaError, TensorSpec
from runwright.serving.decoding import (
    COLUMNS,
    FRAME,
    MATRIX,
    Decoder,
    encode_predictions,
    merge,
    split,
)
from runwright.serving.errors import PayloadError, UnsupportedMediaTypeError
from runwright.serving.payloads import media_type, parse_payload

FLOATS = ModelSignature(Schema([ColSpec("double", "x"), ColSpec("float", "z")]))
MIXED = ModelSignature(Schema([ColSpec("string", "name"), ColSpec("long", "count")]))
TENSOR = ModelSignature(Schema([TensorSpec("float32", (-1, 2))]))


@pytest.mark.parametrize(
    "body",
    [
        b'{"dataframe_split": {"columns": ["x", "z"], "data": [[1, 2.5], [3, 4]]}}',
        b'{"dataframe_split": {"columns": ["z", "x"], "data": [[2.5, 1], [4, 3]]}}',
        b'{"dataframe_split": {"data": [[1, 2.5], [3, 4]]}}',
        b'{"dataframe_records": [{"x": 1, "z": 2.5}, {"z": 4, "x": 3, "w": "extra"}]}',
        b'{"instances": [{"x": 1, "z": 2.5}, {"x": 3, "z": 4}]}',
        b'{"instances": [[1, 2.5], [3, 4]]}',
        b'{"inputs": {"x": [1, 3], "z": [2.5, 4]}}',
    ],
)
def test_every_json_format_decodes_to_the_same_matrix(body: bytes) -> None:
    item = Decoder(FLOATS).decode(parse_payload(body, "application/json"))

    assert item.kind == MATRIX
    assert item.columns == ("x", "z")
    assert item.data.tolist() == [[1.0, 2.5], [3.0, 4.0]]


def test_mixed_types_decode_to_columns_and_merge_by_column() -> None:
    decoder = Decoder(MIXED)
    a = decoder.decode(
        parse_payload(b'{"dataframe_records": [{"name": "a", "count": 1}]}', "application/json")
    )
    b = decoder.decode(
        parse_payload(
            b'{"dataframe_split": {"columns": ["count", "name"], "data": [[2, "b"], [3, "c"]]}}',
            "application/json",
        )
    )

    assert a.kind == b.kind == COLUMNS
    assert a.key == b.key
    merged = merge([a, b])
    assert merged.rows == 3
    assert merged.data == {"name": ["a", "b", "c"], "count": [1, 2, 3]}


@pytest.mark.parametrize(
    ("body", "signature", "words"),
    [
        (b'{"dataframe_records": [{"x": 1}]}', FLOATS, ["missing column 'z'"]),
        (b'{"dataframe_records": [{"x": "1", "z": 2}]}', FLOATS, ["column 'x'", '"1"', "string"]),
        (b'{"dataframe_records": [{"x": [1], "z": 2}]}', FLOATS, ["column 'x'", "list"]),
        (b'{"dataframe_records": [{"name": 1, "count": 2}]}', MIXED, ["column 'name'"]),
        (b'{"dataframe_records": [{"name": "a", "count": true}]}', MIXED, ["column 'count'"]),
        (b'{"dataframe_split": {"data": [[1, 2, 3]]}}', FLOATS, ["3 values", "2 columns"]),
        (b'{"instances": [[1, 2, 3]]}', TENSOR, ["shape (1, 3)"]),
    ],
)
def test_a_row_that_cannot_fit_is_a_schema_error_naming_it(
    body: bytes, signature: ModelSignature, words: list[str]
) -> None:
    with pytest.raises(SchemaError) as raised:
        Decoder(signature).decode(parse_payload(body, "application/json"))

    for word in words:
        assert word in raised.value.message


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("application/json", True),
        ("Application/JSON; charset=UTF-8", True),
        ("text/csv;charset=utf-8", True),
        ("text/csv; charset=latin-1", False),
        ("application/json; boundary=x", False),
        ("application/x-www-form-urlencoded", False),
        (None, False),
    ],
)
def test_content_types(content_type: str | None, accepted: bool) -> None:
    if accepted:
        assert media_type(content_type) in ("application/json", "text/csv")
    else:
        with pytest.raises(UnsupportedMediaTypeError):
            media_type(content_type)


def test_csv_decodes_to_the_matrix_and_to_a_frame_without_signature() -> None:
    payload = parse_payload(b"z,x\n2.5,1\n4,3\n", "text/csv")

    assert Decoder(FLOATS).decode(payload).data.tolist() == [[1.0, 2.5], [3.0, 4.0]]
    assert Decoder(None).decode(payload).kind == FRAME


def test_an_unparsable_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="JSON"):
        parse_payload(b'{"inputs": [1,', "application/json")


def test_params_keep_a_request_from_merging() -> None:
    payload = parse_payload(
        b'{"inputs": {"x": [1], "z": [2]}, "params": {"p": 1}}', "application/json"
    )

    item = Decoder(FLOATS).decode(payload)

    assert item.params == {"p": 1}
    assert item.key is None


@pytest.mark.parametrize(
    "output",
    [
        np.arange(6),
        list(range(6)),
        pd.Series(range(6)),
        pd.DataFrame({"a": range(6)}),
        {"a": np.arange(6), "b": list(range(6))},
    ],
    ids=["array", "list", "series", "frame", "dict"],
)
def test_merged_predictions_split_back_by_rows(output: object) -> None:
    parts = split(output, [1, 3, 2])

    assert parts is not None
    decoded = [json.loads(encode_predictions(p))["predictions"] for p in parts]
    rows = [d["a"] if isinstance(d, dict) else d for d in decoded]
    flat = [r["a"] if isinstance(r, dict) else r for part in rows for r in part]
    assert [len(r) for r in rows] == [1, 3, 2]
    assert flat == list(range(6))


def test_an_output_without_one_entry_per_row_does_not_split() -> None:
    assert split(np.arange(5), [1, 3, 2]) is None
    assert split("text", [1]) is None


def test_predictions_are_encoded_as_mlflow_does() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})

    assert encode_predictions(frame) == b'{"predictions": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}'
    assert encode_predictions(np.array([[1.5], [2.0]])) == b'{"predictions": [[1.5], [2.0]]}'
    assert encode_predictions({"p": np.array([1, 2])}) == b'{"predictions": {"p": [1, 2]}}'
