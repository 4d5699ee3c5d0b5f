"""`/mlflow/registered-models/*` and `/mlflow/model-versions/*`: MLflow's model registry
(what `mlflow.register_model`, `MlflowClient`'s registry calls and `models:/` URIs use),
and `/runwright/registry/*`: the audit history, which MLflow does not have.

Changes are recorded for the request's user: the HTTP Basic user when there is one,
else the `user_id` Runwright's REST store sends, else nobody ("").
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from runwright.registry import Registry
from runwright.server.dependencies import ClientDep
from runwright.server.registry_json import (
    AliasAt,
    CreateModelVersion,
    CreateRegisteredModel,
    DeleteModelVersion,
    DeleteModelVersionTag,
    DeleteRegisteredModel,
    DeleteRegisteredModelAlias,
    DeleteRegisteredModelTag,
    GetLatestVersions,
    GetModelVersion,
    GetModelVersionByAlias,
    GetRegisteredModel,
    History,
    RenameRegisteredModel,
    SearchModelVersions,
    SearchRegisteredModels,
    SetModelVersionTag,
    SetRegisteredModelAlias,
    SetRegisteredModelTag,
    TransitionModelVersionStage,
    UpdateModelVersion,
    UpdateRegisteredModel,
    WriteRequest,
    event_json,
    model_version_json,
    registered_model_json,
)

__all__ = ["extension_router", "router"]

router = APIRouter(tags=["model registry"])
extension_router = APIRouter(prefix="/registry", tags=["model registry"])


def _basic_auth_user(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not credentials:
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _ = decoded.partition(":")
    return user or None


class _Writer:
    """The registry acting for the request's user."""

    def __init__(self, request: Request, client: ClientDep) -> None:
        self._authenticated = _basic_auth_user(request)
        self._client = client

    def __call__(self, body: WriteRequest) -> Registry:
        return Registry(self._client, user=self._authenticated or body.user_id or "")


def _reader(client: ClientDep) -> Registry:
    return Registry(client, user="")


WriterDep = Annotated[_Writer, Depends()]
ReaderDep = Annotated[Registry, Depends(_reader)]


