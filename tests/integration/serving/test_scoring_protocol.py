"""`runwright serve` over real HTTP: MLflow's scoring protocol, every payload format,
and bad payloads answered with MLflow's error body, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests.integration.serving.conftest import ScoringServer
from tests.integration.serving.defs import expected, linear_rows

ROWS = linear_rows(3, seed=11)
WANT = expected(ROWS, 5.0).tolist()
SPLIT = {"columns": ["x", "z"], "data": ROWS.to_numpy().tolist()}
RECORDS = ROWS.to_dict(orient="records")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"dataframe_split": SPLIT}), "application/json"),
        (json.dumps({"dataframe_split": SPLIT}), "application/json; charset=utf-8"),
        (
            json.dumps({"dataframe_split": {**SPLIT, "index": [7, 8, 9]}}),
            "application/json",
        ),
        (
            json.dumps(
                {
                    "dataframe_split": {
                        "columns": ["z", "x"],
                        "data": ROWS[["z", "x"]].to_numpy().tolist(),
                    }
                }
            ),
            "application/json",
        ),
        (json.dumps({"dataframe_records": RECORDS}), "application/json"),
        (
            json.dumps({"dataframe_records": [{**r, "extra": "ignored"} for r in RECORDS]}),
            "application/json",
        ),
        (json.dumps({"instances": RECORDS}), "application/json"),
        (json.dumps({"instances": ROWS.to_numpy().tolist()}), "application/json"),
        (json.dumps({"inputs": {"x": ROWS.x.tolist(), "z": ROWS.z.tolist()}}), "application/json"),
        (json.dumps({"inputs": ROWS.to_numpy().tolist()}), "application/json"),
        (ROWS.to_csv(index=False), "text/csv"),
        (ROWS[["z", "x"]].to_csv(index=False), "text/csv; charset=UTF-8"),
    ],
    ids=[
        "split",
        "split-charset",
        "split-index",
        "split-reordered",
        "records",
        "records-extra-column",
        "instances-records",
        "instances-rows",
        "inputs-columns",
        "inputs-rows",
        "csv",
        "csv-reordered",
    ],
)
def test_every_payload_format_gets_the_same_predictions(
    champion: ScoringServer, body: str, content_type: str
) -> None:
    answer = champion.post(body, content_type)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["predictions"] == pytest.approx(WANT)
    assert answer.headers["X-Runwright-Model-Version"] == "lin/1"


def test_integer_values_in_float_columns_are_read_as_numbers(champion: ScoringServer) -> None:
    answer = champion.post(json.dumps({"dataframe_records": [{"x": 1, "z": 2}]}))

    assert answer.json() == {"predictions": pytest.approx([3 * 1 - 2 * 2 + 5])}


BAD = [
    # (name, body, content type, status, error code, words the message must hold)
    ("malformed-json", "{not json", "application/json", 400, "BAD_REQUEST", ["JSON"]),
    ("empty-body", "", "application/json", 400, "BAD_REQUEST", ["empty"]),
    ("blank-body", "  \n", "application/json", 400, "BAD_REQUEST", ["empty"]),
    ("a-list", json.dumps(RECORDS), "application/json", 400, "BAD_REQUEST", ["a list"]),
    ("no-format-key", json.dumps({"rows": RECORDS}), "application/json", 400, "BAD_REQUEST",
     ["dataframe_split", "'rows'"]),
    ("two-format-keys", json.dumps({"instances": RECORDS, "inputs": RECORDS}),
     "application/json", 400, "BAD_REQUEST", ["exactly one", "'instances'", "'inputs'"]),
    ("missing-column", json.dumps({"dataframe_records": [{"x": 1.0}]}), "application/json",
     400, "INVALID_PARAMETER_VALUE", ["'z'"]),
    ("missing-column-split", json.dumps({"dataframe_split": {"columns": ["x"], "data": [[1.0]]}}),
     "application/json", 400, "INVALID_PARAMETER_VALUE", ["'z'"]),
    ("wrong-type", json.dumps({"dataframe_records": [{"x": 1.0, "z": "two"}]}),
     "application/json", 400, "INVALID_PARAMETER_VALUE", ["'z'", "two"]),
    ("boolean-for-double", json.dumps({"dataframe_records": [{"x": True, "z": 1.0}]}),
     "application/json", 400, "INVALID_PARAMETER_VALUE", ["'x'", "boolean"]),
    ("ragged-split", json.dumps({"dataframe_split": {"columns": ["x", "z"], "data": [[1.0]]}}),
     "application/json", 400, "BAD_REQUEST", ["row 0", "2 columns"]),
    ("split-not-object", json.dumps({"dataframe_split": [[1.0, 2.0]]}), "application/json",
     400, "BAD_REQUEST", ["dataframe_split"]),
    ("records-not-objects", json.dumps({"dataframe_records": [[1.0, 2.0]]}),
     "application/json", 400, "BAD_REQUEST", ["dataframe_records"]),
    ("params-not-object", json.dumps({"dataframe_records": RECORDS, "params": [1]}),
     "application/json", 400, "BAD_REQUEST", ["params"]),
    ("params-refused", json.dumps({"dataframe_records": RECORDS, "params": {"a": 1}}),
     "application/json", 400, "INVALID_PARAMETER_VALUE", ["'a'"]),
    ("ragged-inputs", json.dumps({"inputs": [[1.0, 2.0], [1.0]]}), "application/json",
     400, "BAD_REQUEST", ["inputs"]),
    ("not-utf8", b"\xff\xfe{}", "application/json", 400, "BAD_REQUEST", ["UTF-8"]),
    ("csv-missing-column", "x\n1.0\n", "text/csv", 400, "INVALID_PARAMETER_VALUE", ["'z'"]),
    ("csv-wrong-type", "x,z\n1.0,abc\n", "text/csv", 400, "INVALID_PARAMETER_VALUE", ["'z'"]),
    ("unsupported-type", "x", "text/plain", 415, "BAD_REQUEST", ["text/plain"]),
    ("other-charset", json.dumps({"dataframe_records": RECORDS}),
     "application/json; charset=latin-1", 415, "BAD_REQUEST", ["charset"]),
    ("other-parameter", json.dumps({"dataframe_records": RECORDS}),
     "application/json; format=pandas", 415, "BAD_REQUEST", ["charset"]),
    ("no-content-type", json.dumps({"dataframe_records": RECORDS}), "", 415, "BAD_REQUEST",
     ["Content-Type"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "words"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_a_bad_payload_is_a_4xx_naming_the_problem(
    champion: ScoringServer,
    body: str | bytes,
    content_type: str,
    status: int,
    code: str,
    words: list[str],
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = httpx.post(champion.url + "/invocations", content=body, headers=headers, timeout=60)

    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["error_code"] == code
    for word in words:
        assert word in error["message"]


def test_a_body_over_the_limit_is_a_413(serve: Callable[..., ScoringServer]) -> None:
    small = serve("models:/lin@champion", "--max-body-size", "200")
    body = json.dumps({"dataframe_records": linear_rows(20).to_dict(orient="records")})

    answer = small.post(body)

    assert answer.status_code == 413
    assert answer.json()["error_code"] == "BAD_REQUEST"
    assert "200 bytes" in answer.json()["message"]
    assert small.post(json.dumps({"dataframe_records": RECORDS[:1]})).status_code == 200


def test_a_body_sent_in_chunks_over_the_limit_is_a_413(
    serve: Callable[..., ScoringServer],
) -> None:
    small = serve("models:/lin@champion", "--max-body-size", "200")

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b" " * 50

    answer = httpx.post(
        small.url + "/invocations",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )

    assert answer.status_code == 413


def test_mixed_column_types_and_dataframe_predictions(
    serve: Callable[..., ScoringServer],
) -> None:
    labels = serve("models:/labels@champion")
    body = {"dataframe_records": [{"name": "a", "count": 1}, {"name": "b", "count": 22}]}

    answer = labels.post(json.dumps(body))

    assert answer.json() == {"predictions": [{"label": "a:1"}, {"label": "b:22"}]}
    wrong = labels.post(json.dumps({"dataframe_records": [{"name": 3, "count": 1}]}))
    assert wrong.status_code == 400
    assert "'name'" in wrong.json()["message"]


def test_params_are_passed_to_a_model_that_takes_them(
    serve: Callable[..., ScoringServer],
) -> None:
    powered = serve("models:/powered@champion")
    body = {"dataframe_split": {"columns": ["x"], "data": [[2.0], [3.0]]}, "params": {"power": 2}}

    answer = powered.post(json.dumps(body))

    assert answer.json() == {"predictions": [4.0, 9.0]}


def test_ping_health_and_version(champion: ScoringServer) -> None:
    from runwright import __version__

    assert httpx.get(champion.url + "/ping").text == "\n"
    assert httpx.get(champion.url + "/health").status_code == 200
    assert httpx.get(champion.url + "/version").text == __version__


def test_an_unknown_path_is_mlflows_error_body(champion: ScoringServer) -> None:
    answer = httpx.get(champion.url + "/nothing-here")

    assert answer.status_code == 404
    assert answer.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_the_openapi_request_schema_comes_from_the_signature(champion: ScoringServer) -> None:
    document = httpx.get(champion.url + "/openapi.json").json()

    body = document["paths"]["/invocations"]["post"]["requestBody"]["content"]
    formats = {f["title"]: f for f in body["application/json"]["schema"]["oneOf"]}
    assert set(formats) == {"dataframe_split", "dataframe_records", "instances", "inputs"}
    record = formats["dataframe_records"]["properties"]["dataframe_records"]["items"]
    assert record["properties"] == {
        "x": {"type": "number", "format": "double"},
        "z": {"type": "number", "format": "double"},
    }
    assert record["required"] == ["x", "z"]
    assert "text/csv" in body
