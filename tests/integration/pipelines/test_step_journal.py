"""The step journal: how a pipeline's driver records its steps, on every backend (SQLite,
PostgreSQL, and a tracking server over HTTP); how the SQL journal uses its connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runwright.entities import PARENT_RUN_TAG, RunInfo, RunStatus, Tag
from runwright.entities.pipelines import CacheStatus, OutputRef, StepInput, StepRecord
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.pipelines.session import pipeline_store
from runwright.store.pipelines import PipelineStore, StepJournal
from runwright.tracking.client import Client
from tests.conftest import rw_settings

PIPELINE = "journalled"
COMPONENTS = {"code": {"fn": "abc"}, "inputs": {}, "params": {"x": "1"}}


@pytest.fixture
def sql_client(sql_tracking_uri: str, tmp_path: Path) -> Iterator[Client]:
    created = Client(sql_tracking_uri, settings=rw_settings(artifacts_uri=str(tmp_path / "art")))
    yield created
    created.close()


@pytest.fixture
def store(client: Client) -> PipelineStore:
    return pipeline_store(client)


def _pipeline_run(
    store: PipelineStore, *, pipeline_name: str = PIPELINE, experiment_id: str = "0"
) -> str:
    return store.create_pipeline_run(
        experiment_id=experiment_id,
        run_name=pipeline_name,
        user_id="tester",
        start_time=1_000,
        tags=[Tag("runwright.run.type", "pipeline")],
        params={},
        pipeline_name=pipeline_name,
        source={"module": "m", "file": "f.py", "qualname": pipeline_name},
        parameters_blob=b"",
        parameters={},
        graph={"nodes": []},
        options={},
    )


@pytest.fixture
def pipeline_run_id(store: PipelineStore) -> str:
    return _pipeline_run(store)


@pytest.fixture
def step_journal(store: PipelineStore, pipeline_run_id: str) -> Iterator[StepJournal]:
    opened = store.open_step_journal(pipeline_run_id=pipeline_run_id)
    yield opened
    opened.close()


def _start(
    journal: StepJournal,
    *,
    node_id: str = "n",
    cache_key: str | None = "key-1",
    time: int = 2_000,
    scheduled: bool = False,
) -> RunInfo:
    return journal.start_step(
        run_name=node_id,
        start_time=time,
        tags=[Tag("runwright.step.node", node_id)],
        params={"x": "1"},
        node_id=node_id,
        step_name="fn",
        cache_key=cache_key,
        cache_status=CacheStatus.MISS,
        cache_reason="no earlier run of this step",
        cache_components=COMPONENTS,
        scheduled=scheduled,
    )


def _output(producer_run_id: str, name: str = "output") -> OutputRef:
    return OutputRef(
        name=name,
        uri=f"/nowhere/{producer_run_id}/outputs/{name}.json",
        serializer="json",
        content_hash="c" * 64,
        size=12,
        producer_run_id=producer_run_id,
    )


def _finish(
    journal: StepJournal,
    run_id: str,
    *,
    status: RunStatus = RunStatus.FINISHED,
    end_time: int = 3_000,
    outputs: list[OutputRef] | None = None,
    inputs: list[StepInput] | None = None,
) -> None:
    journal.finish_step(
        run_id=run_id,
        status=status,
        end_time=end_time,
        attempts=2,
        outputs=[_output(run_id)] if outputs is None else outputs,
        inputs=inputs or [],
        tags=[Tag("runwright.step.attempts", "2")],
    )


def _finished_step(journal: StepJournal, *, node_id: str = "n", cache_key: str = "key-1") -> str:
    run_id = _start(journal, node_id=node_id, cache_key=cache_key).run_id
    _finish(journal, run_id)
    return run_id


def _cached_copy(journal: StepJournal, source: StepRecord, *, time: int = 5_000) -> str:
    return journal.record_cached_step(
        run_name=source.node_id,
        time=time,
        tags=[Tag("runwright.cache.status", "hit")],
        params={"x": "1"},
        node_id=source.node_id,
        step_name=source.step_name,
        cache_key=source.cache_key or "",
        cache_reason=f"same code, inputs and parameters as run {source.run_id}",
        cache_components=COMPONENTS,
        cached_from=source,
        inputs=[],
    )


# -- recording steps ---------------------------------------------------------------------


def test_a_started_step_is_a_running_run_nested_in_the_pipeline_run(
    client: Client, step_journal: StepJournal, pipeline_run_id: str
) -> None:
    info = _start(step_journal)
    run = client.get_run(info.run_id)
    assert run.info.status is RunStatus.RUNNING
    assert run.data.tags[PARENT_RUN_TAG] == pipeline_run_id
    assert run.data.params == {"x": "1"}
    assert run.info.artifact_uri == info.artifact_uri


def test_a_queued_step_is_scheduled_until_it_begins_then_runs_from_then(
    client: Client, step_journal: StepJournal
) -> None:
    info = _start(step_journal, scheduled=True)
    assert info.status is RunStatus.SCHEDULED
    assert client.get_run(info.run_id).info.status is RunStatus.SCHEDULED
    step_journal.begin_step(run_id=info.run_id, start_time=2_500)
    began = client.get_run(info.run_id).info
    assert (began.status, began.start_time) == (RunStatus.RUNNING, 2_500)


def test_beginning_an_unknown_step_raises_not_found(step_journal: StepJournal) -> None:
    with pytest.raises(NotFoundError):
        step_journal.begin_step(run_id="f" * 32, start_time=2_500)


def test_a_finished_step_has_its_outputs_inputs_and_tags(
    client: Client, store: PipelineStore, step_journal: StepJournal, pipeline_run_id: str
) -> None:
    upstream = _finished_step(step_journal, node_id="up")
    run_id = _start(step_journal, node_id="down", cache_key="key-2").run_id
    read = StepInput(
        arg="data",
        position=0,
        content_hash="c" * 64,
        producer_run_id=upstream,
        output_name="output",
    )
    _finish(step_journal, run_id, outputs=[_output(run_id)], inputs=[read])

    step = store.get_step(run_id=run_id)
    assert (step.status, step.end_time, step.attempts) == ("FINISHED", 3_000, 2)
    assert step.outputs == {"output": _output(run_id)}
    assert step.inputs == (read,)
    assert (step.pipeline_run_id, step.pipeline_name, step.node_id) == (
        pipeline_run_id,
        PIPELINE,
        "down",
    )
    assert step.cache_components == COMPONENTS
    listed = {s.run_id: s for s in store.list_steps(pipeline_run_id=pipeline_run_id)}
    assert listed[run_id] == step
    run = client.get_run(run_id)
    assert (run.info.status, run.info.end_time) == (RunStatus.FINISHED, 3_000)
    assert run.data.tags["runwright.step.attempts"] == "2"


def test_list_steps_returns_every_step_oldest_first(
    store: PipelineStore, step_journal: StepJournal, pipeline_run_id: str
) -> None:
    first = _start(step_journal, node_id="a", time=2_000).run_id
    second = _start(step_journal, node_id="b", time=2_500).run_id
    steps = store.list_steps(pipeline_run_id=pipeline_run_id)
    assert [(s.run_id, s.status) for s in steps] == [(first, "RUNNING"), (second, "RUNNING")]


def test_finish_step_overwrites_a_tag_it_sets_again(
    client: Client, step_journal: StepJournal
) -> None:
    run_id = _start(step_journal).run_id
    _finish(step_journal, run_id, status=RunStatus.FAILED, outputs=[])
    step_journal.finish_step(
        run_id=run_id,
        status=RunStatus.KILLED,
        end_time=4_000,
        attempts=3,
        outputs=[],
        inputs=[],
        tags=[Tag("runwright.step.attempts", "3")],
    )
    run = client.get_run(run_id)
    assert (run.info.status, run.data.tags["runwright.step.attempts"]) == (RunStatus.KILLED, "3")


def test_finishing_an_unknown_run_raises_and_writes_nothing(
    store: PipelineStore, step_journal: StepJournal
) -> None:
    unknown = "f" * 32
    with pytest.raises(NotFoundError, match=unknown):
        _finish(
            step_journal,
            unknown,
            inputs=[StepInput("data", 0, "d" * 64, "e" * 32, "output")],
        )
    assert store.lineage_edges(consumer_run_ids=[unknown]) == []
    with pytest.raises(NotFoundError):
        store.get_step(run_id=unknown)


def test_finishing_a_run_that_is_not_a_step_raises_and_leaves_the_run_as_it_was(
    client: Client, step_journal: StepJournal
) -> None:
    plain = client.create_run("0", run_name="plain")
    with pytest.raises(NotFoundError, match="not a pipeline step"):
        _finish(step_journal, plain.run_id)
    run = client.get_run(plain.run_id)
    assert (run.info.status, run.info.end_time) == (RunStatus.RUNNING, None)
    assert "runwright.step.attempts" not in run.data.tags


def test_the_journal_writes_again_after_a_refused_finish(
    store: PipelineStore, step_journal: StepJournal
) -> None:
    with pytest.raises(NotFoundError):
        _finish(step_journal, "f" * 32)
    run_id = _finished_step(step_journal)
    assert store.get_step(run_id=run_id).status == "FINISHED"


# -- the cache -----------------------------------------------------------------------------


def test_a_cached_step_is_a_finished_run_pointing_at_its_source_with_its_outputs(
    client: Client, store: PipelineStore, step_journal: StepJournal
) -> None:
    source = store.get_step(run_id=_finished_step(step_journal))
    run_id = _cached_copy(step_journal, source, time=5_000)

    cached = store.get_step(run_id=run_id)
    assert cached.cached_from_run_id == source.run_id
    assert cached.cache_status is CacheStatus.HIT
    assert (cached.status, cached.start_time, cached.end_time) == ("FINISHED", 5_000, 5_000)
    assert cached.outputs == source.outputs
    assert cached.outputs["output"].producer_run_id == source.run_id
    run = client.get_run(run_id)
    assert (run.info.status, run.info.end_time) == (RunStatus.FINISHED, 5_000)


def test_find_cached_step_returns_the_finished_step_with_the_key_and_its_outputs(
    step_journal: StepJournal,
) -> None:
    run_id = _finished_step(step_journal, cache_key="key-1")
    _finished_step(step_journal, cache_key="key-2")
    found = step_journal.find_cached_step(cache_key="key-1")
    assert found is not None
    assert found.run_id == run_id
    assert found.outputs == {"output": _output(run_id)}


def test_find_cached_step_ignores_steps_that_did_not_finish(step_journal: StepJournal) -> None:
    _start(step_journal, node_id="running")
    failed = _start(step_journal, node_id="failed").run_id
    _finish(step_journal, failed, status=RunStatus.FAILED, outputs=[])
    assert step_journal.find_cached_step(cache_key="key-1") is None


def test_find_cached_step_ignores_cached_steps(
    store: PipelineStore, step_journal: StepJournal
) -> None:
    source = store.get_step(run_id=_finished_step(step_journal))
    _cached_copy(step_journal, source, time=9_000)  # newer, but only a reuse
    found = step_journal.find_cached_step(cache_key="key-1")
    assert found is not None
    assert found.run_id == source.run_id


def test_find_cached_step_ignores_deleted_runs(
    client: Client, store: PipelineStore, step_journal: StepJournal
) -> None:
    source = store.get_step(run_id=_finished_step(step_journal))
    _cached_copy(step_journal, source)
    client.delete_run(source.run_id)
    assert step_journal.find_cached_step(cache_key="key-1") is None


def test_find_cached_step_prefers_the_newest_finished_step(step_journal: StepJournal) -> None:
    older = _start(step_journal).run_id
    newer = _start(step_journal).run_id
    _finish(step_journal, older, end_time=3_000)
    _finish(step_journal, newer, end_time=4_000)
    found = step_journal.find_cached_step(cache_key="key-1")
    assert found is not None
    assert found.run_id == newer


def test_a_step_of_another_pipeline_run_is_found_in_the_cache(
    store: PipelineStore, step_journal: StepJournal
) -> None:
    run_id = _finished_step(step_journal)
    other = store.open_step_journal(pipeline_run_id=_pipeline_run(store, pipeline_name="other"))
    try:
        found = other.find_cached_step(cache_key="key-1")
    finally:
        other.close()
    assert found is not None
    assert found.run_id == run_id


def test_previous_step_ignores_this_pipeline_runs_own_steps(
    store: PipelineStore, step_journal: StepJournal
) -> None:
    earlier = store.open_step_journal(pipeline_run_id=_pipeline_run(store))
    try:
        before = _finished_step(earlier, node_id="n")
    finally:
        earlier.close()
    _finished_step(step_journal, node_id="n")  # newer, but of this run
    previous = step_journal.previous_step(node_id="n")
    assert previous is not None
    assert previous.run_id == before


def test_previous_step_is_none_when_only_this_run_has_the_node(step_journal: StepJournal) -> None:
    _finished_step(step_journal, node_id="n")
    assert step_journal.previous_step(node_id="n") is None


def test_previous_step_ignores_other_pipelines(
    store: PipelineStore, step_journal: StepJournal
) -> None:
    other = store.open_step_journal(pipeline_run_id=_pipeline_run(store, pipeline_name="other"))
    try:
        _finished_step(other, node_id="n")
    finally:
        other.close()
    assert step_journal.previous_step(node_id="n") is None


# -- opening, checkpoints, the end ------------------------------------------------------


def test_opening_a_journal_for_an_unknown_pipeline_run_raises_not_found(
    store: PipelineStore,
) -> None:
    with pytest.raises(NotFoundError, match="no pipeline run"):
        store.open_step_journal(pipeline_run_id="0" * 32)


def test_opening_a_journal_for_a_run_that_is_not_a_pipeline_raises_not_found(
    client: Client, store: PipelineStore
) -> None:
    plain = client.create_run("0")
    with pytest.raises(NotFoundError, match="no pipeline run"):
        store.open_step_journal(pipeline_run_id=plain.run_id)


def test_opening_a_journal_in_a_deleted_experiment_is_refused(
    client: Client, store: PipelineStore
) -> None:
    experiment_id = client.create_experiment("doomed")
    run_id = _pipeline_run(store, experiment_id=experiment_id)
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidArgumentError, match="deleted"):
        store.open_step_journal(pipeline_run_id=run_id)


def test_a_journal_that_fails_to_open_gives_its_connection_back(sql_client: Client) -> None:
    pool = sql_client.store.database.engine.pool  # type: ignore[attr-defined]
    for _ in range(20):  # more than the pool holds, were each one kept
        with pytest.raises(NotFoundError):
            pipeline_store(sql_client).open_step_journal(pipeline_run_id="0" * 32)
    assert pool.checkedout() == 0


def test_checkpoint_updates_the_pipeline_runs_heartbeat(
    client: Client, step_journal: StepJournal, pipeline_run_id: str
) -> None:
    assert client.get_run(pipeline_run_id).info.heartbeat_time == 1_000
    step_journal.checkpoint(heartbeat_time=987_654_321)
    assert client.get_run(pipeline_run_id).info.heartbeat_time == 987_654_321


def test_checkpoint_leaves_the_steps_heartbeats_alone(
    client: Client, step_journal: StepJournal
) -> None:
    info = _start(step_journal, time=2_000)
    step_journal.checkpoint(heartbeat_time=987_654_321)
    assert client.get_run(info.run_id).info.heartbeat_time == 2_000


def test_end_pipeline_ends_the_pipeline_run(
    client: Client, store: PipelineStore, step_journal: StepJournal, pipeline_run_id: str
) -> None:
    step_journal.end_pipeline(status=RunStatus.FAILED, end_time=7_000)
    info = client.get_run(pipeline_run_id).info
    assert (info.status, info.end_time, info.heartbeat_time) == (RunStatus.FAILED, 7_000, 7_000)
    record = store.get_pipeline_run(run_id=pipeline_run_id)
    assert (record.status, record.end_time) == ("FAILED", 7_000)


def test_end_pipeline_leaves_the_steps_alone(client: Client, step_journal: StepJournal) -> None:
    info = _start(step_journal)
    step_journal.end_pipeline(status=RunStatus.FINISHED, end_time=7_000)
    assert client.get_run(info.run_id).info.status is RunStatus.RUNNING


def test_a_closed_journal_gives_its_connection_back(sql_client: Client) -> None:
    store = pipeline_store(sql_client)
    pipeline_run_id = _pipeline_run(store)
    pool = sql_client.store.database.engine.pool  # type: ignore[attr-defined]
    opened = store.open_step_journal(pipeline_run_id=pipeline_run_id)
    assert pool.checkedout() == 1
    opened.close()
    assert pool.checkedout() == 0
