"""Bad requests to the tracking server: each answers a 4xx with MLflow's error body
(`error_code` and `message`, the code MLflow uses) and leaves the store as it was.
Never a 500.

In process, over one app on a SQLite store seeded with an experiment, a run (a param,
a metric, a tag) and a deleted run; "unchanged" is a dump of every row of the database,
taken before and after each request. One test sends a huge chunked body to a real
uvicorn server, where chunking is not simulated.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from runwright.server.app import MAX_JSON_BODY, ServerConfig, create_app
from tests.fixtures.live_server import LiveServer

API = "/api/2.0/mlflow"
JSON = {"content-type": "application/json"}
INVALID = "INVALID_PARAMETER_VALUE"
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
KNOWN_RUN = "{run}"
DELETED_RUN = "{deleted_run}"
EXPERIMENT = "{experiment}"
ABSENT_RUN = "0123456789abcdef0123456789abcdef"


@dataclass
class Server:
    http: TestClient
    database: Path
    ids: dict[str, str] = field(default_factory=dict)

    def fill(self, value: Any) -> Any:
        """The request with the seeded ids in place of their placeholders."""
        if isinstance(value, str):
            for placeholder, real in self.ids.items():
                value = value.replace(placeholder, real)
            return value
        if isinstance(value, bytes):
            return self.fill(value.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        return value

    def dump(self) -> list[str]:
        with contextlib.closing(sqlite3.connect(self.database)) as connection:
            return list(connection.iterdump())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("bad-input")
    app = create_app(
        ServerConfig(backend_store_uri=str(root / "store"), artifacts_destination=str(root / "a"))
    )
    with TestClient(app, raise_server_exceptions=False) as http:
        seeded = Server(http, root / "store" / "runwright.db")
        experiment = _ok(http.post(f"{API}/experiments/create", json={"name": "seeded"}))
        seeded.ids[EXPERIMENT] = experiment["experiment_id"]
        for placeholder in (KNOWN_RUN, DELETED_RUN):
            run = _ok(
                http.post(f"{API}/runs/create", json={"experiment_id": seeded.ids[EXPERIMENT]})
            )
            seeded.ids[placeholder] = run["run"]["info"]["run_id"]
        _ok(
            http.post(
                f"{API}/runs/log-batch",
                json={
                    "run_id": seeded.ids[KNOWN_RUN],
                    "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}],
                    "params": [{"key": "lr", "value": "0.1"}],
                    "tags": [{"key": "team", "value": "a"}],
                },
            )
        )
        _ok(http.post(f"{API}/runs/delete", json={"run_id": seeded.ids[DELETED_RUN]}))
        yield seeded


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass(frozen=True)
class Bad:
    """One bad request and the error MLflow answers it with."""

    method: str
    path: str
    status: int
    code: str
    says: str  # part of the message
    json: Any = None
    content: bytes | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    prefix: str = API


def _metric(**changes: Any) -> dict[str, Any]:
    return {"run_id": KNOWN_RUN, "key": "m", "value": 1.0, "timestamp": 1, **changes}


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def _entries(kind: str, count: int) -> list[dict[str, Any]]:
    if kind == "metrics":
        return [{"key": "m", "value": float(i), "timestamp": 1, "step": i} for i in range(count)]
    return [{"key": f"{kind}-{i}", "value": "v"} for i in range(count)]


CASES: dict[str, Bad] = {
    # -- bodies that are not a JSON object ----------------------------------------------
    "malformed json": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "Malformed JSON", content=b'{"run_id": '
    ),
    "json array": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "must be a JSON object", json=[_metric()]
    ),
    "json string": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "must be a JSON object", json="log m=1"
    ),
    "json number": Bad("POST", "/runs/log-batch", 400, INVALID, "must be a JSON object", json=7),
    "not utf-8": Bad(
        "POST", "/runs/set-tag", 400, INVALID, "not valid JSON", content=b'{"key": "\xff\xfe"}'
    ),
    # -- fields of the wrong type -------------------------------------------------------
    "max_results a word": Bad(
        "POST", "/runs/search", 400, INVALID, "'max_results'", json={"max_results": "lots"}
    ),
    "max_results a word in a query": Bad(
        "GET",
        "/experiments/search",
        400,
        INVALID,
        "'max_results'",
        params={"max_results": "lots"},
    ),
    "metric value a word": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'value'", json=_metric(value="abc")
    ),
    "metric value a boolean": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'value'", json=_metric(value=True)
    ),
    "timestamp a fraction": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'timestamp'", json=_metric(timestamp=1.5)
    ),
    "timestamp negative": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'timestamp'", json=_metric(timestamp=-1)
    ),
    "step beyond 64 bits": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'step'", json=_metric(step=2**63)
    ),
    "tags a mapping": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "'tags'",
        json={"run_id": KNOWN_RUN, "tags": {"team": "b"}},
    ),
    "tags a string": Bad(
        "POST", "/runs/log-batch", 400, INVALID, "'tags'", json={"run_id": KNOWN_RUN, "tags": "x"}
    ),
    "metrics a list of strings": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "'metrics.0'",
        json={"run_id": KNOWN_RUN, "metrics": ["m=1"]},
    ),
    "experiment tags not pairs": Bad(
        "POST",
        "/experiments/create",
        400,
        INVALID,
        "'tags.0'",
        json={"name": "never", "tags": [["k", "v"]]},
    ),
    "text with NUL": Bad(
        "POST",
        "/runs/set-tag",
        400,
        INVALID,
        "NUL",
        json={"run_id": KNOWN_RUN, "key": "k", "value": "a\x00b"},
    ),
    "text with a lone surrogate": Bad(
        "POST",
        "/runs/log-parameter",
        400,
        INVALID,
        "surrogate",
        content=b'{"run_id": "{run}", "key": "p", "value": "\\ud800"}',
    ),
    # -- required fields missing --------------------------------------------------------
    "metric without key": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'key'", json=_without(_metric(), "key")
    ),
    "metric without timestamp": Bad(
        "POST",
        "/runs/log-metric",
        400,
        INVALID,
        "'timestamp'",
        json=_without(_metric(), "timestamp"),
    ),
    "metric without run id": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "'run_id'", json=_without(_metric(), "run_id")
    ),
    "param without value": Bad(
        "POST",
        "/runs/log-parameter",
        400,
        INVALID,
        "'value'",
        json={"run_id": KNOWN_RUN, "key": "p"},
    ),
    "experiment without name": Bad("POST", "/experiments/create", 400, INVALID, "'name'", json={}),
    "empty body": Bad("POST", "/experiments/create", 400, INVALID, "'name'", content=b""),
    "history without metric key": Bad(
        "GET", "/metrics/get-history", 400, INVALID, "'metric_key'", params={"run_id": KNOWN_RUN}
    ),
    # -- not an endpoint, or not its method ---------------------------------------------
    "unknown endpoint": Bad("GET", "/runs/fetch", 404, "ENDPOINT_NOT_FOUND", "No endpoint"),
    "unknown endpoint, POST": Bad(
        "POST", "/runs/log-everything", 404, "ENDPOINT_NOT_FOUND", "No endpoint", json={}
    ),
    "unknown api version": Bad(
        "GET", "/api/9.0/mlflow/runs/get", 404, "ENDPOINT_NOT_FOUND", "No endpoint", prefix=""
    ),
    "unknown ajax endpoint": Bad(
        "GET", "/ajax-api/2.0/mlflow/nope", 404, "ENDPOINT_NOT_FOUND", "No endpoint", prefix=""
    ),
    "GET on a POST endpoint": Bad(
        "GET", "/runs/log-batch", 405, "BAD_REQUEST", "not allowed", params={"run_id": KNOWN_RUN}
    ),
    "DELETE on a POST endpoint": Bad(
        "DELETE", "/experiments/create", 405, "BAD_REQUEST", "not allowed"
    ),
    # -- the body is JSON, the Content-Type says otherwise ------------------------------
    "text/plain": Bad(
        "POST",
        "/runs/log-metric",
        400,
        INVALID,
        "Content-Type",
        content=json.dumps(_metric()).encode(),
        headers={"content-type": "text/plain"},
    ),
    "no content type": Bad(
        "POST",
        "/runs/log-metric",
        400,
        INVALID,
        "Content-Type",
        content=json.dumps(_metric()).encode(),
        headers={},
    ),
    "a form": Bad(
        "POST",
        "/experiments/create",
        400,
        INVALID,
        "Content-Type",
        content=b"name=never",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    # -- ids that name nothing ----------------------------------------------------------
    "unknown run, get": Bad(
        "GET", "/runs/get", 404, NOT_FOUND, ABSENT_RUN, params={"run_id": ABSENT_RUN}
    ),
    "unknown run, log-batch": Bad(
        "POST",
        "/runs/log-batch",
        404,
        NOT_FOUND,
        ABSENT_RUN,
        json={"run_id": ABSENT_RUN, "params": [{"key": "p", "value": "1"}]},
    ),
    "unknown run, log-metric": Bad(
        "POST", "/runs/log-metric", 404, NOT_FOUND, ABSENT_RUN, json=_metric(run_id=ABSENT_RUN)
    ),
    "unknown run, update": Bad(
        "POST",
        "/runs/update",
        404,
        NOT_FOUND,
        ABSENT_RUN,
        json={"run_id": ABSENT_RUN, "status": "FINISHED"},
    ),
    "unknown run, delete": Bad(
        "POST", "/runs/delete", 404, NOT_FOUND, ABSENT_RUN, json={"run_id": ABSENT_RUN}
    ),
    "not a run id": Bad(
        "GET", "/runs/get", 400, INVALID, "not a valid run id", params={"run_id": "../etc"}
    ),
    "unknown experiment, get": Bad(
        "GET", "/experiments/get", 404, NOT_FOUND, "424242", params={"experiment_id": "424242"}
    ),
    "unknown experiment, create run": Bad(
        "POST", "/runs/create", 404, NOT_FOUND, "424242", json={"experiment_id": "424242"}
    ),
    "unknown experiment, tag": Bad(
        "POST",
        "/experiments/set-experiment-tag",
        404,
        NOT_FOUND,
        "424242",
        json={"experiment_id": "424242", "key": "k", "value": "v"},
    ),
    "unknown experiment, delete": Bad(
        "POST", "/experiments/delete", 404, NOT_FOUND, "424242", json={"experiment_id": "424242"}
    ),
    "experiment id not a number": Bad(
        "GET", "/experiments/get", 400, INVALID, "experiment id", params={"experiment_id": "abc"}
    ),
    "experiment id beyond any id": Bad(
        "POST",
        "/runs/search",
        400,
        INVALID,
        "out of range",
        json={"experiment_ids": ["99999999999999999999999"]},
    ),
    "experiment name taken": Bad(
        "POST",
        "/experiments/create",
        400,
        "RESOURCE_ALREADY_EXISTS",
        "seeded",
        json={"name": "seeded"},
    ),
    # -- over-long keys and names -------------------------------------------------------
    "metric key of 251": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "250", json=_metric(key="k" * 251)
    ),
    "param key of 251": Bad(
        "POST",
        "/runs/log-parameter",
        400,
        INVALID,
        "250",
        json={"run_id": KNOWN_RUN, "key": "k" * 251, "value": "1"},
    ),
    "tag key of 251": Bad(
        "POST",
        "/runs/set-tag",
        400,
        INVALID,
        "250",
        json={"run_id": KNOWN_RUN, "key": "k" * 251, "value": "1"},
    ),
    "batch tag key of 251": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "250",
        json={"run_id": KNOWN_RUN, "tags": [{"key": "k" * 251, "value": "1"}]},
    ),
    "experiment name of 501": Bad(
        "POST", "/experiments/create", 400, INVALID, "500", json={"name": "n" * 501}
    ),
    "key climbing out": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "m/../x", json=_metric(key="m/../x")
    ),
    # -- params are write-once ----------------------------------------------------------
    "param changed": Bad(
        "POST",
        "/runs/log-parameter",
        400,
        INVALID,
        "lr",
        json={"run_id": KNOWN_RUN, "key": "lr", "value": "0.2"},
    ),
    "param changed in a batch": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "lr",
        json={
            "run_id": KNOWN_RUN,
            "params": [{"key": "new", "value": "1"}, {"key": "lr", "value": "0.2"}],
            "metrics": [{"key": "m", "value": 1.0, "timestamp": 1}],
        },
    ),
    "param twice in a batch": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "twice",
        json={
            "run_id": KNOWN_RUN,
            "params": [{"key": "b", "value": "1"}, {"key": "b", "value": "2"}],
        },
    ),
    # -- writes to a deleted run --------------------------------------------------------
    "metric on a deleted run": Bad(
        "POST", "/runs/log-metric", 400, INVALID, "active", json=_metric(run_id=DELETED_RUN)
    ),
    "param on a deleted run": Bad(
        "POST",
        "/runs/log-parameter",
        400,
        INVALID,
        "active",
        json={"run_id": DELETED_RUN, "key": "p", "value": "1"},
    ),
    "tag on a deleted run": Bad(
        "POST",
        "/runs/set-tag",
        400,
        INVALID,
        "active",
        json={"run_id": DELETED_RUN, "key": "t", "value": "1"},
    ),
    "batch on a deleted run": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "active",
        json={"run_id": DELETED_RUN, "metrics": _entries("metrics", 3)},
    ),
    # -- log-batch over its limits ------------------------------------------------------
    "1001 metrics": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "1000 metrics",
        json={"run_id": KNOWN_RUN, "metrics": _entries("metrics", 1001)},
    ),
    "101 params": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "100 params",
        json={"run_id": KNOWN_RUN, "params": _entries("params", 101)},
    ),
    "101 tags": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "100 tags",
        json={"run_id": KNOWN_RUN, "tags": _entries("tags", 101)},
    ),
    "1001 entities": Bad(
        "POST",
        "/runs/log-batch",
        400,
        INVALID,
        "in total",
        json={
            "run_id": KNOWN_RUN,
            "metrics": _entries("metrics", 900),
            "params": _entries("params", 100),
            "tags": _entries("tags", 1),
        },
    ),
    # -- other values the store must never see ------------------------------------------
    "filter that does not parse": Bad(
        "POST",
        "/runs/search",
        400,
        INVALID,
        "metrics.loss >",
        json={"experiment_ids": [EXPERIMENT], "filter": "metrics.loss >"},
    ),
    "page token not ours": Bad(
        "POST",
        "/runs/search",
        400,
        INVALID,
        "page token",
        json={"experiment_ids": [EXPERIMENT], "page_token": "bm90IGEgdG9rZW4="},
    ),
    "run status unknown": Bad(
        "POST",
        "/runs/update",
        400,
        INVALID,
        "status",
        json={"run_id": KNOWN_RUN, "status": "PAUSED"},
    ),
    "artifact path climbing out": Bad(
        "GET",
        "/artifacts/list",
        400,
        INVALID,
        "artifact root",
        params={"run_id": KNOWN_RUN, "path": "../../.."},
    ),
    "model_json not json": Bad(
        "POST",
        "/runs/log-model",
        400,
        INVALID,
        "model_json",
        json={"run_id": KNOWN_RUN, "model_json": "{not json"},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_bad_request_gets_mlflows_error_and_changes_nothing(server: Server, case: Bad) -> None:
    before = server.dump()

    response = server.http.request(
        case.method,
        case.prefix + case.path,
        json=server.fill(case.json) if case.content is None and case.json is not None else None,
        content=server.fill(case.content) if case.content is not None else None,
        params=server.fill(case.params),
        headers=case.headers,
    )

    assert (response.status_code, _code(response)) == (case.status, case.code), response.text
    assert set(response.json()) == {"error_code", "message"}
    assert server.fill(case.says) in response.json()["message"]
    assert server.dump() == before


def test_a_body_over_the_limit_is_refused_by_its_length(server: Server) -> None:
    before = server.dump()
    padding = "x" * (MAX_JSON_BODY + 1)
    body = json.dumps({**server.fill(_metric()), "padding": padding}).encode()

    response = server.http.post(f"{API}/runs/log-metric", content=body, headers=JSON)

    assert (response.status_code, _code(response)) == (413, "REQUEST_LIMIT_EXCEEDED")
    assert str(MAX_JSON_BODY) in response.json()["message"]
    assert server.dump() == before


def test_a_runwright_api_body_over_the_limit_is_refused_by_its_length(server: Server) -> None:
    before = server.dump()
    body = json.dumps({"pipeline_name": "p", "graph": {"nodes": ["x" * (MAX_JSON_BODY + 1)]}})

    response = server.http.post(
        "/api/2.0/runwright/pipelines/runs/create", content=body.encode(), headers=JSON
    )

    assert (response.status_code, _code(response)) == (413, "REQUEST_LIMIT_EXCEEDED")
    assert server.dump() == before


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(server: Server) -> None:
    before = server.dump()

    response = server.http.post(
        f"{API}/runs/log-metric", content=_chunks(MAX_JSON_BODY * 2), headers=JSON
    )

    assert (response.status_code, _code(response)) == (413, "REQUEST_LIMIT_EXCEEDED")
    assert server.dump() == before


def test_a_chunked_body_over_the_limit_is_refused_by_a_real_server(
    live_server: LiveServer,
) -> None:
    """Uvicorn reads a chunked body as it comes; the server answers before it ends (or
    drops the connection), never with a 500, and goes on serving."""
    try:
        response = httpx.post(
            f"{live_server.url}{API}/runs/log-metric",
            content=_chunks(MAX_JSON_BODY * 4),
            headers=JSON,
            timeout=60,
        )
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        pass  # refused mid-upload: the server closed the connection
    else:
        assert "content-length" not in response.request.headers
        assert (response.status_code, _code(response)) == (413, "REQUEST_LIMIT_EXCEEDED")
    assert httpx.get(f"{live_server.url}/health", timeout=10).text == "OK"


def test_an_empty_body_reads_as_an_empty_object(server: Server) -> None:
    response = server.http.post(f"{API}/runs/search", content=b"", headers=JSON)

    assert response.status_code == 200, response.text
    assert response.json() == {"runs": []}


def test_a_body_double_encoded_as_a_json_string_is_read(server: Server) -> None:
    inner = json.dumps({"experiment_ids": [server.ids[EXPERIMENT]]})

    response = server.http.post(f"{API}/runs/search", json=inner)

    assert response.status_code == 200, response.text
    assert [r["info"]["run_id"] for r in response.json()["runs"]] == [server.ids[KNOWN_RUN]]


def test_a_numeric_experiment_id_is_read_as_a_string(server: Server) -> None:
    number = int(server.ids[EXPERIMENT])

    response = server.http.post(f"{API}/runs/search", json={"experiment_ids": [number]})

    assert response.status_code == 200, response.text
    assert [r["info"]["run_id"] for r in response.json()["runs"]] == [server.ids[KNOWN_RUN]]


def test_a_method_not_allowed_names_the_allowed_one(server: Server) -> None:
    response = server.http.get(f"{API}/runs/create")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def _code(response: httpx.Response) -> str | None:
    try:
        return str(response.json()["error_code"])
    except (ValueError, KeyError, TypeError):
        return None


def _chunks(total: int) -> Iterator[bytes]:
    """A JSON-looking body of `total` bytes, sent without a Content-Length."""
    chunk = b" " * (1024 * 1024)
    yield b'{"padding": "'
    for _ in range(total // len(chunk)):
        yield chunk
    yield b'"}'


def test_a_filter_number_beyond_64_bits_is_compared_not_refused(server: Server) -> None:
    response = server.http.post(
        f"{API}/runs/search",
        json={
            "experiment_ids": [server.ids[EXPERIMENT]],
            "filter": "attributes.start_time > 1" + "0" * 30,
        },
    )
    assert (response.status_code, response.json()) == (200, {"runs": []})
