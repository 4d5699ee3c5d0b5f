"""Logged models over REST: MLflow 3's `/mlflow/logged-models*` and `/mlflow/runs/outputs`,
plus Runwright's endpoints for what MLflow has none for (metrics logged on a model
without a run, listing deleted models, purging).

Each call is one request, so each is stored whole or refused as on the server: unlike
the mlflow client, params are not split into batches of 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from runwright.entities import (
    LifecycleStage,
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
    PagedList,
)
from runwright.errors import NotFoundError
from runwright.store.logged_models import LoggedModelStore
from runwright.store.rest.parsing import (
    float_from_json,
    float_to_json,
    pairs_from_json,
    pairs_to_json,
)
from runwright.store.rest.transport import MLFLOW_API, RUNWRIGHT_API, RestTransport

__all__ = ["RestLoggedModels", "logged_model_from_json"]

_MODELS = f"{MLFLOW_API}/logged-models"
_RUNWRIGHT_MODELS = f"{RUNWRIGHT_API}/logged-models"
# Model ids per purge request (the server's limit).
_IDS_PER_REQUEST = 1000

# The proto enum names the server sends; an MLflow server may send the numbers.
_STATUS_TO_WIRE = {
    LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    LoggedModelStatus.FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}
_STATUS_FROM_WIRE = {
    **{name: status for status, name in _STATUS_TO_WIRE.items()},
    "1": LoggedModelStatus.PENDING,
    "2": LoggedModelStatus.READY,
    "3": LoggedModelStatus.FAILED,
}


def _optional_str(value: Any) -> str | None:
    return str(value) if value else None


def _metric_from_json(data: Mapping[str, Any]) -> LoggedModelMetric:
    return LoggedModelMetric(
        key=str(data["key"]),
        value=float_from_json(data.get("value", 0.0)),
        timestamp=int(data.get("timestamp", 0)),
        step=int(data.get("step", 0)),
        run_id=_optional_str(data.get("run_id")),
        dataset_name=_optional_str(data.get("dataset_name")),
        dataset_digest=_optional_str(data.get("dataset_digest")),
    )


def _metric_to_json(metric: LoggedModelMetric) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "key": metric.key,
        "value": float_to_json(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }
    optional = {
        "run_id": metric.run_id,
        "dataset_name": metric.dataset_name,
        "dataset_digest": metric.dataset_digest,
    }
    rendered.update((key, value) for key, value in optional.items() if value)
    return rendered


def logged_model_from_json(data: Mapping[str, Any]) -> LoggedModel:
    """MLflow's LoggedModel message (`{"info": ..., "data": ...}`) as an entity.

    `lifecycle_stage` is Runwright's addition; an MLflow server only returns active models.
    """
    info, body = data["info"], data.get("data", {})
    return LoggedModel(
        model_id=str(info["model_id"]),
        experiment_id=str(info.get("experiment_id", "")),
        name=str(info.get("name", "")),
        artifact_location=str(info.get("artifact_uri", "")),
        status=_STATUS_FROM_WIRE[str(info.get("status", "LOGGED_MODEL_PENDING"))],
        lifecycle_stage=LifecycleStage(info.get("lifecycle_stage", LifecycleStage.ACTIVE)),
        creation_timestamp=int(info.get("creation_timestamp_ms", 0)),
        last_updated_timestamp=int(info.get("last_updated_timestamp_ms", 0)),
        model_type=_optional_str(info.get("model_type")),
        source_run_id=_optional_str(info.get("source_run_id")),
        status_message=_optional_str(info.get("status_message")),
        tags=pairs_from_json(info.get("tags")),
        params=pairs_from_json(body.get("params")),
        metrics=tuple(_metric_from_json(item) for item in body.get("metrics", ())),
    )


def _model_path(model_id: str) -> str:
    return f"{_MODELS}/{quote(model_id, safe='')}"


class RestLoggedModels(LoggedModelStore):
    _http: RestTransport

    def create_logged_model(
        self,
        *,
        experiment_id: str,
        name: str,
        model_type: str | None,
        source_run_id: str | None,
        params: Mapping[str, str],
        tags: Mapping[str, str],
        creation_time: int,
    ) -> LoggedModel:
        # The server stamps the model with its own clock.
        body: dict[str, Any] = {
            "experiment_id": experiment_id,
            "name": name,
            "params": pairs_to_json(params),
            "tags": pairs_to_json(tags),
        }
        if model_type:
            body["model_type"] = model_type
        if source_run_id:
            body["source_run_id"] = source_run_id
        return logged_model_from_json(self._http.post(_MODELS, body)["model"])

    def get_logged_model(self, *, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        query = {"allow_deleted": True} if allow_deleted else None
        return logged_model_from_json(self._http.get(_model_path(model_id), query)["model"])

    def finalize_logged_model(
        self, *, model_id: str, status: LoggedModelStatus, updated_time: int
    ) -> LoggedModel:
        body = {"model_id": model_id, "status": _STATUS_TO_WIRE[status]}
        answer = self._http.patch(_model_path(model_id), body)
        return logged_model_from_json(answer["model"])

    def delete_logged_model(self, *, model_id: str, deleted_time: int) -> None:
        # The server stamps the deletion with its own clock.
        self._http.delete(_model_path(model_id))

    def list_deleted_logged_models(self, *, deleted_before: int | None) -> list[LoggedModel]:
        query = {} if deleted_before is None else {"deleted_before": deleted_before}
        answer = self._http.get(f"{_RUNWRIGHT_MODELS}/list-deleted", query)
        return [logged_model_from_json(item) for item in answer.get("models", ())]

    def purge_logged_models(self, *, model_ids: Sequence[str]) -> None:
        ids = list(model_ids)
        for start in range(0, len(ids), _IDS_PER_REQUEST):
            body = {"model_ids": ids[start : start + _IDS_PER_REQUEST]}
            self._http.post(f"{_RUNWRIGHT_MODELS}/purge", body)

    def set_logged_model_tags(self, *, model_id: str, tags: Mapping[str, str]) -> None:
        self._http.patch(f"{_model_path(model_id)}/tags", {"tags": pairs_to_json(tags)})

    def delete_logged_model_tag(self, *, model_id: str, key: str) -> None:
        self._http.delete(f"{_model_path(model_id)}/tags/{quote(key, safe='')}")

    def log_logged_model_params(self, *, model_id: str, params: Mapping[str, str]) -> None:
        body = {"model_id": model_id, "params": pairs_to_json(params)}
        self._http.post(f"{_model_path(model_id)}/params", body)

    def log_logged_model_metrics(
        self, *, model_id: str, metrics: Sequence[LoggedModelMetric]
    ) -> None:
        # MLflow attaches metrics to a model only through a run's log-batch; a model's
        # metrics need not come from a run, so this is Runwright's endpoint.
        body = {"model_id": model_id, "metrics": [_metric_to_json(m) for m in metrics]}
        self._http.post(f"{_RUNWRIGHT_MODELS}/log-metrics", body)

    def search_logged_models(
        self,
        *,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        datasets: Sequence[LoggedModelDataset],
        max_results: int,
        order_by: Sequence[LoggedModelOrder],
        page_token: str | None,
    ) -> PagedList[LoggedModel]:
        from runwright.search import LOGGED_MODELS, parse_filter, parse_order_by

        # Checked here as well as on the server: a mistake raises FilterSyntaxError,
        # pointing at the bad character, without a round trip.
        parse_filter(filter_string, target=LOGGED_MODELS)
        parse_order_by([order.field for order in order_by], target=LOGGED_MODELS)
        body: dict[str, Any] = {
            "experiment_ids": list(experiment_ids),
            "datasets": [_dataset_json(d) for d in datasets],
            "max_results": max_results,
            "order_by": [_order_json(o) for o in order_by],
        }
        if filter_string:
            body["filter"] = filter_string
        if page_token:
            body["page_token"] = page_token
        answer = self._http.post(f"{_MODELS}/search", body)
        return PagedList(
            [logged_model_from_json(item) for item in answer.get("models", ())],
            answer.get("next_page_token") or None,
        )

    def log_outputs(self, *, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        body = {
            "run_id": run_id,
            "models": [{"model_id": m.model_id, "step": m.step} for m in models],
        }
        self._http.post(f"{MLFLOW_API}/runs/outputs", body)

    def get_run_outputs(self, *, run_ids: Sequence[str]) -> dict[str, list[LoggedModelOutput]]:
        # MLflow has no endpoint for outputs alone: they come with the run.
        outputs: dict[str, list[LoggedModelOutput]] = {}
        for run_id in run_ids:
            try:
                run = self._http.get(f"{MLFLOW_API}/runs/get", {"run_id": run_id})["run"]
            except NotFoundError:
                outputs[run_id] = []
                continue
            outputs[run_id] = [
                LoggedModelOutput(model_id=str(item["model_id"]), step=int(item.get("step", 0)))
                for item in run.get("outputs", {}).get("model_outputs", ())
            ]
        return outputs


def _dataset_json(dataset: LoggedModelDataset) -> dict[str, Any]:
    rendered = {"dataset_name": dataset.name}
    if dataset.digest:
        rendered["dataset_digest"] = dataset.digest
    return rendered


def _order_json(order: LoggedModelOrder) -> dict[str, Any]:
    rendered: dict[str, Any] = {"field_name": order.field, "ascending": order.ascending}
    if order.dataset_name:
        rendered["dataset_name"] = order.dataset_name
    if order.dataset_digest:
        rendered["dataset_digest"] = order.dataset_digest
    return rendered
