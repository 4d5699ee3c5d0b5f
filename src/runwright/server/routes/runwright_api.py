"""`/api/2.0/runwright/*`: what Runwright's own REST store needs and MLflow has no
endpoint for — heartbeats of running runs, metrics logged on a logged model without a
run, and garbage collection (listing deleted runs and logged models, purging runs,
logged models and experiments for good).

Purging refuses anything not deleted first: over the network an irreversible call
should not be one typo away from an active run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from runwright._host import now_ms
from runwright.entities import LifecycleStage
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.server.dependencies import ClientDep
from runwright.server.logged_models_json import LogLoggedModelMetrics, logged_model_json
from runwright.server.rendering import run_info_json
from runwright.tracking.logged_models import LoggedModels

__all__ = ["MAX_IDS_PER_REQUEST", "router"]

router = APIRouter(tags=["runwright"])

MAX_IDS_PER_REQUEST = 1000


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Heartbeat(_Request):
    run_ids: list[str] = Field(max_length=MAX_IDS_PER_REQUEST)
    #: Milliseconds since the epoch on the caller's clock; the server's when left out.
    time: int | None = Field(default=None, ge=0, le=2**63 - 1)


class ListDeletedRuns(_Request):
    #: Only runs deleted before this time (ms since the epoch).
    deleted_before: int | None = None


class PurgeRuns(_Request):
    run_ids: list[str] = Field(max_length=MAX_IDS_PER_REQUEST)


class PurgeExperiment(_Request):
    experiment_id: str


class ListDeletedLoggedModels(_Request):
    #: Only models deleted before this time (ms since the epoch).
    deleted_before: int | None = Field(default=None, ge=-(2**63), le=2**63 - 1)


class PurgeLoggedModels(_Request):
    model_ids: list[str] = Field(max_length=MAX_IDS_PER_REQUEST)


@router.post("/runs/heartbeat")
def record_heartbeat(body: Heartbeat, client: ClientDep) -> dict[str, Any]:
    now = now_ms() if body.time is None else body.time
    client.store.record_heartbeat(run_ids=body.run_ids, time=now)
    return {}


@router.get("/runs/list-deleted")
def list_deleted_runs(
    query: Annotated[ListDeletedRuns, Query()], client: ClientDep
) -> dict[str, Any]:
    infos = client.store.list_deleted_runs(deleted_before=query.deleted_before)
    return {"run_infos": [run_info_json(info) for info in infos]}


@router.post("/runs/purge")
def purge_runs(body: PurgeRuns, client: ClientDep) -> dict[str, Any]:
    present = []
    for run_id in body.run_ids:
        try:
            info = client.get_run(run_id).info
        except NotFoundError:
            continue  # already purged: purging is idempotent
        if info.lifecycle_stage is not LifecycleStage.DELETED:
            raise InvalidArgumentError(f"run {run_id} is not deleted; delete it first")
        present.append(run_id)
    if present:
        client.store.purge_runs(run_ids=present)
    return {}


@router.post("/experiments/purge")
def purge_experiment(body: PurgeExperiment, client: ClientDep) -> dict[str, Any]:
    experiment = client.get_experiment(body.experiment_id)
    if experiment.lifecycle_stage is not LifecycleStage.DELETED:
        raise InvalidArgumentError(
            f"experiment {body.experiment_id} is not deleted; delete it first"
        )
    client.store.purge_experiment(experiment_id=body.experiment_id)
    return {}


@router.post("/logged-models/log-metrics")
def log_logged_model_metrics(body: LogLoggedModelMetrics, client: ClientDep) -> dict[str, Any]:
    LoggedModels(client).log_logged_model_metrics(body.model_id, body.metric_entities())
    return {}


@router.get("/logged-models/list-deleted")
def list_deleted_logged_models(
    query: Annotated[ListDeletedLoggedModels, Query()], client: ClientDep
) -> dict[str, Any]:
    store = LoggedModels(client).store
    found = store.list_deleted_logged_models(deleted_before=query.deleted_before)
    return {"models": [logged_model_json(model) for model in found]}


@router.post("/logged-models/purge")
def purge_logged_models(body: PurgeLoggedModels, client: ClientDep) -> dict[str, Any]:
    models = LoggedModels(client)
    present = []
    for model_id in body.model_ids:
        try:
            model = models.get_logged_model(model_id, allow_deleted=True)
        except NotFoundError:
            continue  # already purged: purging is idempotent
        if model.lifecycle_stage is not LifecycleStage.DELETED:
            raise InvalidArgumentError(f"logged model {model_id} is not deleted; delete it first")
        present.append(model_id)
    if present:
        models.store.purge_logged_models(model_ids=present)
    return {}
