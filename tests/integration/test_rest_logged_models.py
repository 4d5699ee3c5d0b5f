"""Logged models in the REST store: what the contract suite (which also runs over REST)
does not show — the wire format both ways, Runwright's own endpoints, and the server
refusing what it must refuse.

Most tests talk to a real server (`rest_server`: uvicorn in this process, on a fresh
SQLite store); the format tests use httpx's MockTransport.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runwright.entities import LifecycleStage, LoggedModelMetric, LoggedModelStatus
from runwright.errors import FilterSyntaxError, InvalidArgumentError
from runwright.settings import Settings
from runwright.store.rest import RestTrackingStore
from runwright.store.rest.logged_models import logged_model_from_json
from runwright.store.rest.transport import RestTransport
from runwright.tracking.client import Client
from runwright.tracking.gc import collect_garbage
from runwright.tracking.logged_models import LoggedModels
from tests.fixtures.rest_server import InProcessServer

SERVER = "http://tracking.test"


@pytest.fixture
def remote(rest_server: InProcessServer) -> Iterator[Client]:
    created = Client(rest_server.url, settings=Settings())
    yield created
    created.close()


@pytest.fixture
def models(remote: Client) -> LoggedModels:
    return LoggedModels(remote)


def test_an_mlflow_servers_model_reads_as_active() -> None:
    model = logged_model_from_json(
        {
            "info": {
                "model_id": "m-1",
                "experiment_id": "3",
                "name": "clf",
                "creation_timestamp_ms": "1700000000000",
                "last_updated_timestamp_ms": "1700000000001",
                "artifact_uri": "mlflow-artifacts:/3/models/m-1/artifacts",
                "status": "LOGGED_MODEL_UPLOAD_FAILED",
                "tags": [{"key": "k", "value": "v"}],
            },
            "data": {"metrics": [{"key": "loss", "value": "NaN", "timestamp": 5}]},
        }
    )
    assert (model.lifecycle_stage, model.status, model.creation_timestamp) == (
        LifecycleStage.ACTIVE,
        LoggedModelStatus.FAILED,
        1_700_000_000_000,
    )
    assert (dict(model.tags), dict(model.params), model.source_run_id) == ({"k": "v"}, {}, None)
    (loss,) = model.metrics
    assert loss.run_id is None and math.isnan(loss.value)


def test_a_bad_filter_is_refused_without_a_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.url}")

    transport = RestTransport(SERVER, transport=httpx.MockTransport(handler))
    store = RestTrackingStore(SERVER, transport=transport)
    with pytest.raises(FilterSyntaxError, match="flavor"):
        store.search_logged_models(
            experiment_ids=["0"],
            filter_string="flavor = 'x'",
            datasets=[],
            max_results=10,
            order_by=[],
            page_token=None,
        )


def test_model_changes_use_mlflows_methods(rest_server: InProcessServer) -> None:
    seen: list[tuple[str, str]] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append((request.method, request.url.path))
            return super().handle_request(request)

    store = RestTrackingStore(
        rest_server.url, transport=RestTransport(rest_server.url, transport=Recording())
    )
    try:
        model = store.create_logged_model(
            experiment_id="0",
            name="clf",
            model_type=None,
            source_run_id=None,
            params={},
            tags={"k": "v"},
            creation_time=0,
        )
        seen.clear()
        store.finalize_logged_model(
            model_id=model.model_id, status=LoggedModelStatus.READY, updated_time=0
        )
        store.set_logged_model_tags(model_id=model.model_id, tags={"a": "1"})
        store.delete_logged_model_tag(model_id=model.model_id, key="k")
        store.delete_logged_model(model_id=model.model_id, deleted_time=0)
    finally:
        store.close()
    path = f"/api/2.0/mlflow/logged-models/{model.model_id}"
    assert seen == [
        ("PATCH", path),
        ("PATCH", f"{path}/tags"),
        ("DELETE", f"{path}/tags/k"),
        ("DELETE", path),
    ]


def test_tag_keys_that_are_special_in_urls_are_deleted(models: LoggedModels) -> None:
    key = "a/b?c#d%e f"
    model = models.create_logged_model("0", "clf", tags={key: "1", "kept": "2"})
    models.delete_logged_model_tag(model.model_id, key)
    assert dict(models.get_logged_model(model.model_id).tags) == {"kept": "2"}


def test_more_params_than_mlflow_batches_are_refused_whole(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf", params={"p149": "old"})
    params = {f"p{i:03d}": "new" for i in range(149)} | {"p149": "changed"}
    with pytest.raises(InvalidArgumentError, match="p149"):
        models.log_logged_model_params(model.model_id, params)
    assert dict(models.get_logged_model(model.model_id).params) == {"p149": "old"}


def test_metrics_need_no_run(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    models.log_logged_model_metrics(
        model.model_id, [LoggedModelMetric("auc", math.inf, 7, 2, dataset_name="val")]
    )
    assert models.get_logged_model(model.model_id).metrics == (
        LoggedModelMetric("auc", math.inf, 7, 2, dataset_name="val"),
    )


def test_the_server_refuses_to_purge_a_model_that_is_not_deleted(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "kept")
    with pytest.raises(InvalidArgumentError, match="not deleted"):
        models.store.purge_logged_models(model_ids=[model.model_id])
    assert models.get_logged_model(model.model_id).name == "kept"


def test_purging_a_model_twice_is_fine(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    models.delete_logged_model(model.model_id)
    models.store.purge_logged_models(model_ids=[model.model_id])
    models.store.purge_logged_models(model_ids=[model.model_id])
    assert models.store.list_deleted_logged_models(deleted_before=None) == []


def test_listing_deleted_models_honours_the_cutoff(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    models.delete_logged_model(model.model_id)
    listed = models.store.list_deleted_logged_models(deleted_before=None)
    assert [(m.model_id, m.lifecycle_stage) for m in listed] == [
        (model.model_id, LifecycleStage.DELETED)
    ]
    assert models.store.list_deleted_logged_models(deleted_before=1) == []


def test_gc_removes_a_purged_models_files_on_the_server(
    remote: Client, models: LoggedModels, rest_server: InProcessServer, tmp_path: Path
) -> None:
    model = models.create_logged_model("0", "clf")
    local = tmp_path / "model"
    local.mkdir()
    (local / "MLmodel").write_text("flavors: {}\n")
    models.log_artifacts(model.model_id, local)
    folder = Path(rest_server.artifacts_destination, "0", "models", model.model_id)
    assert (folder / "artifacts" / "MLmodel").is_file()
    models.delete_logged_model(model.model_id)
    assert collect_garbage(remote).model_ids == [model.model_id]
    assert not folder.exists()


def test_a_metric_dataset_digest_wider_than_the_store_is_refused(models: LoggedModels) -> None:
    model = models.create_logged_model("0", "clf")
    metric = LoggedModelMetric("auc", 0.5, 7, dataset_name="val", dataset_digest="d" * 37)
    with pytest.raises(InvalidArgumentError, match="dataset_digest"):
        models.log_logged_model_metrics(model.model_id, [metric])
    assert models.get_logged_model(model.model_id).metrics == ()
