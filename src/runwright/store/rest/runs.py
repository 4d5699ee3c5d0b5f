"""Runs and what they log, over REST: `/mlflow/runs/*`, `/mlflow/metrics/get-history`,
plus Runwright's heartbeat, list-deleted and purge.

MLflow's log-batch takes at most 1000 values per request (100 params, 100 tags), so
larger batches go as several requests, params and tags first: a param that conflicts
is refused before any metric of the batch is stored. A batch that fits one request is
stored whole or refused; a larger one can be stored in part if a later request fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from runwright.entities import (
    DatasetInput,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    Tag,
    ViewType,
)
from runwright.store.rest.parsing import (
    metric_from_json,
    metric_to_json,
    pairs_to_json,
    run_from_json,
    run_info_from_json,
)
from runwright.store.rest.transport import MLFLOW_API, RUNWRIGHT_API, RestTransport

__all__ = [
    "HISTORY_PAGE_SIZE",
    "MAX_BATCH_METRICS",
    "MAX_BATCH_PARAMS",
    "MAX_BATCH_TAGS",
    "MAX_BATCH_TOTAL",
    "RestRuns",
    "batch_requests",
]

# MLflow's limits for one log-batch request.
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_TOTAL = 1000
#: Points per get-history request when the whole history is wanted.
HISTORY_PAGE_SIZE = 25_000
# Run ids per heartbeat or purge request.
_IDS_PER_REQUEST = 1000


def batch_requests(
    run_id: str, metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[Tag]
) -> Iterator[dict[str, Any]]:
    """log-batch bodies within MLflow's limits: params and tags first (with as many
    metrics as fit beside them), then the rest of the metrics. Always at least one."""
    params_left, tags_left, metrics_left = list(params), list(tags), list(metrics)
    first = True
    while first or params_left or tags_left or metrics_left:
        first = False
        some_params, params_left = params_left[:MAX_BATCH_PARAMS], params_left[MAX_BATCH_PARAMS:]
        some_tags, tags_left = tags_left[:MAX_BATCH_TAGS], tags_left[MAX_BATCH_TAGS:]
        room = MAX_BATCH_TOTAL - len(some_params) - len(some_tags)
        # Metrics wait until every param and tag is sent, so a refused param stops them all.
        take = 0 if params_left or tags_left else min(room, MAX_BATCH_METRICS)
        some_metrics, metrics_left = metrics_left[:take], metrics_left[take:]
        yield {
            "run_id": run_id,
            "metrics": [metric_to_json(m) for m in some_metrics],
            "params": [{"key": p.key, "value": p.value} for p in some_params],
            "tags": [{"key": t.key, "value": t.value} for t in some_tags],
        }


class RestRuns:
    _http: RestTransport

    def create_run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[Tag],
    ) -> Run:
        body = {
            "experiment_id": experiment_id,
            "run_name": run_name,
            "user_id": user_id,
            "start_time": start_time,
            "tags": [{"key": t.key, "value": t.value} for t in tags],
        }
        return run_from_json(self._http.post(f"{MLFLOW_API}/runs/create", body)["run"])

    def get_run(self, *, run_id: str) -> Run:
        return run_from_json(self._http.get(f"{MLFLOW_API}/runs/get", {"run_id": run_id})["run"])

    def update_run(
        self,
        *,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        body: dict[str, Any] = {"run_id": run_id}
        if status is not None:
            body["status"] = status.value
        if end_time is not None:
            body["end_time"] = end_time
        if run_name is not None:
            body["run_name"] = run_name
        return run_info_from_json(self._http.post(f"{MLFLOW_API}/runs/update", body)["run_info"])

    def delete_run(self, *, run_id: str, deleted_time: int) -> None:
        # The server stamps the deletion with its own clock.
        self._http.post(f"{MLFLOW_API}/runs/delete", {"run_id": run_id})

    def restore_run(self, *, run_id: str) -> None:
        self._http.post(f"{MLFLOW_API}/runs/restore", {"run_id": run_id})

    def log_batch(
        self,
        *,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[Tag] = (),
    ) -> None:
        for body in batch_requests(run_id, metrics, params, tags):
            self._http.post(f"{MLFLOW_API}/runs/log-batch", body)

    def delete_tag(self, *, run_id: str, key: str) -> None:
        self._http.post(f"{MLFLOW_API}/runs/delete-tag", {"run_id": run_id, "key": key})

    def log_inputs(self, *, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        body = {"run_id": run_id, "datasets": [_dataset_input_json(item) for item in datasets]}
        self._http.post(f"{MLFLOW_API}/runs/log-inputs", body)

    def record_heartbeat(self, *, run_ids: Sequence[str], time: int) -> None:
        ids = list(run_ids)
        for start in range(0, len(ids), _IDS_PER_REQUEST):
            body = {"run_ids": ids[start : start + _IDS_PER_REQUEST], "time": time}
            self._http.post(f"{RUNWRIGHT_API}/runs/heartbeat", body)

    def get_metric_history(
        self, *, run_id: str, key: str, max_results: int | None, page_token: str | None
    ) -> PagedList[Metric]:
        """In the server's order, (timestamp, step, value) for MLflow's and Runwright's."""
        if max_results is not None:
            return self._history_page(run_id, key, max_results, page_token)
        # The whole history, a page at a time, so neither side holds one huge response.
        points: list[Metric] = []
        token = page_token
        while True:
            page = self._history_page(run_id, key, HISTORY_PAGE_SIZE, token)
            points.extend(page)
            token = page.token
            if not token:
                return PagedList(points)

    def _history_page(
        self, run_id: str, key: str, max_results: int, page_token: str | None
    ) -> PagedList[Metric]:
        query: dict[str, Any] = {"run_id": run_id, "metric_key": key, "max_results": max_results}
        if page_token:
            query["page_token"] = page_token
        answer = self._http.get(f"{MLFLOW_API}/metrics/get-history", query)
        return PagedList(
            [metric_from_json(item) for item in answer.get("metrics", ())],
            answer.get("next_page_token") or None,
        )

    def search_runs(
        self,
        *,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        view_type: ViewType,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> PagedList[Run]:
        from runwright.search import RUNS, parse_filter, parse_order_by

        # Checked here as well as on the server: a mistake raises FilterSyntaxError,
        # pointing at the bad character, without a round trip.
        parse_filter(filter_string, target=RUNS)
        parse_order_by(order_by, target=RUNS)
        body: dict[str, Any] = {
            "experiment_ids": list(experiment_ids),
            "run_view_type": view_type.value,
            "max_results": max_results,
            "order_by": list(order_by or ()),
        }
        if filter_string:
            body["filter"] = filter_string
        if page_token:
            body["page_token"] = page_token
        answer = self._http.post(f"{MLFLOW_API}/runs/search", body)
        return PagedList(
            [run_from_json(item) for item in answer.get("runs", ())],
            answer.get("next_page_token") or None,
        )

    def list_deleted_runs(self, *, deleted_before: int | None) -> list[RunInfo]:
        query = {} if deleted_before is None else {"deleted_before": deleted_before}
        answer = self._http.get(f"{RUNWRIGHT_API}/runs/list-deleted", query)
        return [run_info_from_json(item) for item in answer.get("run_infos", ())]

    def purge_runs(self, *, run_ids: Sequence[str]) -> None:
        ids = list(run_ids)
        for start in range(0, len(ids), _IDS_PER_REQUEST):
            body = {"run_ids": ids[start : start + _IDS_PER_REQUEST]}
            self._http.post(f"{RUNWRIGHT_API}/runs/purge", body)


def _dataset_input_json(item: DatasetInput) -> dict[str, Any]:
    dataset = item.dataset
    rendered: dict[str, Any] = {
        "name": dataset.name,
        "digest": dataset.digest,
        "source_type": dataset.source_type,
        "source": dataset.source,
    }
    if dataset.schema is not None:
        rendered["schema"] = dataset.schema
    if dataset.profile is not None:
        rendered["profile"] = dataset.profile
    return {"tags": pairs_to_json(item.tags), "dataset": rendered}
