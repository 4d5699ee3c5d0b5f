"""`/mlflow/runs/*`, `/mlflow/metrics/get-history` and `/mlflow/artifacts/list`.

Every write is synchronous: a 200 means the values are stored."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query

from runwright.entities import (
    Dataset,
    DatasetInput,
    LoggedModelMetric,
    LoggedModelOutput,
    Metric,
    Param,
    Tag,
)
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.server.dependencies import ClientDep
from runwright.server.rendering import file_info_json, metric_json, run_info_json, run_json
from runwright.server.schemas import (
    CreateRun,
    DeleteTag,
    GetHistory,
    ListArtifacts,
    LogBatch,
    LogInputs,
    LogMetric,
    LogModel,
    LogParam,
    MetricIn,
    RunRef,
    SearchRuns,
    SetTag,
    UpdateRun,
)
from runwright.store.logged_models import LoggedModelStore
from runwright.tracking.client import Client
from runwright.tracking.logged_models import LoggedModels, check_model_id

router = APIRouter(tags=["runs"])

# MLflow's limits for one log-batch request.
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_TOTAL = 1000
LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"


@router.post("/runs/create")
def create_run(body: CreateRun, client: ClientDep) -> dict[str, Any]:
    run = client.create_run(
        body.experiment_id,
        start_time=body.start_time,
        tags={t.key: t.value for t in body.tags},
        run_name=body.run_name or None,
        user_id=body.user_id,
    )
    return {"run": run_json(run)}


@router.post("/runs/update")
def update_run(body: UpdateRun, client: ClientDep) -> dict[str, Any]:
    info = client.update_run(
        body.rid, status=body.status, name=body.run_name or None, end_time=body.end_time
    )
    return {"run_info": run_info_json(info)}


@router.post("/runs/delete")
def delete_run(body: RunRef, client: ClientDep) -> dict[str, Any]:
    client.delete_run(body.rid)
    return {}


@router.post("/runs/restore")
def restore_run(body: RunRef, client: ClientDep) -> dict[str, Any]:
    client.restore_run(body.rid)
    return {}


@router.get("/runs/get")
def get_run(query: Annotated[RunRef, Query()], client: ClientDep) -> dict[str, Any]:
    run = client.get_run(query.rid)
    return {"run": run_json(run, _outputs(client, [run.info.run_id])[run.info.run_id])}


@router.post("/runs/search")
def search_runs(body: SearchRuns, client: ClientDep) -> dict[str, Any]:
    page = client.search_runs(
        body.experiment_ids,
        body.filter or None,
        body.run_view_type or "ACTIVE_ONLY",
        body.max_results,
        body.order_by,
        body.page_token or None,
    )
    outputs = _outputs(client, [r.info.run_id for r in page])
    response: dict[str, Any] = {"runs": [run_json(r, outputs[r.info.run_id]) for r in page]}
    if page.token:
        response["next_page_token"] = page.token
    return response


def _outputs(client: Client, run_ids: list[str]) -> dict[str, list[LoggedModelOutput]]:
    """The logged models each run produced, fetched for all the runs at once."""
    store = client.store
    if not isinstance(store, LoggedModelStore):
        return {run_id: [] for run_id in run_ids}
    return store.get_run_outputs(run_ids=run_ids)


@router.post("/runs/log-metric")
def log_metric(body: LogMetric, client: ClientDep) -> dict[str, Any]:
    client.log_batch(body.rid, metrics=[Metric(body.key, body.value, body.timestamp, body.step)])
    _log_model_metrics(client, body.rid, [body])
    return {}


@router.post("/runs/log-parameter")
def log_parameter(body: LogParam, client: ClientDep) -> dict[str, Any]:
    client.log_batch(body.rid, params=[Param(body.key, body.value)])
    return {}


@router.post("/runs/set-tag")
def set_tag(body: SetTag, client: ClientDep) -> dict[str, Any]:
    client.log_batch(body.rid, tags=[Tag(body.key, body.value)])
    return {}


@router.post("/runs/delete-tag")
def delete_tag(body: DeleteTag, client: ClientDep) -> dict[str, Any]:
    client.delete_tag(body.rid, body.key)
    return {}


@router.post("/runs/log-batch")
def log_batch(body: LogBatch, client: ClientDep) -> dict[str, Any]:
    _check_batch_limits(body)
    client.log_batch(
        body.rid,
        metrics=[Metric(m.key, m.value, m.timestamp, m.step) for m in body.metrics],
        params=[Param(p.key, p.value) for p in body.params],
        tags=[Tag(t.key, t.value) for t in body.tags],
    )
    _log_model_metrics(client, body.rid, body.metrics)
    return {}


def _log_model_metrics(
    client: Client, run_id: str, metrics: Sequence[LogMetric | MetricIn]
) -> None:
    """MLflow 3 sends a metric measured on a logged model with the model's id: besides
    the run's history, the point goes to that model's metrics (with the run and the
    dataset), where `logged-models/get` shows it. Only a model that exists gets it; for
    another id the run alone keeps the point (MLflow's server stores it there too,
    then fails the request)."""
    by_model: dict[str, list[LoggedModelMetric]] = {}
    for m in metrics:
        if m.model_id:
            by_model.setdefault(m.model_id, []).append(
                LoggedModelMetric(
                    key=m.key,
                    value=m.value,
                    timestamp=m.timestamp,
                    step=m.step,
                    run_id=run_id,
                    dataset_name=m.dataset_name or None,
                    dataset_digest=m.dataset_digest or None,
                )
            )
    if not by_model or not isinstance(client.store, LoggedModelStore):
        return
    models = LoggedModels(client)
    for model_id, points in by_model.items():
        try:
            check_model_id(model_id)
        except InvalidArgumentError:
            continue  # no model has an id like that
        with contextlib.suppress(NotFoundError):  # unknown or deleted
            models.log_logged_model_metrics(model_id, points)


def _check_batch_limits(body: LogBatch) -> None:
    counts = (len(body.metrics), len(body.params), len(body.tags))
    limits = (MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_BATCH_TAGS)
    for name, count, limit in zip(("metrics", "params", "tags"), counts, limits, strict=True):
        if count > limit:
            raise InvalidArgumentError(
                f"A batch logging request can contain at most {limit} {name}; got {count}"
            )
    if sum(counts) > MAX_BATCH_TOTAL:
        raise InvalidArgumentError(
            f"A batch logging request can contain at most {MAX_BATCH_TOTAL} metrics, params "
            f"and tags in total; got {sum(counts)}"
        )


@router.post("/runs/log-inputs")
def log_inputs(body: LogInputs, client: ClientDep) -> dict[str, Any]:
    client.log_inputs(
        body.rid,
        [
            DatasetInput(
                dataset=Dataset(
                    name=item.dataset.name,
                    digest=item.dataset.digest,
                    source_type=item.dataset.source_type,
                    source=item.dataset.source,
                    schema=item.dataset.schema_,
                    profile=item.dataset.profile,
                ),
                tags={t.key: t.value for t in item.tags},
            )
            for item in body.datasets
        ],
    )
    return {}


@router.post("/runs/log-model")
def log_model(body: LogModel, client: ClientDep) -> dict[str, Any]:
    try:
        model = json.loads(body.model_json)
    except ValueError:
        raise InvalidArgumentError("model_json must be a JSON document") from None
    history = client.get_run(body.rid).data.tags.get(LOG_MODEL_HISTORY_TAG)
    models = json.loads(history) if history else []
    models.append(model)
    client.set_tag(body.rid, LOG_MODEL_HISTORY_TAG, json.dumps(models))
    return {}


@router.get("/metrics/get-history")
def get_metric_history(query: Annotated[GetHistory, Query()], client: ClientDep) -> dict[str, Any]:
    """Points in (timestamp, step, value) order, as MLflow's server returns them."""
    if query.max_results is None and not query.page_token:
        points = client.get_metric_history(query.rid, query.metric_key)
        return {"metrics": [metric_json(m) for m in points]}
    page = client.get_metric_history_page(
        query.rid, query.metric_key, query.max_results or 25_000, query.page_token or None
    )
    response: dict[str, Any] = {"metrics": [metric_json(m) for m in page]}
    if page.token:
        response["next_page_token"] = page.token
    return response


@router.get("/artifacts/list")
def list_artifacts(query: Annotated[ListArtifacts, Query()], client: ClientDep) -> dict[str, Any]:
    root = client.get_run(query.rid).info.artifact_uri
    files = client.list_artifacts(query.rid, query.path or None)
    return {"root_uri": root, "files": [file_info_json(f) for f in files]}
