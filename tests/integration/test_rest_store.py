"""The REST store: what the contract suite (which also runs over REST) does not show —
request splitting and paging, retries and errors, artifacts through the server's
proxy, the fluent API and the CLI on an http:// tracking URI.

Tests of transport behaviour use httpx's MockTransport; the rest talk to a real
server (`rest_server`: uvicorn in this process, on a fresh SQLite store).
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import runwright as rw
from runwright.artifacts import ArtifactRepository, HttpArtifactRepository
from runwright.cli import app as cli_app
from runwright.entities import Metric, Param, Tag, ViewType
from runwright.errors import (
    AlreadyExistsError,
    FilterSyntaxError,
    InvalidArgumentError,
    NotFoundError,
    RunwrightError,
    StoreUnavailableError,
)
from runwright.settings import Settings
from runwright.store.registry import open_store
from runwright.store.rest import RestTrackingStore
from runwright.store.rest import runs as rest_runs
from runwright.store.rest.parsing import metric_from_json, run_info_from_json
from runwright.store.rest.transport import RestTransport
from runwright.tracking.client import Client
from runwright.tracking.gc import collect_garbage
from tests.fixtures.live_server import free_port
from tests.fixtures.rest_server import InProcessServer

SERVER = "http://tracking.test"
Handler = Callable[[httpx.Request], httpx.Response]


def mocked_store(
    handler: Handler, waits: list[float] | None = None, **options: Any
) -> RestTrackingStore:
    """A REST store whose requests go to `handler`; retry waits are recorded, not slept."""
    sleeps = waits if waits is not None else []
    transport = RestTransport(
        SERVER, transport=httpx.MockTransport(handler), sleep=sleeps.append, **options
    )
    return RestTrackingStore(SERVER, transport=transport)


def ok(body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json=body or {})


def error(status: int, code: str, message: str = "nope") -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "message": message})


EXPERIMENT_JSON = {
    "experiment_id": "7",
    "name": "e",
    "artifact_location": "mlflow-artifacts:/7",
    "lifecycle_stage": "active",
    "creation_time": 1,
    "last_update_time": 1,
}


@pytest.fixture
def remote(rest_server: InProcessServer) -> Iterator[Client]:
    """A Client on the test's server."""
    created = Client(rest_server.url, settings=Settings())
    yield created
    created.close()


