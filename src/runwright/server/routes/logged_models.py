"""`/mlflow/logged-models*` and `/mlflow/runs/outputs`: what MLflow 3's `log_model`,
`load_model("models:/<model_id>")` and `search_logged_models` call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from runwright.server.dependencies import ClientDep
from runwright.server.logged_models_json import (
    CreateLoggedModel,
    FinalizeLoggedModel,
    ListLoggedModelArtifacts,
    LogLoggedModelParams,
    LogOutputs,
    SearchLoggedModels,
    SetLoggedModelTags,
    logged_model_json,
)
from runwright.server.rendering import file_info_json
from runwright.tracking.logged_models import DEFAULT_SEARCH_RESULTS, LoggedModels

__all__ = ["router"]

router = APIRouter(tags=["logged models"])


def _service(client: ClientDep) -> LoggedModels:
    return LoggedModels(client)


LoggedModelsDep = Annotated[LoggedModels, Depends(_service)]


@router.post("/logged-models")
def create_logged_model(body: CreateLoggedModel, models: LoggedModelsDep) -> dict[str, Any]:
    model = models.create_logged_model(
        body.experiment_id,
        body.name or None,
        model_type=body.model_type,
        source_run_id=body.source_run_id or None,
        params={p.key: p.value for p in body.params},
        tags={t.key: t.value for t in body.tags},
    )
    return {"model": logged_model_json(model)}


@router.post("/logged-models/search")
def search_logged_models(body: SearchLoggedModels, models: LoggedModelsDep) -> dict[str, Any]:
    page = models.search_logged_models(
        body.experiment_ids,
        body.filter or None,
        datasets=body.dataset_entities(),
        max_results=body.max_results or DEFAULT_SEARCH_RESULTS,
        order_by=body.order_entities(),
        page_token=body.page_token or None,
    )
    response: dict[str, Any] = {"models": [logged_model_json(m) for m in page]}
    if page.token:
        response["next_page_token"] = page.token
    return response


@router.get("/logged-models/{model_id}")
def get_logged_model(
    model_id: str, models: LoggedModelsDep, allow_deleted: bool = False
) -> dict[str, Any]:
    return {
        "model": logged_model_json(models.get_logged_model(model_id, allow_deleted=allow_deleted))
    }


@router.patch("/logged-models/{model_id}")
def finalize_logged_model(
    model_id: str, body: FinalizeLoggedModel, models: LoggedModelsDep
) -> dict[str, Any]:
    return {"model": logged_model_json(models.finalize_logged_model(model_id, body.status))}


@router.delete("/logged-models/{model_id}")
def delete_logged_model(model_id: str, models: LoggedModelsDep) -> dict[str, Any]:
    models.delete_logged_model(model_id)
    return {}


@router.patch("/logged-models/{model_id}/tags")
def set_logged_model_tags(
    model_id: str, body: SetLoggedModelTags, models: LoggedModelsDep
) -> dict[str, Any]:
    models.set_logged_model_tags(model_id, {t.key: t.value for t in body.tags})
    return {}


@router.delete("/logged-models/{model_id}/tags/{tag_key:path}")
def delete_logged_model_tag(model_id: str, tag_key: str, models: LoggedModelsDep) -> dict[str, Any]:
    models.delete_logged_model_tag(model_id, tag_key)
    return {}


@router.post("/logged-models/{model_id}/params")
def log_logged_model_params(
    model_id: str, body: LogLoggedModelParams, models: LoggedModelsDep
) -> dict[str, Any]:
    models.log_logged_model_params(model_id, {p.key: p.value for p in body.params})
    return {}


@router.get("/logged-models/{model_id}/artifacts/directories")
def list_logged_model_artifacts(
    model_id: str,
    query: Annotated[ListLoggedModelArtifacts, Query()],
    models: LoggedModelsDep,
) -> dict[str, Any]:
    model = models.get_logged_model(model_id)
    files = models.list_artifacts(model_id, query.artifact_directory_path or None)
    return {"root_uri": model.artifact_location, "files": [file_info_json(f) for f in files]}


@router.post("/runs/outputs")
def log_outputs(body: LogOutputs, models: LoggedModelsDep) -> dict[str, Any]:
    models.log_outputs(body.run_id, body.output_entities())
    return {}
