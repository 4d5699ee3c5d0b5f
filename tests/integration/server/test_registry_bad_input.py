"""Bad requests to the model registry endpoints: each answers a 4xx with MLflow's error
body and the code MLflow uses, and leaves the store as it was. Never a 500.

In process, over one app on a SQLite store seeded with a registered model `seeded`
(version 1 from a run, alias `champion`) and a model `other`; "unchanged" is a dump of
every row of the database, taken before and after each request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from runwright.server.app import ServerConfig, create_app
from tests.integration.server.test_bad_input import API, INVALID, JSON, NOT_FOUND, Bad, Server

EXISTS = "RESOURCE_ALREADY_EXISTS"
RUN = "{run}"
RUNWRIGHT = "/api/2.0/runwright/registry"
MODELS = "/registered-models"
VERSIONS = "/model-versions"


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _code(response: httpx.Response) -> str | None:
    try:
        return str(response.json()["error_code"])
    except (ValueError, KeyError, TypeError):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("registry-bad-input")
    app = create_app(
        ServerConfig(backend_store_uri=str(root / "store"), artifacts_destination=str(root / "a"))
    )
    with TestClient(app, raise_server_exceptions=False) as http:
        seeded = Server(http, root / "store" / "runwright.db")
        run = _ok(http.post(f"{API}/runs/create", json={"experiment_id": "0"}))
        seeded.ids[RUN] = run["run"]["info"]["run_id"]
        for name in ("seeded", "other"):
            _ok(http.post(f"{API}{MODELS}/create", json={"name": name}))
        source = f"runs:/{seeded.ids[RUN]}/model"
        _ok(http.post(f"{API}{VERSIONS}/create", json={"name": "seeded", "source": source}))
        alias = {"name": "seeded", "alias": "champion", "version": "1"}
        _ok(http.post(f"{API}{MODELS}/alias", json=alias))
        yield seeded


def _version(**changes: Any) -> dict[str, Any]:
    return {"name": "seeded", "version": "1", **changes}


CASES: dict[str, Bad] = {
    # -- the body -------------------------------------------------------------------------
    "json array": Bad("POST", f"{MODELS}/create", 400, INVALID, "JSON object", json=["m"]),
    "malformed json": Bad(
        "POST", f"{MODELS}/create", 400, INVALID, "Malformed JSON", content=b'{"name": '
    ),
    "name missing": Bad("POST", f"{MODELS}/create", 400, INVALID, "'name'", json={}),
    "name with NUL": Bad("POST", f"{MODELS}/create", 400, INVALID, "NUL", json={"name": "a\x00"}),
    "tags a mapping": Bad(
        "POST", f"{MODELS}/create", 400, INVALID, "'tags'", json={"name": "n", "tags": {"a": "b"}}
    ),
    # -- registered models ----------------------------------------------------------------
    "duplicate model": Bad(
        "POST", f"{MODELS}/create", 400, EXISTS, "seeded", json={"name": "seeded"}
    ),
    "name with a slash": Bad("POST", f"{MODELS}/create", 400, INVALID, "'/'", json={"name": "a/b"}),
    "name too long": Bad("POST", f"{MODELS}/create", 400, INVALID, "256", json={"name": "n" * 300}),
    "unknown model": Bad("GET", f"{MODELS}/get", 404, NOT_FOUND, "nope", params={"name": "nope"}),
    "get without a name": Bad("GET", f"{MODELS}/get", 400, INVALID, "'name'", params={}),
    "rename without new_name": Bad(
        "POST", f"{MODELS}/rename", 400, INVALID, "'new_name'", json={"name": "seeded"}
    ),
    "rename onto a taken name": Bad(
        "POST",
        f"{MODELS}/rename",
        400,
        EXISTS,
        "other",
        json={"name": "seeded", "new_name": "other"},
    ),
    "rename an unknown model": Bad(
        "POST", f"{MODELS}/rename", 404, NOT_FOUND, "nope", json={"name": "nope", "new_name": "x"}
    ),
    "update an unknown model": Bad(
        "PATCH", f"{MODELS}/update", 404, NOT_FOUND, "nope", json={"name": "nope"}
    ),
    "delete an unknown model": Bad(
        "DELETE", f"{MODELS}/delete", 404, NOT_FOUND, "nope", json={"name": "nope"}
    ),
    "tag key climbing out": Bad(
        "POST",
        f"{MODELS}/set-tag",
        400,
        INVALID,
        "../x",
        json={"name": "seeded", "key": "../x", "value": "v"},
    ),
    "tag value too long": Bad(
        "POST",
        f"{MODELS}/set-tag",
        400,
        INVALID,
        "100000",
        json={"name": "seeded", "key": "k", "value": "v" * 100_001},
    ),
    "tag without a value": Bad(
        "POST", f"{MODELS}/set-tag", 400, INVALID, "'value'", json={"name": "seeded", "key": "k"}
    ),
    "tag of an unknown model": Bad(
        "DELETE", f"{MODELS}/delete-tag", 404, NOT_FOUND, "nope", json={"name": "nope", "key": "k"}
    ),
    # -- searching models -----------------------------------------------------------------
    "max_results over 1000": Bad(
        "GET", f"{MODELS}/search", 400, INVALID, "max_results", params={"max_results": "1001"}
    ),
    "max_results a word": Bad(
        "GET", f"{MODELS}/search", 400, INVALID, "'max_results'", params={"max_results": "lots"}
    ),
    "model filter on metrics": Bad(
        "GET", f"{MODELS}/search", 400, INVALID, "metrics", params={"filter": "metrics.a > 1"}
    ),
    "model filter that does not parse": Bad(
        "GET", f"{MODELS}/search", 400, INVALID, "name =", params={"filter": "name ="}
    ),
    "model order by an unknown field": Bad(
        "GET", f"{MODELS}/search", 400, INVALID, "source", params={"order_by": "source"}
    ),
    "model page token not ours": Bad(
        "GET", f"{MODELS}/search", 400, INVALID, "page token", params={"page_token": "bm9wZQ"}
    ),
    "latest versions of an unknown stage": Bad(
        "POST",
        f"{MODELS}/get-latest-versions",
        400,
        INVALID,
        "stage",
        json={"name": "seeded", "stages": ["Live"]},
    ),
    "latest versions of an unknown model": Bad(
        "GET", f"{MODELS}/get-latest-versions", 404, NOT_FOUND, "nope", params={"name": "nope"}
    ),
    # -- aliases --------------------------------------------------------------------------
    "alias latest": Bad(
        "POST", f"{MODELS}/alias", 400, INVALID, "reserved", json=_version(alias="latest")
    ),
    "alias v3": Bad("POST", f"{MODELS}/alias", 400, INVALID, "reserved", json=_version(alias="v3")),
    "alias with a space": Bad(
        "POST", f"{MODELS}/alias", 400, INVALID, "alias", json=_version(alias="a b")
    ),
    "alias too long": Bad(
        "POST", f"{MODELS}/alias", 400, INVALID, "255", json=_version(alias="a" * 256)
    ),
    "alias to a version that is a word": Bad(
        "POST", f"{MODELS}/alias", 400, INVALID, "version", json=_version(alias="x", version="one")
    ),
    "alias to a missing version": Bad(
        "POST",
        f"{MODELS}/alias",
        404,
        NOT_FOUND,
        "version=9",
        json=_version(alias="x", version="9"),
    ),
    "alias not found": Bad(
        "GET", f"{MODELS}/alias", 400, INVALID, "nope", params={"name": "seeded", "alias": "nope"}
    ),
    "alias of an unknown model": Bad(
        "GET", f"{MODELS}/alias", 404, NOT_FOUND, "nope", params={"name": "nope", "alias": "a"}
    ),
    "delete alias without one": Bad(
        "DELETE", f"{MODELS}/alias", 400, INVALID, "'alias'", json={"name": "seeded"}
    ),
    # -- versions -------------------------------------------------------------------------
    "version without a source": Bad(
        "POST", f"{VERSIONS}/create", 400, INVALID, "'source'", json={"name": "seeded"}
    ),
    "version of an unknown model": Bad(
        "POST", f"{VERSIONS}/create", 404, NOT_FOUND, "nope", json={"name": "nope", "source": "/m"}
    ),
    "version from an unknown run": Bad(
        "POST",
        f"{VERSIONS}/create",
        400,
        INVALID,
        "run_id",
        json={"name": "seeded", "source": "runs:/" + "0" * 32 + "/model"},
    ),
    "version whose run_id contradicts the source": Bad(
        "POST",
        f"{VERSIONS}/create",
        400,
        INVALID,
        "run_id",
        json={"name": "seeded", "source": f"runs:/{RUN}/model", "run_id": "0" * 32},
    ),
    "version from a malformed logged model id": Bad(
        "POST",
        f"{VERSIONS}/create",
        400,
        INVALID,
        "logged model id",
        json={"name": "seeded", "source": "/m", "model_id": "../x"},
    ),
    "version from an unknown logged model": Bad(
        "POST",
        f"{VERSIONS}/create",
        400,
        INVALID,
        "model_id",
        json={"name": "seeded", "source": "models:/m-" + "0" * 32},
    ),
    "version from a malformed models uri": Bad(
        "POST",
        f"{VERSIONS}/create",
        400,
        INVALID,
        "models URI",
        json={"name": "seeded", "source": "models:/a/b/c"},
    ),
    "version a word": Bad(
        "GET", f"{VERSIONS}/get", 400, INVALID, "version", params=_version(version="one")
    ),
    "version missing": Bad(
        "GET", f"{VERSIONS}/get", 400, INVALID, "'version'", params={"name": "seeded"}
    ),
    "version not there": Bad(
        "GET", f"{VERSIONS}/get", 404, NOT_FOUND, "version=9", params=_version(version="9")
    ),
    "version beyond 32 bits": Bad(
        "GET", f"{VERSIONS}/get", 404, NOT_FOUND, "not found", params=_version(version=str(2**40))
    ),
    "update a missing version": Bad(
        "PATCH", f"{VERSIONS}/update", 404, NOT_FOUND, "version=9", json=_version(version="9")
    ),
    "delete a missing version": Bad(
        "DELETE", f"{VERSIONS}/delete", 404, NOT_FOUND, "version=9", json=_version(version="9")
    ),
    "transition to an unknown stage": Bad(
        "POST", f"{VERSIONS}/transition-stage", 400, INVALID, "stage", json=_version(stage="Live")
    ),
    "archive others when archiving": Bad(
        "POST",
        f"{VERSIONS}/transition-stage",
        400,
        INVALID,
        "Active stage",
        json=_version(stage="Archived", archive_existing_versions=True),
    ),
    "archive flag not a boolean": Bad(
        "POST",
        f"{VERSIONS}/transition-stage",
        400,
        INVALID,
        "'archive_existing_versions'",
        json=_version(stage="Staging", archive_existing_versions="maybe"),
    ),
    "transition without a stage": Bad(
        "POST", f"{VERSIONS}/transition-stage", 400, INVALID, "'stage'", json=_version()
    ),
    "version tag of a missing version": Bad(
        "POST",
        f"{VERSIONS}/set-tag",
        404,
        NOT_FOUND,
        "version=9",
        json=_version(version="9", key="k", value="v"),
    ),
    "version tag key climbing out": Bad(
        "DELETE", f"{VERSIONS}/delete-tag", 400, INVALID, "../k", json=_version(key="../k")
    ),
    "download uri of a missing version": Bad(
        "GET",
        f"{VERSIONS}/get-download-uri",
        404,
        NOT_FOUND,
        "version=9",
        params=_version(version="9"),
    ),
    # -- searching versions ---------------------------------------------------------------
    "version filter on params": Bad(
        "GET", f"{VERSIONS}/search", 400, INVALID, "params", params={"filter": "params.a = 'b'"}
    ),
    "version number compared to a string": Bad(
        "GET",
        f"{VERSIONS}/search",
        400,
        INVALID,
        "version_number",
        params={"filter": "version_number = 'x'"},
    ),
    "version max_results over 200000": Bad(
        "GET", f"{VERSIONS}/search", 400, INVALID, "max_results", params={"max_results": "200001"}
    ),
    # -- Runwright: the history -----------------------------------------------------------
    "history without a name": Bad(
        "GET", "/history", 400, INVALID, "'name'", params={}, prefix=RUNWRIGHT
    ),
    "history of a version that is a word": Bad(
        "GET",
        "/history",
        400,
        INVALID,
        "version",
        params={"name": "seeded", "version": "one"},
        prefix=RUNWRIGHT,
    ),
    "history of a malformed alias": Bad(
        "GET",
        "/history",
        400,
        INVALID,
        "alias",
        params={"name": "seeded", "alias": "a b"},
        prefix=RUNWRIGHT,
    ),
    "alias-at a negative time": Bad(
        "GET",
        "/alias-at",
        400,
        INVALID,
        "'time'",
        params={"name": "seeded", "alias": "champion", "time": "-1"},
        prefix=RUNWRIGHT,
    ),
    "alias-at without a time": Bad(
        "GET",
        "/alias-at",
        400,
        INVALID,
        "'time'",
        params={"name": "seeded", "alias": "champion"},
        prefix=RUNWRIGHT,
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


def test_the_ajax_api_answers_the_same(server: Server) -> None:
    response = server.http.get("/ajax-api/2.0/mlflow/registered-models/get", params={"name": "x"})
    assert (response.status_code, _code(response)) == (404, NOT_FOUND)


def test_a_write_records_the_basic_auth_user_over_the_claimed_one(server: Server) -> None:
    headers = {**JSON, "authorization": "Basic " + "Ym9iOnNlY3JldA=="}  # bob:secret
    body = {"name": "seeded", "key": "who", "value": "1", "user_id": "mallory"}

    _ok(server.http.post(f"{API}{MODELS}/set-tag", json=body, headers=headers))

    events = _ok(server.http.get(f"{RUNWRIGHT}/history", params={"name": "seeded"}))["events"]
    assert events[-1]["user_id"] == "bob"
    assert events[-1]["action"] == "set_tag"