class CountingTransport(httpx.HTTPTransport):
    """A real HTTP transport that remembers the path of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


# -- opening -------------------------------------------------------------------------


@pytest.mark.parametrize("uri", ["http://127.0.0.1:1", "https://tracking.example:8443/prefix/"])
def test_http_uris_open_the_rest_store_without_a_request(uri: str) -> None:
    store = open_store(uri, Settings())
    try:
        assert isinstance(store, RestTrackingStore)
        assert store.server_url == uri.rstrip("/")
    finally:
        store.close()


def test_close_releases_the_connection_pool() -> None:
    transport = RestTransport(SERVER, transport=httpx.MockTransport(lambda r: ok()))
    RestTrackingStore(SERVER, transport=transport).close()
    assert transport.client.is_closed


# -- requests as MLflow shapes them -----------------------------------------------------


def test_a_large_batch_is_split_within_mlflows_limits_params_and_tags_first() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/2.0/mlflow/runs/log-batch"
        bodies.append(json.loads(request.content))
        return ok()

    metrics = [Metric("m", float(i), i, i) for i in range(2_500)]
    params = [Param(f"p{i}", str(i)) for i in range(250)]
    tags = [Tag(f"t{i}", str(i)) for i in range(150)]
    mocked_store(handler).log_batch(run_id="r", metrics=metrics, params=params, tags=tags)

    for body in bodies:
        counts = (len(body["metrics"]), len(body["params"]), len(body["tags"]))
        assert counts[0] <= 1000 and counts[1] <= 100 and counts[2] <= 100 and sum(counts) <= 1000
    first_metric = next(i for i, body in enumerate(bodies) if body["metrics"])
    assert not any(body["params"] or body["tags"] for body in bodies[first_metric + 1 :])
    assert [p["key"] for body in bodies for p in body["params"]] == [p.key for p in params]
    assert [t["key"] for body in bodies for t in body["tags"]] == [t.key for t in tags]
    assert [m["step"] for body in bodies for m in body["metrics"]] == list(range(2_500))


def test_a_batch_within_the_limits_is_one_request() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return ok()

    mocked_store(handler).log_batch(
        run_id="r",
        metrics=[Metric("m", 1.0, 1, i) for i in range(980)],
        params=[Param(f"p{i}", "x") for i in range(10)],
        tags=[Tag(f"t{i}", "x") for i in range(10)],
    )
    assert len(bodies) == 1


def test_non_finite_values_are_sent_as_protobuf_json_strings() -> None:
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.extend(m["value"] for m in json.loads(request.content)["metrics"])
        return ok()

    values = [math.nan, math.inf, -math.inf, 0.5]
    mocked_store(handler).log_batch(run_id="r", metrics=[Metric("m", v, 1, 0) for v in values])
    assert sent == ["NaN", "Infinity", "-Infinity", 0.5]


def test_server_json_is_read_with_protobuf_spellings() -> None:
    point = metric_from_json({"key": "m", "value": "-Infinity", "timestamp": "12", "step": "-3"})
    assert point == Metric("m", -math.inf, 12, -3)
    assert math.isnan(metric_from_json({"key": "m", "value": "NaN"}).value)
    # Fields an MLflow server leaves out when empty get their defaults.
    info = run_info_from_json({"run_uuid": "abc", "experiment_id": 3, "status": "FINISHED"})
    assert (info.run_id, info.experiment_id, info.end_time, info.heartbeat_time) == (
        "abc",
        "3",
        None,
        None,
    )


def test_a_bad_filter_is_refused_before_any_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.url}")

    store = mocked_store(handler)
    with pytest.raises(FilterSyntaxError, match="character"):
        store.search_runs(
            experiment_ids=["0"],
            filter_string="metrics.acc >",
            view_type=ViewType.ACTIVE_ONLY,
            max_results=10,
            order_by=None,
            page_token=None,
        )
    with pytest.raises(FilterSyntaxError):
        store.search_experiments(
            view_type=ViewType.ALL,
            filter_string="nope.x = 'a'",
            order_by=None,
            max_results=10,
            page_token=None,
        )


# -- retries -----------------------------------------------------------------------------


def test_an_unreachable_server_is_store_unavailable_naming_it_after_the_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    waits: list[float] = []
    store = RestTrackingStore(url, transport=RestTransport(url, max_retries=3, sleep=waits.append))
    with pytest.raises(StoreUnavailableError, match=f"cannot reach the tracking server at {url}"):
        store.get_experiment(experiment_id="0")
    store.close()
    assert len(waits) == 3
    # Exponential backoff with ±50 % jitter around 0.5, 1 and 2 seconds.
    assert all(0.25 * 2**i <= wait <= 0.75 * 2**i for i, wait in enumerate(waits))


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_overloaded_answers_are_retried(status: int) -> None:
    answers = [httpx.Response(status, text="busy"), httpx.Response(status, text="busy")]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else ok({"experiment": EXPERIMENT_JSON})

    waits: list[float] = []
    assert mocked_store(handler, waits).get_experiment(experiment_id="7").name == "e"
    assert len(waits) == 2


def test_retry_after_is_respected() -> None:
    answers = [httpx.Response(503, headers={"Retry-After": "7"})]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else ok({"experiment": EXPERIMENT_JSON})

    waits: list[float] = []
    mocked_store(handler, waits).get_experiment(experiment_id="7")
    assert waits == [7.0]


def test_an_overloaded_server_after_every_retry_is_store_unavailable() -> None:
    waits: list[float] = []
    store = mocked_store(lambda r: httpx.Response(503, text="down"), waits, max_retries=2)
    with pytest.raises(StoreUnavailableError, match=f"{SERVER}.*503.*3 times"):
        store.get_experiment(experiment_id="7")
    assert len(waits) == 2


def test_a_dropped_keepalive_connection_is_retried_even_for_a_post() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return ok({"experiment_id": "3"})

    store = mocked_store(handler)
    assert store.create_experiment(name="e", artifact_location=None, tags={}) == "3"
    assert calls == ["POST", "POST"]


def test_a_post_whose_answer_was_lost_is_not_repeated() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("timed out")

    store = mocked_store(handler)
    with pytest.raises(StoreUnavailableError, match="may or may not have been applied"):
        store.log_batch(run_id="r", metrics=[Metric("m", 1.0, 1, 0)])
    assert calls == ["POST"]


def test_a_read_whose_answer_was_lost_is_repeated() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out")
        return ok({"experiment": EXPERIMENT_JSON})

    assert mocked_store(handler).get_experiment(experiment_id="7").experiment_id == "7"
    assert calls == ["GET", "GET"]


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (error(404, "RESOURCE_DOES_NOT_EXIST"), NotFoundError),
        (error(400, "RESOURCE_ALREADY_EXISTS"), AlreadyExistsError),
        (error(400, "INVALID_PARAMETER_VALUE"), InvalidArgumentError),
        (error(400, "BAD_REQUEST"), InvalidArgumentError),
    ],
)
def test_error_bodies_come_back_as_the_matching_exception(
    answer: httpx.Response, expected: type[RunwrightError]
) -> None:
    with pytest.raises(expected, match="nope"):
        mocked_store(lambda r: answer).get_experiment(experiment_id="7")


def test_an_error_code_without_a_class_keeps_the_code_in_the_message() -> None:
    store = mocked_store(lambda r: error(403, "PERMISSION_DENIED", "not yours"))
    with pytest.raises(RunwrightError, match="PERMISSION_DENIED: not yours") as caught:
        store.get_experiment(experiment_id="7")
    assert type(caught.value) is RunwrightError


def test_a_missing_endpoint_is_not_mistaken_for_a_missing_experiment() -> None:
    store = mocked_store(lambda r: httpx.Response(404, text="<html>Not Found</html>"))
    with pytest.raises(RunwrightError, match="ENDPOINT_NOT_FOUND") as caught:
        store.get_experiment_by_name(name="e")
    assert not isinstance(caught.value, NotFoundError)


def test_an_answer_that_is_not_json_is_an_error() -> None:
    store = mocked_store(lambda r: httpx.Response(200, text="<html>hello</html>"))
    with pytest.raises(RunwrightError, match="not a JSON object"):
        store.get_experiment(experiment_id="7")


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        raise httpx.ConnectError("refused")

    url = "http://alice:s3cret@tracking.test:5000"
    transport = RestTransport(url, transport=httpx.MockTransport(handler), max_retries=0)
    store = RestTrackingStore(url, transport=transport)
    with pytest.raises(StoreUnavailableError) as caught:
        store.get_experiment(experiment_id="0")
    assert seen == ["Basic " + base64.b64encode(b"alice:s3cret").decode()]
    assert "s3cret" not in str(caught.value)
    assert store.server_url == "http://tracking.test:5000"


# -- against a live server -------------------------------------------------------------


def test_the_server_picks_the_artifact_location_of_a_new_experiment(remote: Client) -> None:
    experiment_id = remote.create_experiment("e")
    assert remote.get_experiment(experiment_id).artifact_location == (
        f"mlflow-artifacts:/{experiment_id}"
    )


def test_a_whole_history_is_read_a_page_at_a_time(
    rest_server: InProcessServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rest_runs, "HISTORY_PAGE_SIZE", 10)
    counting = CountingTransport()
    store = RestTrackingStore(
        rest_server.url, transport=RestTransport(rest_server.url, transport=counting)
    )
    run = store.create_run(experiment_id="0", run_name="r", user_id="", start_time=1, tags=[])
    store.log_batch(run_id=run.run_id, metrics=[Metric("m", float(i), i, i) for i in range(95)])
    counting.paths.clear()
    history = store.get_metric_history(
        run_id=run.run_id, key="m", max_results=None, page_token=None
    )
    store.close()
    assert [m.value for m in history] == [float(i) for i in range(95)]
    assert counting.paths == ["/api/2.0/mlflow/metrics/get-history"] * 10


def test_artifacts_go_through_the_servers_proxy(
    remote: Client, rest_server: InProcessServer, tmp_path: Path
) -> None:
    run = remote.create_run("0")
    remote.log_text(run.run_id, "hello", "notes/a.txt")
    stored = Path(rest_server.artifacts_destination, "0", run.run_id, "artifacts", "notes", "a.txt")
    assert stored.read_text() == "hello"
    assert [f.path for f in remote.list_artifacts(run.run_id, "notes")] == ["notes/a.txt"]
    local = remote.download_artifacts(run.run_id, "notes/a.txt", tmp_path / "down")
    assert Path(local).read_text() == "hello"


def test_gc_removes_a_purged_runs_artifacts_on_the_server(
    remote: Client, rest_server: InProcessServer
) -> None:
    run = remote.create_run("0")
    remote.log_text(run.run_id, "x", "a.txt")
    folder = Path(rest_server.artifacts_destination, "0", run.run_id)
    assert folder.is_dir()
    remote.delete_run(run.run_id)
    assert collect_garbage(remote).run_ids == [run.run_id]
    assert not folder.exists()


def test_the_server_refuses_to_purge_what_is_not_deleted(remote: Client) -> None:
    run = remote.create_run("0")
    experiment_id = remote.create_experiment("kept")
    with pytest.raises(InvalidArgumentError, match="not deleted"):
        remote.store.purge_runs(run_ids=[run.run_id])
    with pytest.raises(InvalidArgumentError, match="not deleted"):
        remote.store.purge_experiment(experiment_id=experiment_id)
    assert remote.get_run(run.run_id).run_id == run.run_id
    assert remote.get_experiment(experiment_id).name == "kept"


def test_listing_deleted_runs_honours_the_cutoff(remote: Client) -> None:
    run = remote.create_run("0")
    remote.delete_run(run.run_id)
    store = remote.store
    assert [i.run_id for i in store.list_deleted_runs(deleted_before=None)] == [run.run_id]
    assert store.list_deleted_runs(deleted_before=1) == []


def test_artifact_roots_pick_the_repository_that_reaches_them(
    remote: Client, rest_server: InProcessServer, tmp_path: Path
) -> None:
    own = remote.store.artifact_repository("mlflow-artifacts:/1/abc/artifacts")
    other = remote.store.artifact_repository("mlflow-artifacts://elsewhere:5001/1/abc/artifacts")
    local = remote.store.artifact_repository(str(tmp_path / "shared"))
    assert isinstance(own, HttpArtifactRepository) and isinstance(other, HttpArtifactRepository)
    assert (own.base_url, own.root_path) == (rest_server.url, "1/abc/artifacts")
    assert (other.base_url, other.root_path) == ("http://elsewhere:5001", "1/abc/artifacts")
    assert isinstance(local, ArtifactRepository)


def test_the_fluent_api_logs_to_the_server_and_keeps_its_runs_alive(
    rest_server: InProcessServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWRIGHT_HEARTBEAT_INTERVAL", "0.05")
    rw.set_tracking_uri(rest_server.url)
    reader = Client(rest_server.url, settings=Settings())
    try:
        with rw.start_run(run_name="remote") as run:
            rw.log_param("C", 1.0)
            for step in range(50):
                rw.log_metric("loss", 1 / (step + 1), step=step)
            deadline = time.monotonic() + 10
            while reader.get_run(run.info.run_id).info.heartbeat_time is None:
                assert time.monotonic() < deadline, "no heartbeat reached the server"
                time.sleep(0.05)
        stored = reader.get_run(run.info.run_id)
        assert (stored.info.run_name, stored.info.status.value) == ("remote", "FINISHED")
        assert stored.data.params == {"C": "1.0"}
        assert len(reader.get_metric_history(run.info.run_id, "loss")) == 50
    finally:
        reader.close()


def test_the_cli_lists_runs_from_the_server(remote: Client, rest_server: InProcessServer) -> None:
    remote.create_run("0", run_name="served-run")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli_app, ["--tracking-uri", rest_server.url, "runs", "list"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "served-run" in result.stdout
