"""Starting and resuming pipeline runs: the records around a `Driver`."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from runwright._host import current_user, entry_point, now_ms
from runwright.entities import PARENT_RUN_TAG, RunStatus, Tag
from runwright.entities.pipelines import RUN_TYPE_TAG, StepRecord
from runwright.errors import InvalidArgumentError, InvalidStateError
from runwright.pipelines.executors import Executor, make_executor
from runwright.pipelines.graph import Const
from runwright.pipelines.outputs import RootOpener, output_available
from runwright.pipelines.planner import param_values

if TYPE_CHECKING:
    from runwright.pipelines.driver import StepEvent
    from runwright.pipelines.graph import Graph
    from runwright.pipelines.pipeline import Pipeline
    from runwright.pipelines.result import PipelineResult
    from runwright.store.pipelines import PipelineStore, StepJournal
    from runwright.tracking.client import Client

__all__ = ["pipeline_store", "resume_pipeline_run", "start_pipeline_run"]

PIPELINE_NAME_TAG = "runwright.pipeline"
#: host:pid of the process driving the run, so resume can tell a live driver from a dead one.
DRIVER_TAG = "runwright.pipeline.driver"


def pipeline_store(client: Client) -> PipelineStore:
    from runwright.store.pipelines import PipelineStore

    store = client.store
    if not isinstance(store, PipelineStore):
        raise InvalidArgumentError(
            "pipelines need a tracking store that keeps pipeline runs (a folder, sqlite:///, "
            f"postgresql:// or a Runwright server's http://); {client.tracking_uri!r} is "
            f"served by {type(store).__name__}, which does not"
        )
    return store


def _absolute(uri: str) -> str:
    """Worker processes may start elsewhere (Ray's do): make a relative database path absolute."""
    if "://" not in uri:
        return os.path.abspath(uri)
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + os.path.abspath(uri[len("sqlite:///") :])
    return uri


@contextmanager
def client_for(tracking_uri: str | None) -> Iterator[Client]:
    """The fluent API's client (the URI in force), or one of its own for an explicit
    URI, closed afterwards."""
    from runwright.tracking import fluent

    if tracking_uri is None:
        yield fluent._get_client()
        return
    from runwright.tracking.client import Client

    client = Client(tracking_uri)
    try:
        yield client
    finally:
        client.close()


def _driver_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _refuse_if_driver_alive(client: Client, run_id: str) -> None:
    """Two drivers on one run would both run its steps: resume only a run whose driver
    is gone (its process is dead here, or its heartbeat is stale elsewhere)."""
    run = client.get_run(run_id)
    if run.info.status is not RunStatus.RUNNING:
        return
    host, _, pid = run.data.tags.get(DRIVER_TAG, "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        alive = f"its driver (process {pid}) is still running"
    else:
        now = now_ms()
        threshold = int(client.settings.stale_after * 1000)
        if run.info.is_stale(now_ms=now, threshold_ms=threshold):
            return
        alive = (
            f"its driver on {host or 'another machine'} sent a heartbeat less than "
            f"{client.settings.stale_after:g} s ago"
        )
    raise InvalidStateError(
        f"pipeline run {run_id} is still running ({alive}); resume it once that driver has stopped"
    )


def _experiment_id(client: Client, experiment: str | None) -> str:
    from runwright.tracking import fluent

    if experiment is None:
        return fluent._current_experiment_id(None)
    found = client.get_experiment_by_name(experiment)
    return found.experiment_id if found is not None else client.create_experiment(experiment)


def _executor(
    executor: str | Executor, ray_address: str | None, max_workers: int | None
) -> Executor:
    options: dict[str, Any] = {}
    if executor == "ray" and ray_address is not None:
        options["address"] = ray_address
    if executor == "local" and max_workers is not None:
        options["max_workers"] = max_workers
    return make_executor(executor, **options)


def start_pipeline_run(
    pipeline: Pipeline,
    params: Mapping[str, Any],
    *,
    executor: str | Executor,
    cache: bool,
    fail_fast: bool,
    experiment: str | None,
    tracking_uri: str | None,
    on_event: Callable[[StepEvent], None] | None,
    ray_address: str | None,
    max_workers: int | None,
) -> PipelineResult:
    bound = pipeline.bind(params)
    chosen = _executor(executor, ray_address, max_workers)
    graph = pipeline.trace(bound)
    chosen.prepare(_step_modules(graph))
    try:
        return _record_and_drive(
            pipeline,
            bound,
            graph,
            chosen,
            cache=cache,
            fail_fast=fail_fast,
            experiment=experiment,
            tracking_uri=tracking_uri,
            on_event=on_event,
        )
    finally:
        chosen.close()  # also when setting up the run failed before the driver ran


def _record_and_drive(
    pipeline: Pipeline,
    bound: Mapping[str, Any],
    graph: Graph,
    chosen: Executor,
    *,
    cache: bool,
    fail_fast: bool,
    experiment: str | None,
    tracking_uri: str | None,
    on_event: Callable[[StepEvent], None] | None,
) -> PipelineResult:
    import cloudpickle

    from runwright.pipelines.driver import Driver
    from runwright.tracking import fluent

    with client_for(tracking_uri) as client:
        store = pipeline_store(client)
        tags = [
            Tag(RUN_TYPE_TAG, "pipeline"),
            Tag(PIPELINE_NAME_TAG, pipeline.name),
            Tag("mlflow.runName", pipeline.name),
            Tag("mlflow.user", current_user()),
            Tag("mlflow.source.name", entry_point()),
            Tag("mlflow.source.type", "LOCAL"),
            Tag("runwright.pipeline.executor", chosen.name),
            Tag(DRIVER_TAG, _driver_identity()),
        ]
        parent = fluent.active_run() if tracking_uri is None else None
        if parent is not None:
            tags.append(Tag(PARENT_RUN_TAG, parent.run_id))
        shown = param_values({name: Const(value) for name, value in bound.items()})
        run_id = store.create_pipeline_run(
            experiment_id=_experiment_id(client, experiment),
            run_name=pipeline.name,
            user_id=current_user(),
            start_time=now_ms(),
            tags=tags,
            params=shown,
            pipeline_name=pipeline.name,
            source=pipeline.source,
            parameters_blob=cloudpickle.dumps(bound),
            parameters=shown,
            graph=graph.to_json(),
            options={"cache": cache, "fail_fast": fail_fast, "executor": chosen.name},
        )
        with _journal(store, run_id) as journal:
            driver = Driver(
                graph,
                pipeline_run_id=run_id,
                client=client,
                worker_tracking_uri=_absolute(client.tracking_uri),
                journal=journal,
                executor=chosen,
                cache=cache,
                fail_fast=fail_fast,
                on_event=on_event,
            )
            return driver.run()


def resume_pipeline_run(
    run_id: str,
    *,
    executor: str | Executor | None = None,
    tracking_uri: str | None = None,
    on_event: Callable[[StepEvent], None] | None = None,
    ray_address: str | None = None,
    max_workers: int | None = None,
) -> PipelineResult:
    """Finish a failed or killed pipeline run under the same run id: steps that finished
    keep their results; the rest run again."""
    import cloudpickle

    from runwright.pipelines.driver import Driver
    from runwright.pipelines.loading import import_pipeline

    with client_for(tracking_uri) as client:
        store = pipeline_store(client)
        record = store.get_pipeline_run(run_id=run_id)
        _refuse_if_driver_alive(client, run_id)
        pipeline = import_pipeline(record.source)
        graph = pipeline.trace(cloudpickle.loads(record.parameters_blob))
        stored_nodes = [node["id"] for node in record.graph.get("nodes", [])]
        if list(graph.nodes) != stored_nodes:
            raise InvalidArgumentError(
                f"cannot resume pipeline run {run_id}: pipeline {pipeline.name!r} now builds a "
                "different graph than when the run started (its steps or their order changed); "
                "start a new run instead"
            )
        options = record.options
        chosen = _executor(
            executor or str(options.get("executor", "local")), ray_address, max_workers
        )
        chosen.prepare(_step_modules(graph))
        try:
            with _journal(store, run_id) as journal:
                driver = Driver(
                    graph,
                    pipeline_run_id=run_id,
                    client=client,
                    worker_tracking_uri=_absolute(client.tracking_uri),
                    journal=journal,
                    executor=chosen,
                    cache=bool(options.get("cache", True)),
                    fail_fast=bool(options.get("fail_fast", False)),
                    on_event=on_event,
                    completed=_completed_steps(
                        store, journal, open_root=client.store.artifact_repository
                    ),
                )
                if record.status == RunStatus.FINISHED.value and driver.settled:
                    return driver.result(RunStatus.FINISHED)
                client.update_run(run_id, status=RunStatus.RUNNING)
                client.set_tag(run_id, DRIVER_TAG, _driver_identity())
                return driver.run()
        finally:
            chosen.close()


def _step_modules(graph: Graph) -> list[str]:
    """Importable modules defining the graph's steps (a script run as __main__ is not)."""
    found = {node.step.fn.__module__ for node in graph.nodes.values()}
    return sorted(name for name in found if name and name != "__main__")


@contextmanager
def _journal(store: PipelineStore, run_id: str) -> Iterator[StepJournal]:
    journal = store.open_step_journal(pipeline_run_id=run_id)
    try:
        yield journal
    finally:
        journal.close()


def _completed_steps(
    store: PipelineStore, journal: StepJournal, *, open_root: RootOpener
) -> dict[str, StepRecord]:
    """The steps a resumed run may keep: those that finished with their outputs still
    on disk (the driver keeps one only if it keeps everything upstream of it too: a
    step computed again may give another value). Steps left running by the dead
    driver are marked KILLED."""
    completed: dict[str, StepRecord] = {}
    for step in store.list_steps(pipeline_run_id=journal.pipeline_run_id):
        if step.status == RunStatus.FINISHED.value:
            if all(output_available(ref, open_root=open_root) for ref in step.outputs.values()):
                completed[step.node_id] = step
        elif step.status in (RunStatus.RUNNING.value, RunStatus.SCHEDULED.value):
            journal.finish_step(
                run_id=step.run_id,
                status=RunStatus.KILLED,
                end_time=now_ms(),
                attempts=step.attempts,
                outputs=[],
                inputs=[],
                tags=[Tag("runwright.step.error", "its pipeline driver stopped before it ended")],
            )
    return completed
