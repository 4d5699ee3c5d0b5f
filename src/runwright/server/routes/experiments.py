"""`/mlflow/experiments/*`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from runwright.errors import NotFoundError
from runwright.server.dependencies import ClientDep
from runwright.server.rendering import experiment_json
from runwright.server.schemas import (
    CreateExperiment,
    DeleteExperimentTag,
    ExperimentByName,
    ExperimentRef,
    SearchExperiments,
    SetExperimentTag,
    UpdateExperiment,
)

router = APIRouter(prefix="/experiments", tags=["experiments"])


@router.post("/create")
def create_experiment(body: CreateExperiment, client: ClientDep) -> dict[str, Any]:
    tags = {t.key: t.value for t in body.tags}
    experiment_id = client.create_experiment(body.name, body.artifact_location or None, tags)
    return {"experiment_id": experiment_id}


@router.get("/get")
def get_experiment(query: Annotated[ExperimentRef, Query()], client: ClientDep) -> dict[str, Any]:
    return {"experiment": experiment_json(client.get_experiment(query.experiment_id))}


@router.get("/get-by-name")
def get_experiment_by_name(
    query: Annotated[ExperimentByName, Query()], client: ClientDep
) -> dict[str, Any]:
    experiment = client.get_experiment_by_name(query.experiment_name)
    if experiment is None:
        raise NotFoundError(f"Could not find experiment with name '{query.experiment_name}'")
    return {"experiment": experiment_json(experiment)}


def _search(request: SearchExperiments, client: ClientDep) -> dict[str, Any]:
    page = client.search_experiments(
        request.view_type or "ACTIVE_ONLY",
        request.max_results,
        request.filter,
        request.order_by,
        request.page_token or None,
    )
    response: dict[str, Any] = {"experiments": [experiment_json(e) for e in page]}
    if page.token:
        response["next_page_token"] = page.token
    return response


@router.post("/search")
def search_experiments(body: SearchExperiments, client: ClientDep) -> dict[str, Any]:
    return _search(body, client)


@router.get("/search", name="search_experiments_get")
def search_experiments_get(
    query: Annotated[SearchExperiments, Query()], client: ClientDep
) -> dict[str, Any]:
    return _search(query, client)


@router.post("/update")
def update_experiment(body: UpdateExperiment, client: ClientDep) -> dict[str, Any]:
    if body.new_name:
        client.rename_experiment(body.experiment_id, body.new_name)
    return {}


@router.post("/delete")
def delete_experiment(body: ExperimentRef, client: ClientDep) -> dict[str, Any]:
    client.delete_experiment(body.experiment_id)
    return {}


@router.post("/restore")
def restore_experiment(body: ExperimentRef, client: ClientDep) -> dict[str, Any]:
    client.restore_experiment(body.experiment_id)
    return {}


@router.post("/set-experiment-tag")
def set_experiment_tag(body: SetExperimentTag, client: ClientDep) -> dict[str, Any]:
    client.set_experiment_tag(body.experiment_id, body.key, body.value)
    return {}


@router.post("/delete-experiment-tag")
def delete_experiment_tag(body: DeleteExperimentTag, client: ClientDep) -> dict[str, Any]:
    client.delete_experiment_tag(body.experiment_id, body.key)
    return {}