def _page(key: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {key: items}
    if token:
        response["next_page_token"] = token
    return response


# -- registered models -------------------------------------------------------------------


@router.post("/registered-models/create")
def create_registered_model(body: CreateRegisteredModel, writer: WriterDep) -> dict[str, Any]:
    model = writer(body).create_registered_model(
        body.name, {t.key: t.value for t in body.tags}, body.description
    )
    return {"registered_model": registered_model_json(model)}


@router.get("/registered-models/get")
def get_registered_model(
    query: Annotated[GetRegisteredModel, Query()], registry: ReaderDep
) -> dict[str, Any]:
    return {"registered_model": registered_model_json(registry.get_registered_model(query.name))}


@router.post("/registered-models/rename")
def rename_registered_model(body: RenameRegisteredModel, writer: WriterDep) -> dict[str, Any]:
    model = writer(body).rename_registered_model(body.name, body.new_name or "")
    return {"registered_model": registered_model_json(model)}


@router.patch("/registered-models/update")
def update_registered_model(body: UpdateRegisteredModel, writer: WriterDep) -> dict[str, Any]:
    model = writer(body).update_registered_model(body.name, body.description)
    return {"registered_model": registered_model_json(model)}


@router.delete("/registered-models/delete")
def delete_registered_model(body: DeleteRegisteredModel, writer: WriterDep) -> dict[str, Any]:
    writer(body).delete_registered_model(body.name)
    return {}


@router.get("/registered-models/search")
def search_registered_models(
    query: Annotated[SearchRegisteredModels, Query()], registry: ReaderDep
) -> dict[str, Any]:
    page = registry.search_registered_models(
        query.filter, query.max_results, query.order_by, query.page_token
    )
    return _page("registered_models", [registered_model_json(m) for m in page], page.token)


def _latest(request: GetLatestVersions, registry: Registry) -> dict[str, Any]:
    found = registry.get_latest_versions(request.name, request.stages)
    return {"model_versions": [model_version_json(v) for v in found]}


@router.post("/registered-models/get-latest-versions")
def get_latest_versions(body: GetLatestVersions, registry: ReaderDep) -> dict[str, Any]:
    return _latest(body, registry)


@router.get("/registered-models/get-latest-versions", name="get_latest_versions_get")
def get_latest_versions_get(
    query: Annotated[GetLatestVersions, Query()], registry: ReaderDep
) -> dict[str, Any]:
    return _latest(query, registry)


@router.post("/registered-models/set-tag")
def set_registered_model_tag(body: SetRegisteredModelTag, writer: WriterDep) -> dict[str, Any]:
    writer(body).set_registered_model_tag(body.name, body.key, body.value)
    return {}


@router.delete("/registered-models/delete-tag")
def delete_registered_model_tag(
    body: DeleteRegisteredModelTag, writer: WriterDep
) -> dict[str, Any]:
    writer(body).delete_registered_model_tag(body.name, body.key)
    return {}


# -- aliases -----------------------------------------------------------------------------


@router.post("/registered-models/alias")
def set_registered_model_alias(body: SetRegisteredModelAlias, writer: WriterDep) -> dict[str, Any]:
    writer(body).set_registered_model_alias(body.name, body.alias, body.version)
    return {}


@router.delete("/registered-models/alias")
def delete_registered_model_alias(
    body: DeleteRegisteredModelAlias, writer: WriterDep
) -> dict[str, Any]:
    writer(body).delete_registered_model_alias(body.name, body.alias)
    return {}


@router.get("/registered-models/alias")
def get_model_version_by_alias(
    query: Annotated[GetModelVersionByAlias, Query()], registry: ReaderDep
) -> dict[str, Any]:
    version = registry.get_model_version_by_alias(query.name, query.alias)
    return {"model_version": model_version_json(version)}


# -- versions ----------------------------------------------------------------------------


@router.post("/model-versions/create")
def create_model_version(body: CreateModelVersion, writer: WriterDep) -> dict[str, Any]:
    version = writer(body).create_model_version(
        body.name,
        body.source,
        run_id=body.run_id,
        tags={t.key: t.value for t in body.tags},
        run_link=body.run_link,
        description=body.description,
        model_id=body.model_id,
    )
    return {"model_version": model_version_json(version)}


@router.get("/model-versions/get")
def get_model_version(
    query: Annotated[GetModelVersion, Query()], registry: ReaderDep
) -> dict[str, Any]:
    version = registry.get_model_version(query.name, query.version)
    return {"model_version": model_version_json(version)}


@router.patch("/model-versions/update")
def update_model_version(body: UpdateModelVersion, writer: WriterDep) -> dict[str, Any]:
    version = writer(body).update_model_version(body.name, body.version, body.description)
    return {"model_version": model_version_json(version)}


@router.delete("/model-versions/delete")
def delete_model_version(body: DeleteModelVersion, writer: WriterDep) -> dict[str, Any]:
    writer(body).delete_model_version(body.name, body.version)
    return {}


@router.post("/model-versions/transition-stage")
def transition_model_version_stage(
    body: TransitionModelVersionStage, writer: WriterDep
) -> dict[str, Any]:
    version = writer(body).transition_model_version_stage(
        body.name, body.version, body.stage, body.archive_existing_versions
    )
    return {"model_version": model_version_json(version)}


@router.get("/model-versions/search")
def search_model_versions(
    query: Annotated[SearchModelVersions, Query()], registry: ReaderDep
) -> dict[str, Any]:
    page = registry.search_model_versions(
        query.filter, query.max_results, query.order_by, query.page_token
    )
    return _page("model_versions", [model_version_json(v) for v in page], page.token)


@router.get("/model-versions/get-download-uri")
def get_model_version_download_uri(
    query: Annotated[GetModelVersion, Query()], registry: ReaderDep
) -> dict[str, Any]:
    return {"artifact_uri": registry.get_model_version_download_uri(query.name, query.version)}


@router.post("/model-versions/set-tag")
def set_model_version_tag(body: SetModelVersionTag, writer: WriterDep) -> dict[str, Any]:
    writer(body).set_model_version_tag(body.name, body.version, body.key, body.value)
    return {}


@router.delete("/model-versions/delete-tag")
def delete_model_version_tag(body: DeleteModelVersionTag, writer: WriterDep) -> dict[str, Any]:
    writer(body).delete_model_version_tag(body.name, body.version, body.key)
    return {}


# -- Runwright: the audit history --------------------------------------------------------


@extension_router.get("/history")
def registry_history(query: Annotated[History, Query()], registry: ReaderDep) -> dict[str, Any]:
    events = registry.history(query.name, alias=query.alias, version=query.version)
    return {"events": [event_json(e) for e in events]}


@extension_router.get("/alias-at")
def registry_alias_at(query: Annotated[AliasAt, Query()], registry: ReaderDep) -> dict[str, Any]:
    version = registry.alias_at(query.name, query.alias, query.time)
    return {} if version is None else {"version": version}
