"""`/api/2.0/runwright/pipelines/*`: the pipeline store over HTTP, for drivers and
readers whose tracking URI is this server.

Reads of pipeline runs, step runs and lineage, and a step journal without state on
the server: each journal call names its pipeline run, opens the journal, makes the
call and closes it, so any worker process of the server can take any call. Opening
and closing costs a connection from the pool and one read of the pipeline run, some
40 µs on SQLite, against a few milliseconds for the request itself: not worth a cache
of open journals. Each call is its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query

from runwright.server.dependencies import PipelineStoreDep
from runwright.server.pipeline_schemas import (
    BeginStep,
    CacheKeyQuery,
    Checkpoint,
    CreatePipelineRun,
    EndPipeline,
    FinishStep,
    JournalCall,
    LineageQuery,
    ListPipelineRuns,
    NodeQuery,
    PipelineRunRef,
    RecordCachedStep,
    StartStep,
    StepRef,
    StepsQuery,
)
from runwright.server.rendering import run_info_json
from runwright.store.pipelines import PipelineStore, StepJournal
from runwright.store.pipelines_json import (
    flat_to_json,
    pipeline_run_to_json,
    step_record_to_json,
)

__all__ = ["router"]

router = APIRouter(prefix="/pipelines", tags=["pipelines"])


@contextmanager
def _journal(store: PipelineStore, call: JournalCall) -> Iterator[StepJournal]:
    journal = store.open_step_journal(pipeline_run_id=call.pipeline_run_id)
    try:
        yield journal
    finally:
        journal.close()


# -- pipeline runs, step runs, lineage ---------------------------------------------------


@router.post("/runs/create")
def create_pipeline_run(body: CreatePipelineRun, store: PipelineStoreDep) -> dict[str, Any]:
    run_id = store.create_pipeline_run(
        experiment_id=body.experiment_id,
        run_name=body.run_name,
        user_id=body.user_id,
        start_time=body.start_time,
        tags=body.tag_entities(),
        params=body.params,
        pipeline_name=body.pipeline_name,
        source=body.source,
        parameters_blob=body.blob(),
        parameters=body.parameters,
        graph=body.graph,
        options=body.options,
    )
    return {"run_id": run_id}


@router.get("/runs/get")
def get_pipeline_run(
    query: Annotated[PipelineRunRef, Query()], store: PipelineStoreDep
) -> dict[str, Any]:
    return {"pipeline_run": pipeline_run_to_json(store.get_pipeline_run(run_id=query.run_id))}


@router.get("/runs/list")
def list_pipeline_runs(
    query: Annotated[ListPipelineRuns, Query()], store: PipelineStoreDep
) -> dict[str, Any]:
    found = store.list_pipeline_runs(
        pipeline_name=query.pipeline_name, max_results=query.max_results
    )
    return {"pipeline_runs": [pipeline_run_to_json(record) for record in found]}


@router.get("/steps/list")
def list_steps(query: Annotated[StepsQuery, Query()], store: PipelineStoreDep) -> dict[str, Any]:
    steps = store.list_steps(pipeline_run_id=query.pipeline_run_id)
    return {"steps": [step_record_to_json(step) for step in steps]}


@router.get("/steps/get")
def get_step(query: Annotated[StepRef, Query()], store: PipelineStoreDep) -> dict[str, Any]:
    return {"step": step_record_to_json(store.get_step(run_id=query.run_id))}


@router.post("/lineage/edges")
def lineage_edges(body: LineageQuery, store: PipelineStoreDep) -> dict[str, Any]:
    edges = store.lineage_edges(
        producer_run_ids=body.producer_run_ids,
        consumer_run_ids=body.consumer_run_ids,
        content_hashes=body.content_hashes,
    )
    return {"edges": [flat_to_json(edge) for edge in edges]}


# -- the step journal of a running pipeline ----------------------------------------------


@router.post("/journal/open")
def open_journal(body: JournalCall, store: PipelineStoreDep) -> dict[str, Any]:
    """Refuses a run that cannot take steps (unknown, not a pipeline, deleted experiment)."""
    with _journal(store, body):
        return {}


@router.post("/journal/start-step")
def start_step(body: StartStep, store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, body) as journal:
        info = journal.start_step(
            run_name=body.run_name,
            start_time=body.start_time,
            tags=body.tag_entities(),
            params=body.params,
            node_id=body.node_id,
            step_name=body.step_name,
            cache_key=body.cache_key,
            cache_status=body.cache_status,
            cache_reason=body.cache_reason,
            cache_components=body.cache_components,
            scheduled=body.scheduled,
        )
    return {"run_info": run_info_json(info)}


@router.post("/journal/begin-step")
def begin_step(body: BeginStep, store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, body) as journal:
        journal.begin_step(run_id=body.run_id, start_time=body.start_time)
    return {}


@router.post("/journal/finish-step")
def finish_step(body: FinishStep, store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, body) as journal:
        journal.finish_step(
            run_id=body.run_id,
            status=body.status,
            end_time=body.end_time,
            attempts=body.attempts,
            outputs=body.output_entities(),
            inputs=body.input_entities(),
            tags=body.tag_entities(),
        )
    return {}


@router.post("/journal/record-cached-step")
def record_cached_step(body: RecordCachedStep, store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, body) as journal:
        run_id = journal.record_cached_step(
            run_name=body.run_name,
            time=body.time,
            tags=body.tag_entities(),
            params=body.params,
            node_id=body.node_id,
            step_name=body.step_name,
            cache_key=body.cache_key,
            cache_reason=body.cache_reason,
            cache_components=body.cache_components,
            cached_from=body.cached_from.entity(),
            inputs=body.input_entities(),
        )
    return {"run_id": run_id}


@router.get("/journal/find-cached-step")
def find_cached_step(
    query: Annotated[CacheKeyQuery, Query()], store: PipelineStoreDep
) -> dict[str, Any]:
    with _journal(store, query) as journal:
        found = journal.find_cached_step(cache_key=query.cache_key)
    return {} if found is None else {"step": step_record_to_json(found)}


@router.get("/journal/previous-step")
def previous_step(query: Annotated[NodeQuery, Query()], store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, query) as journal:
        found = journal.previous_step(node_id=query.node_id)
    return {} if found is None else {"step": step_record_to_json(found)}


@router.post("/journal/checkpoint")
def checkpoint(body: Checkpoint, store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, body) as journal:
        journal.checkpoint(heartbeat_time=body.heartbeat_time)
    return {}


@router.post("/journal/end-pipeline")
def end_pipeline(body: EndPipeline, store: PipelineStoreDep) -> dict[str, Any]:
    with _journal(store, body) as journal:
        journal.end_pipeline(status=body.status, end_time=body.end_time)
    return {}
