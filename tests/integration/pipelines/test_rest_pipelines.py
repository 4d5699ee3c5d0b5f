"""Pipelines on an http:// tracking URI: a real tracking server (uvicorn in this process,
on a fresh SQLite store, with its artifact proxy on) over loopback HTTP.

The same pipelines as on the embedded store give the same results: step runs are
ordinary runs on the server, outputs go through the server's artifact proxy (also from
local worker processes), the cache is shared through the server, a failed run resumes
under its id, lineage walks both ways, and the CLI shows it all. Bad requests to the
pipeline endpoints answer a 4xx with an error body, never a 500.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import runwright as rw
from runwright.cli import app as cli_app
from runwright.entities import Tag
from runwright.entities.pipelines import CacheStatus
from runwright.pipelines.outputs import output_available
from runwright.pipelines.result import PipelineResult, StepState
from runwright.pipelines.session import pipeline_store
from runwright.tracking.client import Client
from tests.fixtures.rest_server import InProcessServer
from tests.integration.pipelines import defs

PIPELINES_API = "/api/2.0/runwright/pipelines"
SUBPROCESS_PIPELINE = textwrap.dedent(
    """
    import runwright as rw


    @rw.step
    def load(n_rows: int) -> list[int]:
        return list(range(n_rows))


    @rw.step
    def fit(rows: list[int], C: float) -> float:
        return sum(rows) * C


    @rw.pipeline
    def training(n_rows: int = 10, Cs: list = [0.5, 2.0]):
        return fit.map(rw.unmapped(load(n_rows)), Cs)
    """
)
PROXY = "/api/2.0/mlflow-artifacts/artifacts/"


def _hashes(result: PipelineResult) -> dict[str, dict[str, str]]:
    return {
        node_id: {name: ref.content_hash for name, ref in step.outputs.items()}
        for node_id, step in result.steps.items()
    }


@pytest.fixture
def server_uri(rest_server: InProcessServer) -> str:
    rw.set_tracking_uri(rest_server.url)
    return rest_server.url


# -- running -------------------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_pipeline_over_http_gives_what_it_gives_on_sqlite(
    server_uri: str, journal: str, tmp_path: Path, executor: str
) -> None:
    embedded = defs.training.run(
        journal=journal, executor="inline", tracking_uri=str(tmp_path / "embedded")
    )
    remote = defs.training.run(journal=journal, executor=executor)

    assert remote.status == "FINISHED"
    assert remote.output == embedded.output == {"best": 2 * 10.0 * 10, "count": 3.0}
    assert {s.state for s in remote.steps.values()} == {StepState.DONE}
    assert _hashes(remote) == _hashes(embedded)


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_outputs_are_written_through_the_servers_artifact_proxy(
    server_uri: str, rest_server: InProcessServer, journal: str, executor: str
) -> None:
    result = defs.training.run(journal=journal, executor=executor)

    ref = result.steps["load"].outputs["output"]
    assert ref.uri.startswith(f"{server_uri}{PROXY}")
    assert ref.uri.endswith(f"/{ref.producer_run_id}/artifacts/outputs/output.json")
    stored = list(Path(rest_server.artifacts_destination).rglob("output.json"))
    assert any(ref.producer_run_id in path.parts for path in stored)
    assert not list(Path.cwd().rglob("*.json"))  # nothing landed in a local folder
    assert rw.pipelines.load_output(ref) == [0, 1, 2, 3, 4]
    assert output_available(ref)


def test_step_runs_are_runs_on_the_server(server_uri: str, journal: str) -> None:
    result = defs.training.run(journal=journal, n=3, executor="inline")

    steps = rw.search_runs(
        filter_string=f"tags.`runwright.pipeline.run_id` = '{result.run_id}'",
        output_format="list",
    )
    assert sorted(r.info.run_name for r in steps) == [
        "load",
        "pick",
        "train[0]",
        "train[1]",
        "train[2]",
    ]
    client = Client(server_uri)
    try:
        train = client.get_run(result.steps["train[2]"].run_id)
        stdout = client.artifact_repository(result.steps["load"].run_id).read_bytes(
            "logs/stdout.txt"
        )
        pipeline_run = client.get_run(result.run_id)
    finally:
        client.close()
    assert train.data.tags["mlflow.parentRunId"] == result.run_id
    assert train.data.metrics["train_score"] == 30.0
    assert train.data.params == {"c": "10.0", "journal": journal}
    assert stdout.decode() == "loading 3 rows\n"
    assert (pipeline_run.info.status.value, pipeline_run.data.params["n"]) == ("FINISHED", "3")


def test_step_metrics_logged_in_local_workers_reach_the_server(
    server_uri: str, journal: str
) -> None:
    result = defs.training.run(journal=journal, n=3, executor="local")
    run = rw.get_run(result.steps["train[1]"].run_id)
    assert run.data.metrics["train_score"] == 3.0


# -- the cache -------------------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_second_run_is_served_from_the_cache_through_the_server(
    server_uri: str, journal: str, executor: str
) -> None:
    first = defs.training.run(journal=journal, executor=executor)
    ran = len(defs.executions(journal))
    second = defs.training.run(journal=journal, executor=executor)

    assert len(defs.executions(journal)) == ran
    assert second.output == first.output
    assert {s.state for s in second.steps.values()} == {StepState.CACHED}
    assert {n: s.cached_from for n, s in second.steps.items()} == {
        n: s.run_id for n, s in first.steps.items()
    }
    client = Client(server_uri)
    try:
        stored = pipeline_store(client).list_steps(pipeline_run_id=second.run_id)
    finally:
        client.close()
    assert {s.cache_status for s in stored} == {CacheStatus.HIT}
    assert {s.node_id: s.cached_from_run_id for s in stored} == {
        n: s.run_id for n, s in first.steps.items()
    }


def test_a_cached_output_deleted_on_the_server_is_computed_again(
    server_uri: str, journal: str
) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    load = first.steps["load"]
    client = Client(server_uri)
    try:
        client.artifact_repository(load.run_id).delete("outputs")
    finally:
        client.close()
    assert not output_available(load.outputs["output"])

    second = defs.training.run(journal=journal, executor="inline")

    assert second.steps["load"].state is StepState.DONE
    assert "no longer available" in second.steps["load"].cache_reason
    assert defs.executions(journal).count("load") == 2
    assert second.output == first.output


# -- resuming --------------------------------------------------------------------------------


def test_resume_after_a_failed_step_finishes_the_same_run(server_uri: str, journal: str) -> None:
    failed = defs.retrying.run(journal=journal, fail_times=10, executor="inline")
    assert failed.status == "FAILED"
    with open(journal, "a", encoding="utf-8") as stream:
        stream.write("x\n" * 10)  # the step succeeds once the journal is long enough

    resumed = rw.pipelines.resume(failed.run_id)

    assert (resumed.run_id, resumed.status, resumed.output) == (failed.run_id, "FINISHED", "ok")
    assert rw.get_run(failed.run_id).info.status.value == "FINISHED"


def test_resume_keeps_the_steps_that_finished(server_uri: str, journal: str) -> None:
    first = defs.failing.run(journal=journal, executor="local")
    assert first.steps["explode"].state is StepState.FAILED

    resumed = rw.pipelines.resume(first.run_id)

    assert resumed.steps["load"].run_id == first.steps["load"].run_id
    assert resumed.steps["slow_branch"].run_id == first.steps["slow_branch"].run_id
    assert defs.executions(journal).count("load") == 1
    assert defs.executions(journal).count("explode") == 2


def test_a_failed_steps_traceback_is_kept_on_the_server(server_uri: str, journal: str) -> None:
    failed = defs.failing.run(journal=journal, executor="inline")
    client = Client(server_uri)
    try:
        repository = client.artifact_repository(failed.steps["explode"].run_id)
        text = repository.read_bytes("logs/traceback.txt").decode()
    finally:
        client.close()
    assert "boom in explode" in text


# -- lineage -----------------------------------------------------------------------------------


def test_lineage_walks_up_and_down_over_http(server_uri: str, journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    load, pick = result.steps["load"].run_id, result.steps["pick"].run_id
    trains = {result.steps[f"train[{i}]"].run_id for i in range(3)}

    around_train = rw.pipelines.lineage(result.steps["train[0]"].run_id)
    assert around_train.upstream_runs == [load]
    assert around_train.downstream_runs == [pick]
    from_data = rw.pipelines.lineage(result.steps["load"].outputs["output"])
    assert from_data.upstream == ()
    assert set(from_data.downstream_runs) == {*trains, pick}
    assert set(rw.pipelines.lineage(pick).upstream_runs) == {*trains, load}


def test_a_lineage_query_too_big_for_one_request_answers_as_one_query(
    server_uri: str, rest_server: InProcessServer, journal: str
) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    producers = [step.run_id for step in result.steps.values()]
    producers += [f"{i:032x}" for i in range(2500)]  # no such runs: three requests' worth
    remote, direct = Client(server_uri), Client(rest_server.backend_store_uri)
    try:
        over_http = pipeline_store(remote).lineage_edges(producer_run_ids=producers)
        in_the_database = pipeline_store(direct).lineage_edges(producer_run_ids=producers)
    finally:
        remote.close()
        direct.close()
    assert len(over_http) == 6  # load to each train, each train to pick
    assert over_http == in_the_database


# -- the CLI -----------------------------------------------------------------------------------


def _cli(server_uri: str, *args: str) -> str:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli_app, ["--tracking-uri", server_uri, *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_cli_runs_lists_and_shows_pipelines_over_http(server_uri: str, journal: str) -> None:
    pipeline = "tests.integration.pipelines.defs:training"
    params = ("-p", f"journal={journal}", "-p", "n=4")
    _cli(server_uri, "run", pipeline, *params, "-x", "inline")
    ran = _cli(server_uri, "run", pipeline, *params, "-x", "local")

    listed = json.loads(_cli(server_uri, "pipelines", "list", "--json"))
    assert [view["status"] for view in listed] == ["FINISHED", "FINISHED"]
    newest = listed[0]["run_id"]
    assert f"Pipeline run {newest} FINISHED" in ran
    shown = json.loads(_cli(server_uri, "pipelines", "show", newest, "--json"))
    steps = {step["node_id"]: step for step in shown["steps"]}
    assert list(steps) == ["load", "train[0]", "train[1]", "train[2]", "pick"]
    assert {step["status"] for step in steps.values()} == {"cached"}
    assert all(s["cache"]["explanation"].startswith("hit (from run ") for s in steps.values())
    assert newest in _cli(server_uri, "pipelines", "show", newest)


def test_a_pipeline_run_by_another_process_reuses_this_ones_steps(
    server_uri: str, tmp_path: Path
) -> None:
    (tmp_path / "flows.py").write_text(SUBPROCESS_PIPELINE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNWRIGHT_")}
    env["RUNWRIGHT_TRACKING_URI"] = server_uri

    def runwright(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "runwright", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    runwright("run", "flows.py:training", "-x", "local")
    ran = runwright("run", "flows.py:training", "-x", "inline")

    first, second = json.loads(_cli(server_uri, "pipelines", "list", "--json"))[::-1]
    assert f"Pipeline run {second['run_id']} FINISHED" in ran
    steps = json.loads(_cli(server_uri, "pipelines", "show", second["run_id"], "--json"))
    earlier = json.loads(_cli(server_uri, "pipelines", "show", first["run_id"], "--json"))
    assert {s["status"] for s in steps["steps"]} == {"cached"}
    assert [s["cache"]["cached_from_run_id"] for s in steps["steps"]] == [
        s["run_id"] for s in earlier["steps"]
    ]


# -- bad requests ------------------------------------------------------------------------------

ABSENT = "0123456789abcdef0123456789abcdef"
INVALID = "INVALID_PARAMETER_VALUE"
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
STEP = {
    "run_name": "n",
    "start_time": 1,
    "node_id": "n",
    "step_name": "fn",
    "cache_key": "k",
    "cache_status": "miss",
}
OUTPUT = {
    "name": "output",
    "uri": "/x/output.json",
    "serializer": "json",
    "content_hash": "c" * 64,
    "size": 1,
    "producer_run_id": ABSENT,
}


@pytest.fixture
def pipeline_run_id(server_uri: str) -> str:
    client = Client(server_uri)
    try:
        return pipeline_store(client).create_pipeline_run(
            experiment_id="0",
            run_name="p",
            user_id="tester",
            start_time=1,
            tags=[Tag("runwright.run.type", "pipeline")],
            params={},
            pipeline_name="p",
            source={},
            parameters_blob=b"\x80\x04N.",
            parameters={},
            graph={"nodes": []},
            options={},
        )
    finally:
        client.close()


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/runs/get?run_id=" + ABSENT, None, 404, NOT_FOUND),
        ("GET", "/steps/get?run_id=" + ABSENT, None, 404, NOT_FOUND),
        ("GET", "/runs/get", None, 400, INVALID),
        ("GET", "/runs/list?max_results=-1", None, 400, INVALID),
        ("POST", "/runs/create", {"run_name": "p"}, 400, INVALID),
        (
            "POST",
            "/journal/start-step",
            {"pipeline_run_id": ABSENT, **STEP},
            404,
            NOT_FOUND,
        ),
        ("POST", "/journal/open", {}, 400, INVALID),
        ("POST", "/journal/open", [1, 2], 400, INVALID),
        ("POST", "/lineage/edges", {"producer_run_ids": "x"}, 400, INVALID),
        ("POST", "/lineage/edges", {"content_hashes": ["c"] * 1001}, 400, INVALID),
    ],
)
def test_bad_requests_answer_4xx_with_an_error_code(
    server_uri: str, method: str, path: str, body: Any, status: int, code: str
) -> None:
    response = httpx.request(method, f"{server_uri}{PIPELINES_API}{path}", json=body)
    assert (response.status_code, response.json()["error_code"]) == (status, code)
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "mentions"),
    [
        ("/journal/start-step", {**STEP, "cache_status": "maybe"}, 400, INVALID, "cache_status"),
        ("/journal/start-step", {**STEP, "start_time": "soon"}, 400, INVALID, "start_time"),
        ("/journal/start-step", {**STEP, "node_id": "n" * 501}, 400, INVALID, "node_id"),
        (
            "/journal/start-step",
            {**STEP, "tags": [{"key": "mlflow.parentRunId", "value": ABSENT}]},
            400,
            INVALID,
            "mlflow.parentRunId",
        ),
        (
            "/journal/finish-step",
            {"run_id": ABSENT, "status": "DONE", "end_time": 2, "attempts": 1},
            400,
            INVALID,
            "status",
        ),
        (
            "/journal/finish-step",
            {"run_id": ABSENT, "status": "FINISHED", "end_time": 2, "attempts": 1},
            404,
            NOT_FOUND,
            ABSENT,
        ),
        (
            "/journal/finish-step",
            {
                "run_id": ABSENT,
                "status": "FINISHED",
                "end_time": 2,
                "attempts": 1,
                "outputs": [OUTPUT, OUTPUT],
            },
            400,
            INVALID,
            "appears twice",
        ),
        ("/journal/checkpoint", {"heartbeat_time": -5}, 400, INVALID, "heartbeat_time"),
    ],
)
def test_bad_journal_calls_answer_4xx_and_record_nothing(
    server_uri: str,
    pipeline_run_id: str,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
    mentions: str,
) -> None:
    sent = {"pipeline_run_id": pipeline_run_id, **body}
    response = httpx.post(f"{server_uri}{PIPELINES_API}{path}", json=sent)
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    assert mentions in response.json()["message"]
    client = Client(server_uri)
    try:
        assert pipeline_store(client).list_steps(pipeline_run_id=pipeline_run_id) == []
    finally:
        client.close()


def test_a_parameters_blob_that_is_not_base64_is_refused(server_uri: str) -> None:
    body = {
        "experiment_id": "0",
        "run_name": "p",
        "user_id": "u",
        "start_time": 1,
        "pipeline_name": "p",
        "parameters_blob": "not base64!",
    }
    response = httpx.post(f"{server_uri}{PIPELINES_API}/runs/create", json=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == INVALID
    assert "parameters_blob" in response.json()["message"]
    assert rw.search_runs(output_format="list") == []
