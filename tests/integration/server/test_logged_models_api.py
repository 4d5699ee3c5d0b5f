"""The logged-model endpoints' wire format, in process (MLflow's JSON shapes and errors)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runwright.server.app import ServerConfig, create_app

API = "/api/2.0/mlflow"


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(
        ServerConfig(
            backend_store_uri=str(tmp_path / "store"),
            artifacts_destination=str(tmp_path / "artifacts"),
        )
    )
    with TestClient(app) as client:
        yield client


def _create(http: TestClient, **fields: Any) -> dict[str, Any]:
    response = http.post(f"{API}/logged-models", json={"experiment_id": "0", **fields})
    assert response.status_code == 200, response.text
    model: dict[str, Any] = response.json()["model"]
    return model


def test_create_answers_mlflows_logged_model_message(http: TestClient) -> None:
    model = _create(http, name="clf", tags=[{"key": "k", "value": "v"}])
    info = model["info"]
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/0/models/{info['model_id']}/artifacts"
    assert info["tags"] == [{"key": "k", "value": "v"}]
    assert isinstance(info["creation_timestamp_ms"], int)
    assert model["data"] == {"params": [], "metrics": []}


def test_a_numeric_experiment_id_is_read_as_a_string(http: TestClient) -> None:
    response = http.post(f"{API}/logged-models", json={"experiment_id": 0, "name": "clf"})
    assert response.json()["model"]["info"]["experiment_id"] == "0"


@pytest.mark.parametrize("status", ["LOGGED_MODEL_READY", 2, "READY"])
def test_finalize_takes_the_status_by_name_or_number(http: TestClient, status: object) -> None:
    model_id = _create(http)["info"]["model_id"]
    response = http.patch(
        f"{API}/logged-models/{model_id}", json={"model_id": model_id, "status": status}
    )
    assert response.json()["model"]["info"]["status"] == "LOGGED_MODEL_READY"


def test_finalize_refuses_an_unknown_status(http: TestClient) -> None:
    model_id = _create(http)["info"]["model_id"]
    response = http.patch(f"{API}/logged-models/{model_id}", json={"status": "DONE"})
    assert (response.status_code, response.json()["error_code"]) == (
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_an_unknown_model_is_a_404_resource_does_not_exist(http: TestClient) -> None:
    response = http.get(f"{API}/logged-models/m-{'0' * 32}")
    assert (response.status_code, response.json()["error_code"]) == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )


def test_a_deleted_model_is_returned_with_allow_deleted(http: TestClient) -> None:
    model_id = _create(http)["info"]["model_id"]
    assert http.request("DELETE", f"{API}/logged-models/{model_id}", json={}).json() == {}
    assert http.get(f"{API}/logged-models/{model_id}").status_code == 404
    found = http.get(f"{API}/logged-models/{model_id}", params={"allow_deleted": "true"})
    assert found.json()["model"]["info"]["model_id"] == model_id


def test_search_needs_experiment_ids(http: TestClient) -> None:
    response = http.post(f"{API}/logged-models/search", json={})
    assert (response.status_code, response.json()["error_code"]) == (
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_search_pages_with_a_token(http: TestClient) -> None:
    for name in ("a", "b", "c"):
        _create(http, name=name)
    body = {"experiment_ids": ["0"], "max_results": 2, "order_by": [{"field_name": "name"}]}
    first = http.post(f"{API}/logged-models/search", json=body).json()
    second = http.post(
        f"{API}/logged-models/search", json={**body, "page_token": first["next_page_token"]}
    ).json()
    names = [m["info"]["name"] for m in first["models"] + second["models"]]
    assert (names, "next_page_token" in second) == (["a", "b", "c"], False)


def test_tag_keys_with_slashes_can_be_deleted(http: TestClient) -> None:
    model_id = _create(http, tags=[{"key": "a/b", "value": "1"}])["info"]["model_id"]
    response = http.request("DELETE", f"{API}/logged-models/{model_id}/tags/a/b", json={})
    assert response.status_code == 200
    assert http.get(f"{API}/logged-models/{model_id}").json()["model"]["info"]["tags"] == []


def test_run_outputs_need_an_existing_run(http: TestClient) -> None:
    model_id = _create(http)["info"]["model_id"]
    response = http.post(
        f"{API}/runs/outputs",
        json={"run_id": "0" * 32, "models": [{"model_id": model_id, "step": 0}]},
    )
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_the_ui_alias_serves_logged_models(http: TestClient) -> None:
    model_id = _create(http)["info"]["model_id"]
    response = http.get(f"/ajax-api/2.0/mlflow/logged-models/{model_id}")
    assert response.json()["model"]["info"]["model_id"] == model_id
