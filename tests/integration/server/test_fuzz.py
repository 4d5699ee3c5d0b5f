"""Schemathesis over the server's own OpenAPI document, in-process through ASGI, on
SQLite and on PostgreSQL: no request it generates, fitting the schema or not, gets a
5xx, and every 4xx from the MLflow API has MLflow's error body.

Every operation gets a bounded number of examples in each generation mode; the
/ajax-api twins of /api operations run the same handlers, so they get a few. Half of
the requests that name a run, an experiment or a pipeline run name one that exists,
so the fuzzing reaches past "not found" into the store.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.python import asgi

import runwright as rw
from runwright.pipelines.session import pipeline_store
from runwright.server import ServerConfig, create_app
from runwright.settings import Settings

EXAMPLES = 10
TWIN_EXAMPLES = 1
ERROR_PREFIXES = ("/api/", "/ajax-api/")


@dataclass(frozen=True)
class KnownIds:
    experiment_id: str
    run_id: str
    pipeline_run_id: str


@dataclass
class Findings:
    problems: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: int = 0

    def add(self, case: Case, problem: str) -> None:
        key = (case.operation.label, problem.splitlines()[0][:120])
        if key not in self.problems:
            self.problems[key] = f"{case.operation.label}: {problem}\n    {_curl(case)}"


@pytest.fixture(params=["sqlite", "postgres"])
def backend_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "store")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def known_ids(backend_uri: str, tmp_path: Path) -> KnownIds:
    client = rw.Client(backend_uri, settings=_settings(tmp_path))
    try:
        experiment_id = client.create_experiment("fuzzed")
        run = client.create_run(experiment_id)
        client.log_batch(
            run.info.run_id,
            metrics=[rw.Metric("loss", 0.5, 1, 0)],
            params=[rw.Param("lr", "0.1")],
            tags=[rw.Tag("team", "a")],
        )
        pipeline_run_id = pipeline_store(client).create_pipeline_run(
            experiment_id=experiment_id,
            run_name="fuzzed",
            user_id="fuzzer",
            start_time=1,
            tags=[],
            params={},
            pipeline_name="fuzzed",
            source={},
            parameters_blob=b"",
            parameters={},
            graph={"nodes": []},
            options={},
        )
        return KnownIds(experiment_id, run.info.run_id, pipeline_run_id)
    finally:
        client.close()


@pytest.fixture
def schema(backend_uri: str, tmp_path: Path) -> Iterator[Any]:
    app = create_app(
        ServerConfig(backend_store_uri=backend_uri, artifacts_destination=str(tmp_path / "art"))
    )
    # Loading the document starts the app's lifespan (and so its store) in schemathesis's
    # event loop thread; it runs until shut down here.
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    try:
        yield loaded
    finally:
        asgi.shutdown_lifespans()


def test_no_generated_request_gets_a_server_error(schema: Any, known_ids: KnownIds) -> None:
    findings = Findings()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        examples = TWIN_EXAMPLES if operation.path.startswith("/ajax-api/") else EXAMPLES
        for mode in _modes(operation):
            _fuzz(operation, mode, examples, known_ids, findings)

    report = "\n".join(findings.problems.values())
    assert not findings.problems, f"{len(findings.problems)} problems:\n{report}"
    assert findings.requests > len(operations) * EXAMPLES // 2


def _modes(operation: Any) -> list[GenerationMode]:
    # A path parameter is text whatever is generated for it, so invalid data only
    # exists for a query string or a body.
    if operation.query or operation.body:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def _fuzz(
    operation: Any, mode: GenerationMode, examples: int, ids: KnownIds, findings: Findings
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # Collect every finding instead of stopping at the first: no shrinking.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def check(case: Case, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="use known ids"):
            _use_known_ids(case, ids)
        findings.requests += 1
        try:
            response = case.call()
        except Exception as exc:  # the app raised: Starlette re-raises after its 500
            findings.add(case, f"raised {type(exc).__name__}: {exc}")
            return
        problem = _problem(case, response.status_code, response.content)
        if problem:
            findings.add(case, problem)

    with contextlib.suppress(Unsatisfiable):  # an operation without parameters
        check()


def _use_known_ids(case: Case, ids: KnownIds) -> None:
    for container in (case.query, case.body):
        if not isinstance(container, dict):
            continue
        for key in ("run_id", "run_uuid"):
            if key in container:
                container[key] = ids.run_id
        if "experiment_id" in container:
            container["experiment_id"] = ids.experiment_id
        if "experiment_ids" in container:
            container["experiment_ids"] = [ids.experiment_id]
        if "pipeline_run_id" in container:
            container["pipeline_run_id"] = ids.pipeline_run_id


def _problem(case: Case, status: int, content: bytes) -> str | None:
    if status >= 500:
        return f"{status} {content[:200]!r}"
    if 400 <= status < 500 and case.operation.path.startswith(ERROR_PREFIXES):
        try:
            body = json.loads(content)
        except ValueError:
            return f"{status} with a body that is not JSON: {content[:200]!r}"
        if not isinstance(body, dict) or not {"error_code", "message"} <= body.keys():
            return f"{status} without MLflow's error body: {content[:200]!r}"
    return None


def _curl(case: Case) -> str:
    try:
        return str(case.as_curl_command())
    except Exception as exc:
        return f"(no curl command: {exc})"


def _settings(tmp_path: Path) -> Settings:
    return Settings().with_overrides(artifacts_uri=str(tmp_path / "client-artifacts"))
